"""The survey builder: services (validation, publish, copy, templates, rules) and pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.surveys import services
from pilotage.surveys.models import DispatchRule, Question, Survey
from pilotage.surveys.tests import factories as f

pytestmark = pytest.mark.django_db


def _draft(**kw: Any) -> Survey:
    return services.survey_create(actor="test", kind="hot", title_fr="Enquête", title_en="Survey", **kw)


def test_templates_ensure_creates_three_bilingual_templates_once(cast: Any) -> None:
    created = services.templates_ensure(actor="test")
    assert sorted(s.kind for s in created) == ["cold_learner", "cold_manager", "hot"]
    assert all(s.status == Survey.Status.PUBLISHED and s.is_template for s in created)
    hot = next(s for s in created if s.kind == "hot")
    assert hot.anonymous
    kinds = set(hot.questions.values_list("kind", flat=True))
    assert {"likert", "nps", "single", "text"} <= kinds
    assert all(q.text_fr and q.text_en for q in Question.objects.all())
    assert services.templates_ensure(actor="test") == []
    assert Survey.objects.filter(is_template=True).count() == 3
    assert not services.templates_missing()


def test_survey_needs_both_titles(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.survey_create(actor="test", kind="hot", title_fr="Enquête", title_en=" ")
    assert "title_en" in exc.value.errors


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "single", "choices": [{"fr": "Oui", "en": "Yes"}]}, "choices"),
        ({"kind": "single", "choices": [{"fr": "Oui", "en": ""}, {"fr": "Non", "en": "No"}]}, "choices"),
        (
            {
                "kind": "multiple",
                "choices": [{"value": "a", "fr": "A", "en": "A"}, {"value": "a", "fr": "B", "en": "B"}],
            },
            "choices",
        ),
        ({"kind": "rating", "scale_max": 11}, "scale_max"),
        ({"kind": "text", "measure": "satisfaction"}, "measure"),
        ({"kind": "nps", "measure": "satisfaction"}, "measure"),  # an NPS is its own figure
        ({"kind": "likert", "text_en": ""}, "text_en"),
        ({"kind": "bogus"}, "kind"),
    ],
)
def test_question_bad_input_names_the_field(cast: Any, kwargs: dict[str, Any], field: str) -> None:
    survey = _draft()
    data = {"text_fr": "Question ?", "text_en": "Question?", **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        services.question_create(actor="test", survey=survey, **data)
    assert field in exc.value.errors


def test_every_kind_of_question_is_stored_with_its_scale(cast: Any) -> None:
    survey = f.make_survey(kinds=("likert", "rating", "nps", "single", "multiple", "text"))
    by_kind = {q.kind: q for q in survey.questions.all()}
    assert by_kind["likert"].scale_max == 5
    assert by_kind["nps"].scale_max == 10
    assert [c["value"] for c in by_kind["single"].choices] == ["a", "b", "c"]
    assert by_kind["text"].choices == []
    assert list(survey.questions.values_list("position", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_publish_refused_without_questions_then_allowed(cast: Any) -> None:
    survey = _draft()
    with pytest.raises(ValidationFailed) as exc:
        services.survey_publish(actor="test", survey=survey)
    assert "Add at least one question." in exc.value.errors["__all__"]
    services.question_create(
        actor="test", survey=survey, kind="nps", text_fr="Recommanderiez-vous ?", text_en="Recommend?"
    )
    survey = services.survey_publish(actor="test", survey=survey)
    assert survey.status == Survey.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="survey.publish", object_id=str(survey.pk)).exists()


def test_move_and_delete_renumber(cast: Any) -> None:
    survey = f.make_survey(kinds=("likert", "nps", "text"))
    likert, nps, text = survey.questions.order_by("position")
    services.question_move(actor="test", question=text, direction="up")
    assert list(survey.questions.order_by("position").values_list("kind", flat=True)) == ["likert", "text", "nps"]
    services.question_move(actor="test", question=likert, direction="up")  # at the top: nothing moves
    assert survey.questions.order_by("position").first() == likert
    services.question_delete(actor="test", question=likert)
    assert list(survey.questions.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_structure_locked_once_answered(cast: Any) -> None:
    programme = f.make_programme()
    survey = f.make_survey(programme=programme, kinds=("likert",))
    enrolment = f.enrol(cohort=f.make_cohort(programme=programme), employee=cast.employees["learner"])
    invitation = f.invite(survey=survey, enrolment=enrolment)
    from pilotage.surveys.services_answers import answer_submit

    answer_submit(actor=cast.learner, invitation=invitation, answers={f"q{survey.questions.get().pk}": "4"})
    with pytest.raises(ValidationFailed):
        services.question_create(actor="test", survey=survey, kind="nps", text_fr="x", text_en="x")
    question = survey.questions.get()
    with pytest.raises(ValidationFailed):
        services.question_update(actor="test", question=question, kind="nps")
    services.question_update(actor="test", question=question, text_en="Corrected text")  # texts may change
    with pytest.raises(ValidationFailed) as exc:
        services.survey_update(actor="test", survey=survey, anonymous=True)
    assert "anonymous" in exc.value.errors


def test_rule_from_a_template_copies_it_into_the_programme(cast: Any) -> None:
    programme = f.make_programme()
    services.templates_ensure(actor="test")
    template = Survey.objects.get(is_template=True, kind="cold_manager")
    rule = services.rule_create(
        actor="test",
        programme=programme,
        survey=template,
        trigger="after_completion",
        delay_days=60,
        audience="manager",
    )
    assert rule.survey != template
    assert rule.survey.programme == programme and rule.survey.status == Survey.Status.PUBLISHED
    assert rule.survey.questions.count() == template.questions.count()


def test_rule_consistency_is_checked(cast: Any) -> None:
    programme = f.make_programme()
    hot = f.hot_survey(programme=programme)
    with pytest.raises(ValidationFailed) as exc:
        services.rule_create(actor="test", programme=programme, survey=hot, trigger="after_session", audience="manager")
    assert "audience" in exc.value.errors
    other = f.hot_survey(programme=f.make_programme(title="Autre"))
    with pytest.raises(ValidationFailed) as exc:
        services.rule_create(actor="test", programme=programme, survey=other, trigger="after_session")
    assert "survey" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.rule_create(
            actor="test",
            programme=programme,
            survey=hot,
            trigger="after_session",
            remind_after_days=40,
            close_after_days=30,
        )
    assert "remind_after_days" in exc.value.errors


# --- pages ------------------------------------------------------------------------------------


def test_survey_list_creates_missing_templates(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("surveys:survey_list"))
    assert response.status_code == 200
    assert Survey.objects.filter(is_template=True).count() == 3
    assert "Hot evaluation" in response.content.decode()  # the titles in the page's language (English here)


def test_survey_list_refused_to_others(cast: Any, login: Any) -> None:
    assert login(cast.learner).get(reverse("surveys:survey_list")).status_code == 403
    assert not Survey.objects.exists()


def test_create_survey_and_add_questions_through_the_pages(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    response = client.post(
        reverse("surveys:survey_create"),
        {"kind": "hot", "title_fr": "Atelier", "title_en": "Workshop", "intro_fr": "", "intro_en": ""},
    )
    survey = Survey.objects.get(title_fr="Atelier")
    assert response.status_code == 302 and response["Location"] == reverse("surveys:survey_detail", args=[survey.pk])
    response = client.post(
        reverse("surveys:question_create", args=[survey.pk]),
        {
            "kind": "single",
            "text_fr": "Durée ?",
            "text_en": "Length?",
            "required": "on",
            "choices": "Courte | Short\nLongue | Long",
        },
    )
    assert response.status_code == 302
    question = survey.questions.get()
    assert question.choices == [
        {"value": "c1", "fr": "Courte", "en": "Short"},
        {"value": "c2", "fr": "Longue", "en": "Long"},
    ]
    # bad input comes back with the message next to the field
    response = client.post(
        reverse("surveys:question_create", args=[survey.pk]),
        {"kind": "single", "text_fr": "Seul ?", "text_en": "Alone?", "choices": "Oui | Yes"},
    )
    assert response.status_code == 200
    assert "at least two choices" in response.content.decode()
    response = client.post(reverse("surveys:survey_publish", args=[survey.pk]))
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PUBLISHED


def test_preview_in_both_languages(cast: Any, login: Any) -> None:
    survey = f.make_survey(kinds=("likert", "nps"))
    client = login(cast.dlm)
    fr = client.get(reverse("surveys:survey_preview", args=[survey.pk]) + "?lang=fr").content.decode()
    en = client.get(reverse("surveys:survey_preview", args=[survey.pk]) + "?lang=en").content.decode()
    assert "Question likert" in fr and "Question likert (en)" not in fr and 'lang="fr"' in fr
    assert "Question likert (en)" in en and "Strongly agree" in en and 'lang="en"' in en


def test_question_move_htmx_returns_the_fragment(cast: Any, login: Any) -> None:
    survey = f.make_survey(kinds=("likert", "nps"))
    nps = survey.questions.get(kind="nps")
    response = login(cast.dlm).post(
        reverse("surveys:question_move", args=[nps.pk, "up"]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="survey-questions"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="survey-questions"' in body and "<html" not in body
    assert survey.questions.order_by("position").first() == nps


def test_rule_pages(cast: Any, login: Any) -> None:
    programme = f.make_programme()
    hot = f.hot_survey(programme=programme)
    client = login(cast.dlm)
    assert client.get(reverse("surveys:programme_surveys", args=[programme.pk])).status_code == 200
    response = client.post(
        reverse("surveys:rule_create", args=[programme.pk]),
        {
            "survey": hot.pk,
            "trigger": "after_session",
            "delay_days": "0",
            "audience": "learner",
            "remind_after_days": "3",
            "close_after_days": "21",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = DispatchRule.objects.get(programme=programme)
    assert rule.remind_after_days == 3
    response = client.post(reverse("surveys:rule_delete", args=[rule.pk]))
    assert response.status_code == 302 and not DispatchRule.objects.exists()


def test_survey_list_filters_by_programme_and_links_to_its_rules(cast: Any, login: Any) -> None:
    programme = f.make_programme()
    survey = f.hot_survey(programme=programme)
    body = login(cast.dlm).get(reverse("surveys:survey_list") + f"?programme={programme.pk}").content.decode()
    assert reverse("surveys:survey_detail", args=[survey.pk]) in body
    assert reverse("surveys:programme_surveys", args=[programme.pk]) in body
    assert "3 results" not in body and "1 result" in body


def test_anonymity_is_fixed_once_an_invitation_went_out(cast: Any) -> None:
    programme = f.make_programme()
    survey = f.make_survey(programme=programme, kinds=("likert",))
    services.survey_update(actor="test", survey=survey, anonymous=True)  # no invitation yet: allowed
    services.survey_update(actor="test", survey=survey, anonymous=False)
    f.invite(
        survey=survey, enrolment=f.enrol(cohort=f.make_cohort(programme=programme), employee=cast.employees["learner"])
    )
    with pytest.raises(ValidationFailed) as exc:
        services.survey_update(actor="test", survey=survey, anonymous=True)
    assert "Anonymous" in exc.value.errors["anonymous"][0]
    services.survey_update(actor="test", survey=survey, anonymous=False, title_en="Renamed")  # unchanged: fine
    survey.refresh_from_db()
    assert not survey.anonymous and survey.title_en == "Renamed"


@pytest.mark.parametrize("used_by", ["rule", "invitation"])
def test_programme_is_fixed_once_the_survey_is_used(cast: Any, used_by: str) -> None:
    programme = f.make_programme()
    other = f.make_programme(title="Autre programme")
    survey = f.hot_survey(programme=programme)
    services.survey_update(actor="test", survey=survey, programme=other)  # unused: it may move
    services.survey_update(actor="test", survey=survey, programme=programme)
    if used_by == "rule":
        f.rule(programme=programme, survey=survey)
    else:
        f.invite(
            survey=survey,
            enrolment=f.enrol(cohort=f.make_cohort(programme=programme), employee=cast.employees["learner"]),
        )
    with pytest.raises(ValidationFailed) as exc:
        services.survey_update(actor="test", survey=survey, programme=other)
    assert "Programme" in exc.value.errors["programme"][0] and "Copy" in exc.value.errors["programme"][0]
    services.survey_update(actor="test", survey=survey, programme=programme, title_fr="Même programme")
    survey.refresh_from_db()
    assert survey.programme == programme


def test_survey_page_shows_the_locked_programme_next_to_its_field(cast: Any, login: Any) -> None:
    programme = f.make_programme()
    other = f.make_programme(title="Autre programme")
    survey = f.hot_survey(programme=programme)
    f.rule(programme=programme, survey=survey)
    response = login(cast.dlm).post(
        reverse("surveys:survey_edit", args=[survey.pk]),
        {
            "kind": survey.kind,
            "title_fr": survey.title_fr,
            "title_en": survey.title_en,
            "anonymous": "on" if survey.anonymous else "",
            "programme": other.pk,
        },
    )
    assert response.status_code == 200
    assert "Copy it for the other programme instead." in response.content.decode()
    survey.refresh_from_db()
    assert survey.programme == programme


def test_a_rule_whose_survey_is_archived_can_still_be_edited(cast: Any, login: Any) -> None:
    programme = f.make_programme()
    hot = f.hot_survey(programme=programme)
    rule = f.rule(programme=programme, survey=hot, remind_after_days=3, close_after_days=21)
    services.survey_archive(actor="test", survey=hot)
    client = login(cast.dlm)
    url = reverse("surveys:rule_edit", args=[rule.pk])
    page = client.get(url).content.decode()
    assert f'value="{hot.pk}" selected' in page and "(Archived)" in page
    data = {
        "survey": hot.pk,
        "trigger": "after_session",
        "delay_days": "2",
        "audience": "learner",
        "remind_after_days": "3",
        "close_after_days": "21",
    }
    response = client.post(url, data)  # inactive: saved
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.delay_days == 2 and not rule.active
    response = client.post(url, {**data, "active": "on"})  # active: the service says why not
    assert response.status_code == 200
    assert "This survey is archived" in response.content.decode()
    rule.refresh_from_db()
    assert not rule.active


def test_the_thank_you_page_links_back_to_my_learning(cast: Any, login: Any) -> None:
    programme = f.make_programme()
    survey = f.make_survey(programme=programme, kinds=("likert",))
    invitation = f.invite(
        survey=survey, enrolment=f.enrol(cohort=f.make_cohort(programme=programme), employee=cast.employees["learner"])
    )
    client = login(cast.learner)
    url = reverse("surveys:answer", args=[invitation.token])
    response = client.post(url, {f"q{survey.questions.get().pk}": "4", "lang": "en"})
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert "Thank you: your answers are recorded." in thanks
    assert f'href="{reverse("portal:home")}"' in thanks
