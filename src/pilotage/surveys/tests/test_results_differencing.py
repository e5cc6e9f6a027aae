"""Results of anonymous surveys against differencing (decision 0027): a filtered view (cohort,
session, facilitator) whose complement in the user's scope is 1 to 4 responses is withheld —
figures, distributions and comments — and breakdowns withhold rows until the withheld reach 5."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from pilotage.delivery.models import Session
from pilotage.surveys import results
from pilotage.surveys.models import Response, Survey
from pilotage.surveys.services_answers import answer_submit
from pilotage.surveys.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The reasons are read in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def _answer(survey: Survey, enrolment: Any, session: Session, likert: int, comment: str) -> Response:
    invitation = f.invite(survey=survey, enrolment=enrolment, session=session)
    q = {x.kind: x for x in survey.questions.all()}
    answers = {f"q{q['likert'].pk}": likert, f"q{q['text'].pk}": comment}
    return answer_submit(actor="test", invitation=invitation, answers=answers)


@pytest.fixture
def data(cast: Any) -> dict[str, Any]:
    """An anonymous survey: session A has 5 responses, session B one ("Secret B")."""
    programme = f.make_programme(sponsor=cast.client_a)
    cohort = f.make_cohort(programme=programme, facilitators=(cast.facilitator,))
    enrolment = f.enrol(cohort=cohort, employee=cast.employees["learner"])
    session_a = f.make_session(cohort=cohort, days_ago=3)
    session_b = f.make_session(cohort=cohort, days_ago=2)
    survey = f.make_survey(programme=programme, kinds=("likert", "text"), anonymous=True)
    for i in range(5):
        _answer(survey, enrolment, session_a, 4, f"Comment A{i}")
    _answer(survey, enrolment, session_b, 1, "Secret B")
    return {"survey": survey, "a": session_a, "b": session_b}


def test_filtered_view_with_a_small_complement_is_withheld(data: dict[str, Any]) -> None:
    survey = data["survey"]
    everything = Response.objects.filter(survey=survey)
    only_a = everything.filter(session=data["a"])
    figures = results.survey_results(survey=survey, responses=only_a, baseline=everything.count())
    assert figures["count"] == 5 and figures["hidden"] and figures["questions"] == []
    assert "fewer than 5" in figures["reason"] and "subtracting" in figures["reason"]
    whole = results.survey_results(survey=survey, responses=everything, baseline=everything.count())
    assert whole["count"] == 6 and not whole["hidden"]
    comments = next(item for item in whole["questions"] if item["kind"] == "text")["comments"]
    assert "Secret B" in comments and len(comments) == 6


def test_breakdown_withholds_the_next_row_when_the_withheld_are_few(data: dict[str, Any]) -> None:
    survey = data["survey"]
    everything = Response.objects.filter(survey=survey)
    rows = {
        r["key"]: r["headline"] for r in results.results_by(survey=survey, responses=everything, dimension="session")
    }
    assert rows[data["b"].pk].hidden and rows[data["b"].pk].count == 1
    # A (5) would give B away as total − A: withheld too, with its own reason.
    assert rows[data["a"].pk].hidden and rows[data["a"].pk].satisfaction is None
    assert "subtracting" in rows[data["a"].pk].reason


def test_results_page_and_api_withhold_session_a(data: dict[str, Any], cast: Any, login: Any) -> None:
    survey = data["survey"]
    client = login(cast.dlm)
    url = reverse("surveys:survey_results", args=[survey.pk])
    page = client.get(url, {"session": data["a"].pk}).content.decode()
    assert "Comment A0" not in page and "subtracting" in page
    whole = client.get(url).content.decode()
    assert "Comment A0" in whole and "Secret B" in whole
    api = client.get(f"/api/v1/surveys/{survey.pk}/results", {"session": data["a"].pk}).json()
    assert api["hidden"] is True and api["count"] == 5 and api["questions"] == [] and api["headline"] is None
    assert all(row["headline"]["hidden"] for row in api["cuts"])
    api = client.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert api["hidden"] is False and api["count"] == 6
    text = next(q for q in api["questions"] if q["kind"] == "text")
    assert len(text["comments"]) == 6


def test_a_large_complement_shows_the_filtered_view(data: dict[str, Any]) -> None:
    survey = data["survey"]
    enrolment = survey.invitations.first().enrolment
    for i in range(4):
        _answer(survey, enrolment, data["b"], 2, f"More B{i}")
    everything = Response.objects.filter(survey=survey)
    only_a = everything.filter(session=data["a"])
    assert not results.survey_results(survey=survey, responses=only_a, baseline=everything.count())["hidden"]


def test_session_labels_are_in_the_session_time_zone(data: dict[str, Any]) -> None:
    session = data["a"]
    Session.objects.filter(pk=session.pk).update(
        timezone="Asia/Tokyo", starts_at=dt.datetime(2026, 3, 9, 20, 0, tzinfo=dt.UTC)
    )
    labels = results._group_labels("session", {session.pk})
    assert labels[session.pk].endswith("(2026-03-10 05:00)")  # 20:00 UTC is 05:00 the next day in Tokyo
