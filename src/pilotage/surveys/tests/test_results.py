"""Results: figures per question, NPS, headline, cuts, the anonymity threshold, scopes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pilotage.surveys import queries, results
from pilotage.surveys.models import Response, Survey
from pilotage.surveys.services_answers import answer_submit
from pilotage.surveys.tests import factories as f

pytestmark = pytest.mark.django_db


def _answer(survey: Survey, enrolment: Any, nps: int, likert: int, choice: str = "a", session: Any = None) -> Response:
    invitation = f.invite(survey=survey, enrolment=enrolment, session=session)
    q = {x.kind: x for x in survey.questions.all()}
    answers: dict[str, Any] = {f"q{q['nps'].pk}": nps, f"q{q['likert'].pk}": likert}
    if "single" in q:
        answers[f"q{q['single'].pk}"] = choice
    return answer_submit(actor="test", invitation=invitation, answers=answers)


@pytest.fixture
def data(cast: Any) -> dict[str, Any]:
    programme = f.make_programme(sponsor=cast.client_a)
    cohort_a = f.make_cohort(programme=programme, facilitators=(cast.facilitator,))
    cohort_b = f.make_cohort(programme=programme)
    enrol_a = f.enrol(cohort=cohort_a, employee=cast.employees["learner"])
    enrol_b = f.enrol(cohort=cohort_b, employee=cast.employees["peer"])
    return {"programme": programme, "cohort_a": cohort_a, "cohort_b": cohort_b, "enrol_a": enrol_a, "enrol_b": enrol_b}


def test_nps_of() -> None:
    assert results.nps_of([10, 9, 8, 7, 0]) == 20  # 2 promoters, 1 detractor, 5 answers
    assert results.nps_of([]) is None


def test_named_survey_figures(cast: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps", "single"))
    for nps, likert, choice in ((10, 5, "a"), (9, 4, "a"), (3, 2, "b")):
        _answer(survey, data["enrol_a"], nps, likert, choice)
    figures = results.survey_results(survey=survey, responses=Response.objects.filter(survey=survey))
    assert figures["count"] == 3 and not figures["hidden"]
    by_kind = {item["kind"]: item for item in figures["questions"]}
    assert by_kind["nps"]["nps"] == 33  # (2 − 1) / 3
    assert by_kind["likert"]["average"] == round(11 / 3, 2)
    single = {d["value"]: d for d in by_kind["single"]["distribution"]}
    assert single["a"]["count"] == 2 and single["a"]["percent"] == 67 and single["c"]["count"] == 0
    assert figures["headline"].satisfaction == round(11 / 3, 1)  # as on the dashboard
    assert figures["headline"].nps == 33


def test_anonymous_survey_hides_fewer_than_five(cast: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"), anonymous=True)
    for _ in range(4):
        _answer(survey, data["enrol_a"], 9, 4)
    responses = Response.objects.filter(survey=survey)
    figures = results.survey_results(survey=survey, responses=responses)
    assert figures["hidden"] and figures["questions"] == []
    assert "fewer than 5" in figures["reason"]
    _answer(survey, data["enrol_b"], 6, 2)
    figures = results.survey_results(survey=survey, responses=Response.objects.filter(survey=survey))
    assert not figures["hidden"] and figures["count"] == 5
    # every cut under five is hidden too, with the reason
    rows = results.results_by(survey=survey, responses=Response.objects.filter(survey=survey), dimension="cohort")
    by_label = {r["label"].split(" ", 1)[0]: r["headline"] for r in rows}
    assert by_label[data["cohort_a"].code].count == 4 and by_label[data["cohort_a"].code].hidden
    assert by_label[data["cohort_b"].code].hidden and by_label[data["cohort_b"].code].nps is None


def test_named_survey_shows_small_groups(cast: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"))
    _answer(survey, data["enrol_a"], 9, 4)
    figures = results.survey_results(survey=survey, responses=Response.objects.filter(survey=survey))
    assert not figures["hidden"] and figures["count"] == 1


def test_cuts_by_facilitator_and_session(cast: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"))
    session = f.make_session(cohort=data["cohort_a"], facilitators=(cast.facilitator,))
    _answer(survey, data["enrol_a"], 10, 5, session=session)
    _answer(survey, data["enrol_b"], 0, 1)
    responses = Response.objects.filter(survey=survey)
    by_fac = results.results_by(survey=survey, responses=responses, dimension="facilitator")
    assert [(r["key"], r["headline"].count, r["headline"].nps) for r in by_fac] == [(cast.facilitator.pk, 1, 100)]
    by_session = results.results_by(survey=survey, responses=responses, dimension="session")
    assert [r["key"] for r in by_session] == [session.pk]
    by_unit = results.results_by(survey=survey, responses=responses, dimension="org_unit")
    assert by_unit[0]["key"] == cast.unit_a1.pk and by_unit[0]["headline"].count == 2


def test_scopes_of_results(cast: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"))
    _answer(survey, data["enrol_a"], 10, 5)
    _answer(survey, data["enrol_b"], 0, 1)
    # the sponsor sees all the programme's responses; the facilitator those of their cohort
    assert queries.results_responses(user=cast.client_a, survey=survey).count() == 2
    assert queries.results_responses(user=cast.facilitator, survey=survey).count() == 1
    assert not queries.results_survey_list(user=cast.client_b).exists()


def test_results_page_and_api(cast: Any, login: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"), anonymous=True)
    for _ in range(3):
        _answer(survey, data["enrol_a"], 9, 4)
    client = login(cast.dlm)
    page = client.get(reverse("surveys:survey_results", args=[survey.pk]))
    assert page.status_code == 200
    assert "fewer than 5" in page.content.decode()
    api = client.get(f"/api/v1/surveys/{survey.pk}/results?by=cohort").json()
    assert api["hidden"] is True and api["count"] == 3 and api["questions"] == []
    assert api["cuts"][0]["headline"]["hidden"] is True
    for _ in range(2):
        _answer(survey, data["enrol_a"], 10, 5)
    api = client.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert api["hidden"] is False and api["headline"]["nps"] == 100
    fragment = client.get(
        reverse("surveys:survey_results", args=[survey.pk]) + "?by=session",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="survey-results",
    )
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


def test_results_index(cast: Any, login: Any, data: dict[str, Any]) -> None:
    survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"))
    _answer(survey, data["enrol_a"], 9, 4)
    page = login(cast.client_a).get(reverse("surveys:results_index"))
    assert page.status_code == 200 and reverse("surveys:survey_results", args=[survey.pk]) in page.content.decode()
    assert login(cast.learner).get(reverse("surveys:results_index")).status_code == 403


def test_results_index_counts_in_a_constant_number_of_queries(
    cast: Any, login: Any, data: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        survey = f.make_survey(programme=data["programme"], kinds=("likert", "nps"))
        _answer(survey, data["enrol_a"], 9, 4)
        _answer(survey, data["enrol_b"], 9, 4)
    client = login(cast.facilitator)
    client.get(reverse("surveys:results_index"))  # warm the session
    with django_assert_max_num_queries(8):
        page = client.get(reverse("surveys:results_index"))
    assert page.status_code == 200
    # the facilitator runs cohort A only: one response per survey
    assert page.content.decode().count('data-label="Responses">1<') == 3
