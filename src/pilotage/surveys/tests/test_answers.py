"""Answering: validation per question, once only (also under a race), the xAPI statements,
anonymity, someone else's invitation, the page and the portal panel."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from pilotage.core.errors import NotFound, ValidationFailed
from pilotage.lrs.models import Statement
from pilotage.surveys.models import Answer, Invitation, Response
from pilotage.surveys.services_answers import (
    AlreadyAnswered,
    answer_submit,
    question_iri,
    survey_iri,
)
from pilotage.surveys.tests import factories as f
from pilotage.surveys.views_answers import pending_evaluations_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cast: Any) -> dict[str, Any]:
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme, facilitators=(cast.facilitator,))
    session = f.make_session(cohort=cohort)
    enrolment = f.enrol(cohort=cohort, employee=cast.employees["learner"])
    survey = f.make_survey(programme=programme)
    q = {question.kind: question for question in survey.questions.all()}
    invitation = f.invite(survey=survey, enrolment=enrolment, session=session)
    good = {
        f"q{q['likert'].pk}": "4",
        f"q{q['nps'].pk}": "9",
        f"q{q['single'].pk}": "b",
        f"q{q['multiple'].pk}": ["c", "a"],
    }
    return {
        "programme": programme,
        "cohort": cohort,
        "session": session,
        "enrolment": enrolment,
        "survey": survey,
        "q": q,
        "invitation": invitation,
        "good": good,
    }


def test_answer_is_stored_with_its_context_and_statements(cast: Any, setup: dict[str, Any]) -> None:
    invitation = setup["invitation"]
    q = setup["q"]
    response = answer_submit(
        actor=cast.learner, invitation=invitation, answers={**setup["good"], f"q{q['text'].pk}": "  Très bien  "}
    )
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert response.invitation == invitation  # named survey
    assert response.cohort == setup["cohort"] and response.session == setup["session"]
    assert response.programme == setup["programme"] and response.org_unit == cast.unit_a1
    assert list(response.facilitators.all()) == [cast.facilitator]
    answers = {a.question.kind: a for a in Answer.objects.filter(response=response)}
    assert answers["likert"].number == 4 and answers["nps"].number == 9
    assert answers["multiple"].choices == ["a", "c"]  # in the order offered
    assert answers["text"].text == "Très bien"
    statements = list(Statement.objects.all())
    assert len(statements) == 6  # five answers + one "responded"
    by_object = {s.payload["object"]["id"]: s.payload for s in statements}
    nps = by_object[question_iri(q["nps"])]
    assert nps["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert nps["result"]["response"] == "9"
    assert nps["context"]["registration"] == str(setup["enrolment"].registration)
    assert nps["context"]["contextActivities"]["parent"][0]["id"] == survey_iri(setup["survey"])
    assert nps["actor"]["account"]["name"] == "E003"
    assert by_object[question_iri(q["multiple"])]["result"]["response"] == "a[,]c"
    assert by_object[survey_iri(setup["survey"])]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/responded"


def test_required_question_unanswered(cast: Any, setup: dict[str, Any]) -> None:
    q = setup["q"]
    answers = dict(setup["good"])
    del answers[f"q{q['nps'].pk}"]
    with pytest.raises(ValidationFailed) as exc:
        answer_submit(actor=cast.learner, invitation=setup["invitation"], answers=answers)
    assert exc.value.errors == {f"q{q['nps'].pk}": ["Question 2 needs an answer."]}
    assert not Response.objects.exists() and not Statement.objects.exists()
    setup["invitation"].refresh_from_db()
    assert setup["invitation"].answered_at is None


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("nps", "11", "from 0 to 10"),
        ("nps", "-1", "from 0 to 10"),
        ("likert", "0", "from 1 to 5"),
        ("likert", "4.5", "from 1 to 5"),
        ("single", "z", "not one of the choices offered"),
        ("multiple", ["a", "zz"], "not one of the choices offered"),
    ],
)
def test_bad_values_are_refused_naming_the_question(
    cast: Any, setup: dict[str, Any], kind: str, value: Any, message: str
) -> None:
    q = setup["q"]
    answers = {**setup["good"], f"q{q[kind].pk}": value}
    with pytest.raises(ValidationFailed) as exc:
        answer_submit(actor=cast.learner, invitation=setup["invitation"], answers=answers)
    assert message in exc.value.errors[f"q{q[kind].pk}"][0]
    assert not Response.objects.exists()


def test_unknown_question_is_refused(cast: Any, setup: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        answer_submit(actor=cast.learner, invitation=setup["invitation"], answers={**setup["good"], "q999999": "1"})
    assert "q999999" in exc.value.errors


def test_answering_twice_is_refused(cast: Any, setup: dict[str, Any]) -> None:
    answer_submit(actor=cast.learner, invitation=setup["invitation"], answers=setup["good"])
    invitation = Invitation.objects.get(pk=setup["invitation"].pk)
    with pytest.raises(AlreadyAnswered) as exc:
        answer_submit(actor=cast.learner, invitation=invitation, answers=setup["good"])
    assert "already answered" in exc.value.message
    assert Response.objects.count() == 1


def test_answering_twice_in_a_race_stores_one_response(cast: Any, setup: dict[str, Any]) -> None:
    """Two submits that both read the invitation before either wrote (two tabs, a double tap):
    the second holds a stale copy saying "not answered"; the conditional claim refuses it."""
    first = Invitation.objects.get(pk=setup["invitation"].pk)
    second = Invitation.objects.get(pk=setup["invitation"].pk)
    answer_submit(actor=cast.learner, invitation=first, answers=setup["good"])
    assert second.answered_at is None  # stale
    with pytest.raises(AlreadyAnswered):
        answer_submit(actor=cast.learner, invitation=second, answers=setup["good"])
    assert Response.objects.count() == 1
    assert Statement.objects.count() == 5  # the first submit's only


def test_someone_else_cannot_answer_through_the_service(cast: Any, setup: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        answer_submit(actor=cast.manager, invitation=setup["invitation"], answers=setup["good"])


def test_anonymous_answer_keeps_no_link(cast: Any) -> None:
    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    enrolment = f.enrol(cohort=cohort, employee=cast.employees["learner"])
    survey = f.make_survey(programme=programme, kinds=("likert",), anonymous=True)
    invitation = f.invite(survey=survey, enrolment=enrolment)
    response = answer_submit(actor=cast.learner, invitation=invitation, answers={f"q{survey.questions.get().pk}": 5})
    assert response.invitation is None
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert response.submitted_at != invitation.answered_at  # the day only
    for statement in Statement.objects.all():
        assert statement.registration is None
        assert "registration" not in statement.payload.get("context", {})
        assert statement.payload["actor"]["account"]["name"].startswith("anonymous-")
        assert "E003" not in str(statement.payload)


def _day_only(moment: Any) -> bool:
    """True when ``moment`` (local time) is midnight or noon exactly: no finer than the day."""
    from django.utils import timezone

    local = timezone.localtime(moment)
    return (local.minute, local.second, local.microsecond) == (0, 0, 0) and local.hour in (0, 12)


def test_anonymous_answer_keeps_no_time_finer_than_the_day(cast: Any) -> None:
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    from pilotage.core.models import AuditEvent

    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    enrolment = f.enrol(cohort=cohort, employee=cast.employees["learner"])
    survey = f.make_survey(programme=programme, kinds=("likert", "text"), anonymous=True)
    invitation = f.invite(survey=survey, enrolment=enrolment)
    answers = {f"q{q.pk}": (4 if q.kind == "likert" else "Fine") for q in survey.questions.all()}
    audits_before = set(AuditEvent.objects.values_list("pk", flat=True))
    # 00:40 on 10 March in Paris is still 9 March in UTC, on purpose: the day is the site's.
    moment = dt.datetime(2026, 3, 10, 0, 40, 17, 123, tzinfo=timezone.get_default_timezone())
    with mock.patch("pilotage.surveys.services_answers.timezone.now", return_value=moment):
        response = answer_submit(actor=cast.learner, invitation=invitation, answers=answers)
    invitation.refresh_from_db()
    assert invitation.answered_at is not None and _day_only(invitation.answered_at)
    assert timezone.localtime(invitation.answered_at).date() == dt.date(2026, 3, 10)
    response.refresh_from_db()
    assert _day_only(response.submitted_at)
    assert timezone.localtime(response.submitted_at).date() == dt.date(2026, 3, 10)
    statements = list(Statement.objects.all())
    assert len(statements) == 3
    for statement in statements:
        assert _day_only(statement.timestamp)
        assert timezone.localtime(statement.timestamp).hour == 12
        assert "registration" not in statement.payload.get("context", {})
        assert statement.payload["actor"]["account"]["name"].startswith("anonymous-")
    new_audits = AuditEvent.objects.exclude(pk__in=audits_before)
    assert not new_audits.filter(action="survey.answer").exists()
    assert not new_audits.filter(object_type="surveys.invitation").exists()


def test_named_answer_keeps_its_time_and_audit(cast: Any, setup: dict[str, Any]) -> None:
    from pilotage.core.models import AuditEvent

    answer_submit(actor=cast.learner, invitation=setup["invitation"], answers=setup["good"])
    invitation = Invitation.objects.get(pk=setup["invitation"].pk)
    assert invitation.answered_at is not None
    assert AuditEvent.objects.filter(action="survey.answer", object_id=str(invitation.pk)).exists()


def test_closed_invitation_is_refused(cast: Any, setup: dict[str, Any]) -> None:
    from django.utils import timezone

    Invitation.objects.filter(pk=setup["invitation"].pk).update(closes_at=timezone.now())
    invitation = Invitation.objects.get(pk=setup["invitation"].pk)
    with pytest.raises(ValidationFailed) as exc:
        answer_submit(actor=cast.learner, invitation=invitation, answers=setup["good"])
    assert "closed" in exc.value.message


def test_answer_at_a_past_time_dates_everything_then(cast: Any, setup: dict[str, Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    at = timezone.now() - dt.timedelta(days=40)
    Invitation.objects.filter(pk=setup["invitation"].pk).update(closes_at=at + dt.timedelta(days=1))
    invitation = Invitation.objects.get(pk=setup["invitation"].pk)
    # Closed now, but open at ``at``: accepted, dated then.
    response = answer_submit(actor=cast.learner, invitation=invitation, answers=setup["good"], at=at)
    invitation.refresh_from_db()
    assert invitation.answered_at == at and response.submitted_at == at
    statements = list(Statement.objects.all())
    assert statements and all(s.timestamp == at for s in statements)


def test_answer_at_after_the_invitation_closed_is_refused(cast: Any, setup: dict[str, Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    closes = timezone.now() - dt.timedelta(days=10)
    Invitation.objects.filter(pk=setup["invitation"].pk).update(closes_at=closes)
    invitation = Invitation.objects.get(pk=setup["invitation"].pk)
    with pytest.raises(ValidationFailed) as exc:
        answer_submit(actor=cast.learner, invitation=invitation, answers=setup["good"], at=closes)
    assert "closed" in exc.value.message
    assert not Response.objects.exists()


def test_anonymous_answer_at_a_past_time_keeps_the_day_only(cast: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    programme = f.make_programme()
    cohort = f.make_cohort(programme=programme)
    enrolment = f.enrol(cohort=cohort, employee=cast.employees["learner"])
    survey = f.make_survey(programme=programme, kinds=("likert",), anonymous=True)
    invitation = f.invite(survey=survey, enrolment=enrolment)
    at = dt.datetime(2025, 11, 4, 15, 27, 9, tzinfo=timezone.get_default_timezone())
    response = answer_submit(
        actor=cast.learner, invitation=invitation, answers={f"q{survey.questions.get().pk}": 5}, at=at
    )
    invitation.refresh_from_db()
    assert _day_only(invitation.answered_at) and timezone.localtime(invitation.answered_at).date() == at.date()
    assert _day_only(response.submitted_at) and timezone.localtime(response.submitted_at).date() == at.date()
    for statement in Statement.objects.all():
        assert _day_only(statement.timestamp) and timezone.localtime(statement.timestamp).date() == at.date()


# --- the page ---------------------------------------------------------------------------------


def test_answer_page_get_and_post(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    client = login(cast.learner)
    url = reverse("surveys:answer", args=[setup["invitation"].token])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Question likert" in body and 'lang="fr"' in body  # Julie reads French
    q = setup["q"]
    data = {
        f"q{q['likert'].pk}": "5",
        f"q{q['nps'].pk}": "10",
        f"q{q['single'].pk}": "a",
        f"q{q['multiple'].pk}": ["a", "b"],
        "lang": "en",  # the messages checked below are the English ones
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert Response.objects.count() == 1
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Thank you: your answers are recorded." in thanks.content.decode()
    assert "already answered" in client.get(url + "?lang=en").content.decode()
    again = client.post(url, data)
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    assert Response.objects.count() == 1


def test_answer_page_shows_errors_next_to_questions(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    q = setup["q"]
    response = login(cast.learner).post(
        reverse("surveys:answer", args=[setup["invitation"].token]),
        {f"q{q['likert'].pk}": "5", f"q{q['nps'].pk}": "11", "lang": "en"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "choose a whole number from 0 to 10" in body
    assert 'value="5" checked' in body  # what was given is kept
    assert not Response.objects.exists()


def test_someone_elses_invitation_is_404(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    url = reverse("surveys:answer", args=[setup["invitation"].token])
    for user in (cast.manager, cast.dlm, cast.facilitator):
        assert login(user).get(url).status_code == 404
    assert login(cast.learner).get(reverse("surveys:answer", args=[uuid.uuid4()])).status_code == 404


def test_answer_page_in_english_on_request(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    body = (
        login(cast.learner)
        .get(reverse("surveys:answer", args=[setup["invitation"].token]) + "?lang=en")
        .content.decode()
    )
    assert "Question likert (en)" in body and "Send my answers" in body


def test_portal_panel_and_my_invitations(cast: Any, login: Any, setup: dict[str, Any], rf: Any) -> None:
    request = rf.get("/learn/")
    request.user = cast.learner
    request.LANGUAGE_CODE = "fr"
    panel = pending_evaluations_panel(request)
    assert panel is not None and panel["count"] == 1
    assert panel["items"][0]["url"] == reverse("surveys:answer", args=[setup["invitation"].token])
    assert panel["template"] == "surveys/_portal_panel.html"
    page = login(cast.learner).get(reverse("surveys:my_invitations"))
    assert page.status_code == 200 and "Survey" in page.content.decode()  # title in the page's language
    answer_submit(actor=cast.learner, invitation=setup["invitation"], answers=setup["good"])
    assert pending_evaluations_panel(request) is None
    request.user = cast.facilitator  # no employee: no panel
    assert pending_evaluations_panel(request) is None


def test_panel_is_registered_with_the_portal() -> None:
    from pilotage.delivery import portal

    assert "surveys.pending" in portal._PANELS


# --- the API ----------------------------------------------------------------------------------


def test_api_my_invitations_and_answer(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    client = login(cast.learner)
    mine = client.get("/api/v1/surveys/invitations/mine").json()
    assert mine["count"] == 1
    item = mine["items"][0]
    assert item["token"] == str(setup["invitation"].token)
    assert len(item["survey"]["questions"]) == 5
    q = setup["q"]
    url = f"/api/v1/surveys/invitations/{setup['invitation'].token}/answer"
    bad = client.post(url, {"answers": {str(q["likert"].pk): 4, str(q["nps"].pk): 11}}, content_type="application/json")
    assert bad.status_code == 400
    fields = {e["field"] for e in bad.json()["errors"]}
    assert f"q{q['nps'].pk}" in fields and f"q{q['single'].pk}" in fields
    answers = {str(q["likert"].pk): 4, str(q["nps"].pk): 8, str(q["single"].pk): "a", str(q["multiple"].pk): ["b"]}
    ok = client.post(url, {"answers": answers}, content_type="application/json")
    assert ok.status_code == 201, ok.content
    assert Response.objects.get().uid == uuid.UUID(ok.json()["response_uid"])
    twice = client.post(url, {"answers": answers}, content_type="application/json")
    assert twice.status_code == 409
    assert client.get("/api/v1/surveys/invitations/mine").json()["count"] == 0
    assert client.get("/api/v1/surveys/invitations/mine?answered=true").json()["count"] == 1


def test_api_someone_elses_invitation_is_404(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    url = f"/api/v1/surveys/invitations/{setup['invitation'].token}/answer"
    response = login(cast.manager).post(url, {"answers": setup["good"]}, content_type="application/json")
    assert response.status_code == 404
    assert not Response.objects.exists()


def test_portal_home_shows_the_panel(cast: Any, login: Any, setup: dict[str, Any]) -> None:
    body = login(cast.learner).get(reverse("portal:home")).content.decode()
    assert "Evaluations to answer" in body
    assert reverse("surveys:answer", args=[setup["invitation"].token]) in body


def test_api_my_invitations_query_count(
    cast: Any, login: Any, setup: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(4):
        f.invite(survey=f.make_survey(programme=setup["programme"]), enrolment=setup["enrolment"])
    client = login(cast.learner)
    client.get("/api/v1/surveys/invitations/mine")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/surveys/invitations/mine").json()
    assert body["count"] == 5 and all(len(i["survey"]["questions"]) == 5 for i in body["items"])
