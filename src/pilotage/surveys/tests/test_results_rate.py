"""Response rates (invited vs answered), the results list in the API, the results menu entry for
the team, the "Answered" tab of my evaluations, survey titles in the page's language, and the
query count of the results (no COUNT per choice question)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilotage.core import navigation
from pilotage.surveys import queries, results
from pilotage.surveys.models import Response, Survey
from pilotage.surveys.services_answers import answer_submit
from pilotage.surveys.tests import factories as f

pytestmark = pytest.mark.django_db


def _answer(survey: Survey, enrolment: Any) -> Response:
    invitation = f.invite(survey=survey, enrolment=enrolment)
    answers: dict[str, Any] = {}
    for q in survey.questions.all():
        if q.kind in ("single", "multiple"):
            answers[f"q{q.pk}"] = ["a"] if q.kind == "multiple" else "a"
        elif q.kind == "nps":
            answers[f"q{q.pk}"] = 9
        elif q.kind == "likert":
            answers[f"q{q.pk}"] = 4
    return answer_submit(actor="test", invitation=invitation, answers=answers)


@pytest.fixture
def data(cast: Any) -> dict[str, Any]:
    programme = f.make_programme(sponsor=cast.client_a)
    cohort_a = f.make_cohort(programme=programme, facilitators=(cast.facilitator,))
    cohort_b = f.make_cohort(programme=programme)
    survey = f.make_survey(programme=programme, kinds=("likert", "nps"))
    enrol_a = f.enrol(cohort=cohort_a, employee=cast.employees["learner"])
    enrol_b = f.enrol(cohort=cohort_b, employee=cast.employees["peer"])
    enrol_c = f.enrol(cohort=cohort_b, employee=cast.employees["tech"])
    _answer(survey, enrol_a)  # cohort A: 1 invited, 1 answered
    f.invite(survey=survey, enrolment=enrol_b)  # cohort B: 3 invited, 1 answered
    f.invite(survey=survey, enrolment=enrol_c)
    _answer(survey, enrol_b)
    return {"programme": programme, "survey": survey}


def test_invitation_counts_per_survey_in_one_query(cast: Any, data: dict[str, Any]) -> None:
    survey = data["survey"]
    other = f.make_survey(programme=data["programme"], kinds=("nps",))
    with CaptureQueriesContext(connection) as ctx:
        counts = queries.results_invitation_counts(user=cast.dlm, surveys=[survey, other])
    assert len([q for q in ctx.captured_queries if "surveys_invitation" in q["sql"]]) == 1
    assert counts[survey.pk] == {"invited": 4, "answered": 2, "rate": 50}
    assert counts[other.pk] == {"invited": 0, "answered": 0, "rate": None}
    # the facilitator counts only the invitations about their own cohort
    assert queries.results_invitation_counts(user=cast.facilitator, surveys=[survey])[survey.pk]["invited"] == 1


def test_rate_on_results_pages_and_programme_page(cast: Any, login: Any, data: dict[str, Any]) -> None:
    survey = data["survey"]
    client = login(cast.dlm)
    detail = client.get(reverse("surveys:survey_results", args=[survey.pk])).content.decode()
    assert "2 answered of 4 invited (50 %)" in detail
    index = client.get(reverse("surveys:results_index")).content.decode()
    assert "2 / 4 invited (50 %)" in index
    programme_page = client.get(reverse("surveys:programme_surveys", args=[data["programme"].pk])).content.decode()
    assert "2 / 4 invited (50 %)" in programme_page
    api = client.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert api["response_rate"] == {"invited": 4, "answered": 2, "rate": 50}


def test_results_list_api_for_sponsor_and_facilitator(cast: Any, login: Any, data: dict[str, Any]) -> None:
    survey = data["survey"]
    sponsor = login(cast.client_a).get("/api/v1/surveys/results").json()
    assert sponsor["count"] == 1
    item = sponsor["items"][0]
    assert item["id"] == survey.pk and item["responses"] == 2 and item["programme_code"] == data["programme"].code
    assert item["response_rate"] == {"invited": 4, "answered": 2, "rate": 50}
    facilitator = login(cast.facilitator).get("/api/v1/surveys/results").json()
    assert facilitator["items"][0]["responses"] == 1
    assert facilitator["items"][0]["response_rate"] == {"invited": 1, "answered": 1, "rate": 100}
    assert login(cast.client_b).get("/api/v1/surveys/results").json()["count"] == 0
    assert login(cast.learner).get("/api/v1/surveys/results").status_code == 403


@pytest.mark.parametrize("name", ["dlm", "ld", "client_a", "facilitator"])
def test_results_menu_entry_for_everyone_who_reads_results(cast: Any, name: str) -> None:
    request = RequestFactory().get("/")
    request.user = getattr(cast, name) if hasattr(cast, name) else cast.users[name]
    urls = []
    for entry in navigation.entries_for(request):
        urls += [m["url"] for m in entry.get("members", [])] or [entry.get("url")]
    assert reverse("surveys:results_index") in urls


def test_learner_sees_answered_evaluations_in_a_tab(cast: Any, login: Any, data: dict[str, Any]) -> None:
    client = login(cast.learner)
    open_tab = client.get(reverse("surveys:my_invitations")).content.decode()
    assert "?tab=answered" in open_tab and "Nothing to answer right now." in open_tab  # answered: not open
    answered = client.get(reverse("surveys:my_invitations") + "?tab=answered").content.decode()
    assert "Answered on" in answered and answered.count('<li class="card">') == 1


def test_staff_pages_show_the_title_in_the_page_language(cast: Any, login: Any, data: dict[str, Any]) -> None:
    survey = data["survey"]
    survey.title_en = "Hot evaluation"
    survey.save(update_fields=["title_en"])
    rule = f.rule(programme=data["programme"], survey=survey)
    client = login(cast.dlm)
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    pages = [
        reverse("surveys:programme_surveys", args=[data["programme"].pk]),
        reverse("surveys:rule_delete", args=[rule.pk]),
        reverse("surveys:survey_detail", args=[survey.pk]),
        reverse("surveys:survey_edit", args=[survey.pk]),
        reverse("surveys:survey_copy", args=[survey.pk]),
        reverse("surveys:survey_preview", args=[survey.pk]) + "?lang=fr",
        reverse("surveys:question_create", args=[survey.pk]),
    ]
    for url in pages:
        english = client.get(url, **en).content.decode()
        assert "Hot evaluation" in english, url
    detail_fr = client.get(reverse("surveys:survey_detail", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "<h1>Enquête" in detail_fr.content.decode()
    rule_fr = client.get(reverse("surveys:rule_delete", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Hot evaluation" not in rule_fr and "Enquête" in rule_fr


def _queries_for(survey: Survey) -> int:
    responses = Response.objects.filter(survey=survey)
    with CaptureQueriesContext(connection) as ctx:
        results.survey_results(survey=survey, responses=responses, language="en")
    return len(ctx.captured_queries)


def test_results_queries_do_not_grow_with_choice_questions(cast: Any, data: dict[str, Any]) -> None:
    cohort = f.make_cohort(programme=data["programme"])
    one = f.make_survey(programme=data["programme"], kinds=("single",))
    many = f.make_survey(programme=data["programme"], kinds=("single", "multiple", "single", "multiple", "nps"))
    enrolment = f.enrol(cohort=cohort, employee=cast.employees["manager"])
    for survey in (one, many):
        _answer(survey, enrolment)
    assert _queries_for(many) == _queries_for(one)
    figures = results.survey_results(survey=many, responses=Response.objects.filter(survey=many), language="en")
    assert [q["answered"] for q in figures["questions"]] == [1, 1, 1, 1, 1]
