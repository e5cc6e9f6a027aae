"""The programme dashboard: exact figures on a hand-built dataset (models written directly).

The dataset (``build``): programme DSH sponsored by client_a, one path, three cohorts.

    cohort  starts      enrolled (org unit)                         started completed passed
    C1      2026-01-10  learner peer a1_1 a1_2 (A)  tech b1 (B)       5       3        2
    C2      2026-03-01  a1_3 a1_4 (A)  b2 b3 b4 (B)                   2       1        1
    C3      2026-05-01  client_a (A)  client_b (B)                    0       0        0

Plus, not counted: a pending, an unenrolled and a transferred enrolment, and another
programme's enrolment and response. Hot evaluation (named): one response per seated learner,
with a likert and a rating /10 satisfaction question and an NPS question. Cold evaluation
(anonymous): six likert application answers in C1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilotage.delivery.models import Cohort, Enrolment
from pilotage.people.models import Employee
from pilotage.programmes.models import LearningPath, PathStep, Programme
from pilotage.surveys import dashboard
from pilotage.surveys.models import Answer, Invitation, Question, Response, Survey

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)

# employee key: (cohort, started, completed, passed, likert, rating /10, nps)
HOT = {
    "learner": ("C1", True, True, True, 5, 8, 10),
    "peer": ("C1", True, True, False, 4, 10, 9),
    "a1_1": ("C1", True, False, None, 4, 6, 7),
    "a1_2": ("C1", False, False, None, 3, 8, 6),
    "tech": ("C1", True, True, True, 5, 10, 9),
    "b1": ("C1", True, False, None, 3, 4, 3),
    "a1_3": ("C2", True, False, None, 4, 10, 10),
    "a1_4": ("C2", False, False, None, 5, 10, 9),
    "b2": ("C2", True, True, True, 2, 6, 5),
    "b3": ("C2", False, False, None, 5, 8, 8),
    "b4": ("C2", False, False, None, 3, 4, 6),
    "client_a": ("C3", False, False, None, 4, 8, 9),
    "client_b": ("C3", False, False, None, 2, 2, 0),
}
# The cold (anonymous) application answers, C1: (org unit employee key, likert)
COLD = [("learner", 5), ("peer", 4), ("a1_1", 3), ("a1_2", 4), ("tech", 2), ("b1", 4)]


@dataclass
class Data:
    programme: Programme
    cohorts: dict[str, Cohort]
    employees: dict[str, Employee]
    enrolments: dict[str, Enrolment]
    hot: Survey
    cold: Survey


def _employee(cast: Any, key: str, unit: Any) -> Employee:
    return Employee.objects.create(
        employee_number=f"D-{key}", first_name=key.upper(), last_name=f"Dash{key}", org_unit=unit
    )


def build(cast: Any) -> Data:
    programme = Programme.objects.create(code="DSH", title="Dashboard programme", sponsor=cast.client_a)
    path = LearningPath.objects.create(programme=programme, title="Path")
    PathStep.objects.create(path=path, kind="elearning", title="Module", activity_iri="https://x.example/dsh/1")
    cohorts = {
        code: Cohort.objects.create(
            path=path, code=f"DSH-{code}", title=f"Cohort {code}", starts_on=start, ends_on=start
        )
        for code, start in (("C1", dt.date(2026, 1, 10)), ("C2", dt.date(2026, 3, 1)), ("C3", dt.date(2026, 5, 1)))
    }
    emps = dict(cast.employees)
    for key in ("a1_1", "a1_2", "a1_3", "a1_4"):
        emps[key] = _employee(cast, key, cast.unit_a1)
    for key in ("b1", "b2", "b3", "b4"):
        emps[key] = _employee(cast, key, cast.unit_b)
    enrolments = {}
    for key, (cohort, started, completed, passed, *_answers) in HOT.items():
        enrolments[key] = Enrolment.objects.create(
            cohort=cohorts[cohort],
            employee=emps[key],
            status="completed" if completed else "active",
            started_at=NOW if started else None,
            completed_at=NOW if completed else None,
            passed=passed,
        )
    # Not counted: pending, unenrolled, transferred (the boss and the manager).
    Enrolment.objects.create(cohort=cohorts["C2"], employee=emps["boss"], status="pending")
    Enrolment.objects.create(cohort=cohorts["C1"], employee=emps["manager"], status="unenrolled", started_at=NOW)
    Enrolment.objects.create(cohort=cohorts["C3"], employee=emps["gone"], status="transferred", started_at=NOW)

    hot = Survey.objects.create(kind="hot", title_fr="À chaud", title_en="Hot", programme=programme)
    q_likert = Question.objects.create(survey=hot, kind="likert", text_fr="q1", text_en="q1", measure="satisfaction")
    q_rating = Question.objects.create(
        survey=hot, kind="rating", scale_max=10, text_fr="q2", text_en="q2", measure="satisfaction"
    )
    q_nps = Question.objects.create(survey=hot, kind="nps", text_fr="q3", text_en="q3")
    q_text = Question.objects.create(survey=hot, kind="text", text_fr="q4", text_en="q4", measure="satisfaction")
    for key, (cohort, _s, _c, _p, likert, rating, nps) in HOT.items():
        employee = emps[key]
        invitation = Invitation.objects.create(
            key=f"hot-{key}", survey=hot, respondent=employee, enrolment=enrolments[key], answered_at=NOW
        )
        response = Response.objects.create(
            survey=hot,
            invitation=invitation,
            programme=programme,
            cohort=cohorts[cohort],
            org_unit=employee.org_unit,
            submitted_at=NOW,
        )
        Answer.objects.create(response=response, question=q_likert, number=likert)
        Answer.objects.create(response=response, question=q_rating, number=rating)
        Answer.objects.create(response=response, question=q_nps, number=nps)
        Answer.objects.create(response=response, question=q_text, text="Très bien")

    cold = Survey.objects.create(
        kind="cold_learner", title_fr="À froid", title_en="Cold", programme=programme, anonymous=True
    )
    q_app = Question.objects.create(survey=cold, kind="likert", text_fr="q", text_en="q", measure="application")
    for key, value in COLD:
        Invitation.objects.create(key=f"cold-{key}", survey=cold, respondent=emps[key], answered_at=NOW)
        response = Response.objects.create(
            survey=cold, programme=programme, cohort=cohorts["C1"], org_unit=emps[key].org_unit, submitted_at=NOW
        )
        Answer.objects.create(response=response, question=q_app, number=value)

    # Another programme: never counted here.
    other = Programme.objects.create(code="OTH", title="Other")
    other_path = LearningPath.objects.create(programme=other, title="Other path")
    other_cohort = Cohort.objects.create(
        path=other_path, code="OTH-1", title="Other", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 2)
    )
    Enrolment.objects.create(cohort=other_cohort, employee=emps["learner"], started_at=NOW)
    other_response = Response.objects.create(survey=hot, programme=other, cohort=other_cohort, org_unit=cast.unit_a1)
    Answer.objects.create(response=other_response, question=q_nps, number=0)
    return Data(programme, cohorts, emps, enrolments, hot, cold)


@pytest.fixture
def data(cast: Any) -> Data:
    return build(cast)


def _board(data: Data, **filters: Any) -> dashboard.Dashboard:
    return dashboard.programme_dashboard(programme=data.programme, filters=dashboard.Filters(**filters))


def _row(rows: list[dashboard.Row], key: int) -> dashboard.Row:
    return next(r for r in rows if r.key == key)


# --- figures ------------------------------------------------------------------------------------


def test_funnel_counts_seated_enrolments_of_the_programme(data: Data) -> None:
    board = _board(data)
    assert board.funnel.as_dict() == {"enrolled": 13, "started": 7, "completed": 4, "passed": 3}
    assert board.funnel.rate("started") == 54  # 7/13
    c1, c2, c3 = (_row(board.by_cohort, data.cohorts[c].pk) for c in ("C1", "C2", "C3"))
    assert c1.funnel.as_dict() == {"enrolled": 6, "started": 5, "completed": 3, "passed": 2}
    assert c2.funnel.as_dict() == {"enrolled": 5, "started": 2, "completed": 1, "passed": 1}
    assert c3.funnel.as_dict() == {"enrolled": 2, "started": 0, "completed": 0, "passed": 0}
    assert [r.key for r in board.by_cohort] == [data.cohorts[c].pk for c in ("C1", "C2", "C3")]


def test_funnel_by_org_unit_rolls_up_to_the_branches(data: Data, cast: Any) -> None:
    board = _board(data)
    # The single root (Groupe) is skipped: its children Commercial (A) and Industrie (B).
    assert board.org_unit_parent == cast.root
    assert {r.label for r in board.by_org_unit} == {"Commercial", "Industrie"}
    a, b = _row(board.by_org_unit, cast.unit_a.pk), _row(board.by_org_unit, cast.unit_b.pk)
    assert a.funnel.as_dict() == {"enrolled": 7, "started": 4, "completed": 2, "passed": 1}
    assert b.funnel.as_dict() == {"enrolled": 6, "started": 3, "completed": 2, "passed": 2}


def test_satisfaction_nps_and_application(data: Data) -> None:
    board = _board(data)
    # 26 scaled answers (likert + rating/10 brought to /5) summing to 96; text answers ignored.
    assert board.survey.satisfaction == 3.7
    assert board.survey.responses("satisfaction") == 13
    # 6 promoters, 5 detractors out of 13; the other programme's 0 is not counted.
    assert board.survey.nps == 8
    # 4 of 6 application answers at 4 or 5.
    assert board.survey.application_rate == 67


def test_survey_figures_by_org_unit(data: Data, cast: Any) -> None:
    board = _board(data)
    a, b = _row(board.by_org_unit, cast.unit_a.pk), _row(board.by_org_unit, cast.unit_b.pk)
    assert (a.survey.satisfaction, a.survey.nps) == (4.2, 57)  # 59/14; (5−1)/7
    assert (b.survey.satisfaction, b.survey.nps) == (3.1, -50)  # 37/12; (1−4)/6
    # Application: 4 and 2 responses, both below the threshold.
    assert a.survey.application_rate is None and a.survey.figure("application")["withheld"]
    assert b.survey.application_rate is None


def test_threshold_withholds_every_cut_and_its_complement(data: Data) -> None:
    board = _board(data)
    c1, c2, c3 = (_row(board.by_cohort, data.cohorts[c].pk) for c in ("C1", "C2", "C3"))
    assert (c1.survey.satisfaction, c1.survey.nps, c1.survey.application_rate) == (3.9, 17, 67)
    # C3 has 2 responses: withheld; C2 (5, the smallest shown) is withheld too, otherwise
    # C3 = total − C1 − C2.
    assert c3.survey.satisfaction is None and c3.survey.figure("satisfaction")["withheld"]
    assert c2.survey.responses("satisfaction") == 5
    assert c2.survey.satisfaction is None and c2.survey.figure("nps")["withheld"]
    # C2 and C3 have no application answer: nothing to withhold, nothing to show.
    assert c2.survey.figure("application") == {
        "measure": "application",
        "value": None,
        "responses": 0,
        "withheld": False,
        "reason": "",
    }
    assert c2.survey.figure("nps")["reason"] == "difference" and c3.survey.figure("nps")["reason"] == "few"


def test_threshold_applies_to_the_filtered_total(data: Data, cast: Any) -> None:
    board = _board(data, cohort=data.cohorts["C2"], org_unit=cast.unit_b)
    assert board.funnel.as_dict() == {"enrolled": 3, "started": 1, "completed": 1, "passed": 1}
    assert board.survey.responses("satisfaction") == 3
    assert board.survey.satisfaction is None and board.survey.nps is None


def _small_programme(cast: Any, sizes: dict[str, int]) -> tuple[Programme, dict[str, Cohort]]:
    """A programme whose cohorts have ``sizes`` named responses each (one likert satisfaction and
    one NPS answer per response), all in the learner's org unit."""
    programme = Programme.objects.create(code="DIF", title="Differencing")
    path = LearningPath.objects.create(programme=programme, title="Path")
    survey = Survey.objects.create(kind="hot", title_fr="À chaud", title_en="Hot", programme=programme)
    q_sat = Question.objects.create(survey=survey, kind="likert", text_fr="q", text_en="q", measure="satisfaction")
    q_nps = Question.objects.create(survey=survey, kind="nps", text_fr="n", text_en="n")
    unit = cast.employees["learner"].org_unit
    cohorts = {}
    for n, (code, size) in enumerate(sizes.items()):
        start = dt.date(2026, 1 + n, 1)
        cohorts[code] = Cohort.objects.create(path=path, code=code, title=code, starts_on=start, ends_on=start)
        for i in range(size):
            response = Response.objects.create(
                survey=survey, programme=programme, cohort=cohorts[code], org_unit=unit, submitted_at=NOW
            )
            Answer.objects.create(response=response, question=q_sat, number=1 + (i % 5))
            Answer.objects.create(response=response, question=q_nps, number=i % 11)
    return programme, cohorts


def test_filtered_view_withholds_a_figure_whose_complement_is_small(cast: Any) -> None:
    # C2 = 5 responses, C3 = 2: ?cohort=C2 would give C3 away as programme total − C2.
    programme, cohorts = _small_programme(cast, {"C2": 5, "C3": 2})
    whole = dashboard.programme_dashboard(programme=programme, filters=dashboard.Filters())
    assert whole.survey.responses("satisfaction") == 7 and whole.survey.satisfaction is not None
    c2 = dashboard.programme_dashboard(programme=programme, filters=dashboard.Filters(cohort=cohorts["C2"]))
    assert c2.survey.responses("satisfaction") == 5
    assert c2.survey.satisfaction is None and c2.survey.nps is None
    assert c2.survey.figure("satisfaction")["withheld"] and c2.survey.figure("satisfaction")["reason"] == "difference"
    assert all(r.survey.value(m) is None for r in c2.by_cohort + c2.by_org_unit for m in dashboard.MEASURES)
    # The unfiltered breakdown withholds C3 (2) and so C2 too (the withheld rows would add up to 2).
    assert all(r.survey.satisfaction is None for r in whole.by_cohort)
    # A period that covers the whole programme differs by nothing: shown.
    everything = dashboard.programme_dashboard(
        programme=programme, filters=dashboard.Filters(since=dt.date(2025, 1, 1))
    )
    assert everything.survey.satisfaction == whole.survey.satisfaction


def test_filtered_view_with_a_large_complement_is_shown(cast: Any) -> None:
    programme, cohorts = _small_programme(cast, {"C1": 6, "C2": 5, "C3": 5})
    board = dashboard.programme_dashboard(programme=programme, filters=dashboard.Filters(cohort=cohorts["C2"]))
    assert board.survey.responses("satisfaction") == 5 and board.survey.satisfaction is not None


def test_breakdown_withholds_rows_until_the_withheld_add_up_to_the_threshold(cast: Any) -> None:
    # Two small rows (2 + 2 = 4 withheld): the next smallest (5) is withheld too, not the 6 nor 7.
    programme, cohorts = _small_programme(cast, {"C1": 7, "C2": 6, "C3": 5, "C4": 2, "C5": 2})
    board = dashboard.programme_dashboard(programme=programme, filters=dashboard.Filters())
    shown = {r.label.split()[0]: r.survey.satisfaction is not None for r in board.by_cohort}
    assert shown == {"C1": True, "C2": True, "C3": False, "C4": False, "C5": False}
    # Through the API too.
    assert board.as_dict()["by_cohort"][2]["survey"]["satisfaction"]["reason"] == "difference"


def test_dashboard_page_says_why_a_filtered_figure_is_withheld(cast: Any, login: Any) -> None:
    programme, cohorts = _small_programme(cast, {"C2": 5, "C3": 2})
    url = reverse("dashboards:programme", kwargs={"pk": programme.pk})
    page = login(cast.dlm).get(url, {"cohort": cohorts["C2"].pk}).content.decode()
    assert "reveal a smaller group by difference" in page
    assert 'data-figure="satisfaction"' not in page


def test_period_selects_cohorts_starting_in_it(data: Data) -> None:
    board = _board(data, since=dt.date(2026, 2, 1))
    assert board.funnel.as_dict() == {"enrolled": 7, "started": 2, "completed": 1, "passed": 1}
    assert [r.key for r in board.by_cohort] == [data.cohorts["C2"].pk, data.cohorts["C3"].pk]
    assert _board(data, until=dt.date(2026, 1, 31)).funnel.enrolled == 6


def test_org_unit_filter_drills_down(data: Data, cast: Any) -> None:
    board = _board(data, org_unit=cast.unit_a)
    assert board.org_unit_parent == cast.unit_a
    assert [(r.label, r.funnel.enrolled) for r in board.by_org_unit] == [
        ("Ventes Nord", 6),
        ("Directly in Commercial", 1),  # client_a's employee is in Commercial itself
    ]


def test_stage_learners_and_respondents(data: Data) -> None:
    started = dashboard.stage_learners(data.programme, dashboard.Filters(cohort=data.cohorts["C1"]), "started")
    assert {e.employee.last_name for e in started} == {"Petit", "Roux", "Dasha1_1", "Garnier", "Dashb1"}
    named, anonymous, total = dashboard.respondents(data.programme, dashboard.Filters(), "nps")
    assert (named.count(), anonymous, total) == (13, 0, 13)
    named, anonymous, total = dashboard.respondents(data.programme, dashboard.Filters(), "application")
    assert (named.count(), anonymous, total) == (0, 6, 6)
    named, anonymous, total = dashboard.respondents(
        data.programme, dashboard.Filters(cohort=data.cohorts["C3"]), "satisfaction"
    )
    assert (named.count(), total) == (0, 2)


def test_read_filters_ignores_foreign_and_malformed_values(data: Data, cast: Any) -> None:
    foreign = Cohort.objects.get(code="OTH-1")
    filters, ignored = dashboard.read_filters(
        {"cohort": str(foreign.pk), "org_unit": str(cast.unit_b.pk), "since": "2026-13-01", "until": "2026-04-30"},
        programme=data.programme,
    )
    assert filters.cohort is None and filters.org_unit == cast.unit_b
    assert (filters.since, filters.until) == (None, dt.date(2026, 4, 30))
    assert ignored == ["cohort"]


# --- pages ----------------------------------------------------------------------------------------


def test_dashboard_page_shows_the_figures_with_links(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme", args=[data.programme.pk])
    response = login(cast.dlm).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    learners = reverse("dashboards:programme_learners", args=[data.programme.pk])
    assert f'href="{learners}?stage=started"' in html
    assert 'data-count="started">7<' in html
    assert f'href="{learners}?measure=nps"' in html
    assert "3.7/5" in html and "67 %" in html
    assert f'href="{learners}?cohort={data.cohorts["C1"].pk}&amp;stage=passed"' in html
    assert 'data-withheld="satisfaction"' in html  # C2, C3
    assert "<svg" in html and "style=" not in html and "<script>" not in html


def test_dashboard_htmx_returns_the_body(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme", args=[data.programme.pk])
    response = login(cast.dlm).get(url, {"cohort": data.cohorts["C2"].pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="funnel"' in html
    assert 'data-count="enrolled">5<' in html


def test_query_count_does_not_grow_with_learners(data: Data, login: Any, cast: Any) -> None:
    client = login(cast.dlm)
    url = reverse("dashboards:programme", args=[data.programme.pk])
    client.get(url)  # warm the session and the role cache
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    cohort = data.cohorts["C3"]
    for i in range(15):
        employee = Employee.objects.create(
            employee_number=f"X{i}", first_name="X", last_name=f"X{i}", org_unit=cast.unit_b
        )
        enrolment = Enrolment.objects.create(cohort=cohort, employee=employee, started_at=NOW)
        response = Response.objects.create(
            survey=data.hot, programme=data.programme, cohort=cohort, org_unit=cast.unit_b
        )
        Answer.objects.create(response=response, question=data.hot.questions.get(kind="nps"), number=9)
        assert enrolment.pk
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)
    assert len(after) <= 16, [q["sql"] for q in after.captured_queries]


def test_learners_page_lists_a_stage(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme_learners", args=[data.programme.pk])
    html = login(cast.client_a).get(url, {"stage": "passed"}).content.decode()
    assert "Petit" in html and "Garnier" in html and "DASHB2" in html.upper()
    assert "Roux" not in html  # completed, not passed


def test_learners_page_of_a_withheld_cut_lists_nobody(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme_learners", args=[data.programme.pk])
    response = login(cast.dlm).get(url, {"measure": "satisfaction", "cohort": data.cohorts["C3"].pk})
    html = response.content.decode()
    assert "data-withheld" in html and "Lefèvre" not in html and "Durand" not in html


def test_learners_page_of_an_anonymous_figure_names_nobody(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme_learners", args=[data.programme.pk])
    html = login(cast.dlm).get(url, {"measure": "application"}).content.decode()
    assert 'data-anonymous="6"' in html and "Petit" not in html


def test_learners_page_needs_a_stage_or_measure(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme_learners", args=[data.programme.pk])
    assert login(cast.dlm).get(url, {"stage": "bogus"}).status_code == 404


def test_index_lists_the_programmes_in_scope(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:index")
    html = login(cast.client_a).get(url).content.decode()
    assert "DSH" in html and "OTH" not in html
    assert login(cast.client_b).get(url).status_code == 200
    assert "DSH" not in login(cast.client_b).get(url).content.decode()
    assert login(cast.learner).get(url).status_code == 403


def test_client_b_gets_404_on_client_a_programme(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme", args=[data.programme.pk])
    assert login(cast.client_b).get(url).status_code == 404
    assert login(cast.client_a).get(url).status_code == 200


def test_programme_detail_links_to_the_dashboard(data: Data, login: Any, cast: Any) -> None:
    html = login(cast.dlm).get(reverse("programmes:programme_detail", args=[data.programme.pk])).content.decode()
    assert reverse("dashboards:programme", args=[data.programme.pk]) in html


def test_french_page(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme", args=[data.programme.pk])
    response = login(cast.dlm).get(url, headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert "3,7/5" in response.content.decode()


# --- API --------------------------------------------------------------------------------------------


def test_api_gives_the_same_figures(data: Data, login: Any, cast: Any) -> None:
    url = reverse("api:dashboard_programme", kwargs={"programme_id": data.programme.pk})
    body = login(cast.ld).get(url).json()
    assert body["funnel"] == {"enrolled": 13, "started": 7, "completed": 4, "passed": 3}
    assert body["survey"]["satisfaction"]["value"] == 3.7
    assert body["survey"]["nps"] == {"measure": "nps", "value": 8, "responses": 13, "withheld": False, "reason": ""}
    c3 = next(r for r in body["by_cohort"] if r["id"] == data.cohorts["C3"].pk)
    assert c3["survey"]["satisfaction"] == {
        "measure": "satisfaction",
        "value": None,
        "responses": 2,
        "withheld": True,
        "reason": "few",
    }
    filtered = login(cast.ld).get(url, {"since": "2026-02-01"}).json()
    assert filtered["funnel"]["enrolled"] == 7 and filtered["filters"]["since"] == "2026-02-01"


def test_api_learners_and_bad_input(data: Data, login: Any, cast: Any) -> None:
    url = reverse("api:dashboard_programme_learners", kwargs={"programme_id": data.programme.pk})
    client = login(cast.dlm)
    body = client.get(url, {"stage": "completed", "cohort": data.cohorts["C1"].pk}).json()
    assert body["count"] == 3 and {i["name"] for i in body["items"]} == {
        "JULIE Petit".title(),
        "Hugo Roux",
        "Léa Garnier",
    }
    assert client.get(url, {"measure": "application"}).json()["count"] == 0
    bad = client.get(url, {"stage": "finished"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "stage"
    assert client.get(url, {"since": "yesterday"}).status_code == 422


def test_api_error_messages_are_translated(data: Data, login: Any, cast: Any) -> None:
    from unittest import mock

    url = reverse("api:dashboard_programme_learners", kwargs={"programme_id": data.programme.pk})
    client = login(cast.dlm)
    # The messages go through gettext with named placeholders (the catalogue fills them in).
    with mock.patch("pilotage.surveys.api_dashboard._", side_effect=lambda text: "T:" + text):
        stage = client.get(url, {"stage": "finished"}).json()["errors"][0]["message"]
        measure = client.get(url, {"measure": "joy"}).json()["errors"][0]["message"]
    assert stage.startswith("T:Give a stage (enrolled, started, completed, passed)") and "satisfaction" in stage
    assert measure.startswith("T:Unknown measure “joy”") and "satisfaction, nps, application" in measure


def test_api_scope(data: Data, login: Any, cast: Any) -> None:
    url = reverse("api:dashboard_programme", kwargs={"programme_id": data.programme.pk})
    assert login(cast.client_b).get(url).status_code == 404
    assert login(cast.manager).get(url).status_code == 403
    index = login(cast.client_a).get(reverse("api:dashboard_programme_list")).json()
    assert [p["code"] for p in index["items"]] == ["DSH"] and index["items"][0]["enrolled"] == 13


# --- survey charts, results links, ignored filters, index links ----------------------------------


def test_survey_figures_have_charts_by_cohort_and_org_unit(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme", args=[data.programme.pk])
    html = login(cast.dlm).get(url).content.decode()
    for chart_id in ("cohort-chart", "unit-chart"):
        for measure in ("satisfaction", "nps"):
            assert f'id="{chart_id}-{measure}-title"' in html
    # C1 (6 responses) has a bar; C3 (2 responses) is drawn withheld, with its reason in text.
    c1, c3 = data.cohorts["C1"].pk, data.cohorts["C3"].pk
    assert f'data-bar="{c1}"' in html
    assert f'data-withheld-bar="{c3}"' in html and "withheld (fewer than 5 responses)" in html
    assert "style=" not in html and "<script>" not in html


def test_survey_chart_geometry() -> None:
    def row(key: int, **figures: Any) -> dashboard.Row:
        return dashboard.Row(key=key, label=f"R{key}", survey=dashboard.SurveyFigures(**figures))

    from pilotage.surveys.views_dashboard import BAR_W, NPS_ZERO_X, _measure_chart

    rows = [
        row(1, sat_responses=6, sat_answers=6, sat_sum=24.0, nps_responses=6, nps_answers=6, detractors=3),
        row(2, sat_responses=2, sat_answers=2, sat_sum=10.0),
    ]
    sat = _measure_chart(rows, "satisfaction", "c")
    assert sat is not None
    assert sat["bars"][0]["width"] == round(BAR_W * 4.0 / 5) and not sat["bars"][0]["withheld"]
    assert sat["bars"][1]["withheld"] and sat["bars"][1]["reason"] == "few" and sat["bars"][1]["width"] == 0
    nps = _measure_chart(rows, "nps", "c")
    assert nps is not None and nps["bars"][0]["value"] == -50
    assert nps["bars"][0]["x"] + nps["bars"][0]["width"] == NPS_ZERO_X  # drawn leftwards from 0
    assert _measure_chart(rows, "application", "c") is None  # no response at all: no chart


def test_evaluations_card_links_to_the_results_per_question(data: Data, login: Any, cast: Any) -> None:
    url = reverse("dashboards:programme", args=[data.programme.pk])
    html = login(cast.client_a).get(url).content.decode()
    hot = reverse("surveys:survey_results", args=[data.hot.pk])
    cold = reverse("surveys:survey_results", args=[data.cold.pk])
    assert f'href="{hot}"' in html and f'href="{cold}"' in html
    c1 = data.cohorts["C1"].pk
    filtered = login(cast.dlm).get(url, {"cohort": c1}).content.decode()
    assert f'href="{hot}?cohort={c1}"' in filtered
    # The links open (the same scope as the dashboard).
    assert login(cast.client_a).get(hot).status_code == 200


def test_a_foreign_cohort_or_unknown_org_unit_is_said_to_be_ignored(data: Data, login: Any, cast: Any) -> None:
    foreign = Cohort.objects.get(code="OTH-1")
    url = reverse("dashboards:programme", args=[data.programme.pk])
    client = login(cast.dlm)
    html = client.get(url, {"cohort": foreign.pk, "org_unit": 999999}).content.decode()
    assert 'data-ignored="cohort"' in html and 'data-ignored="org_unit"' in html
    assert "filter was ignored" in html
    assert 'data-count="enrolled">13<' in html  # the whole programme, as said
    ok = client.get(url, {"cohort": data.cohorts["C1"].pk}).content.decode()
    assert "data-ignored" not in ok
    learners = reverse("dashboards:programme_learners", args=[data.programme.pk])
    assert 'data-ignored="cohort"' in client.get(learners, {"cohort": foreign.pk}).content.decode()


def test_api_refuses_a_foreign_cohort_or_unknown_org_unit(data: Data, login: Any, cast: Any) -> None:
    foreign = Cohort.objects.get(code="OTH-1")
    client = login(cast.dlm)
    url = reverse("api:dashboard_programme", kwargs={"programme_id": data.programme.pk})
    bad = client.get(url, {"cohort": foreign.pk})
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["cohort"]
    bad = client.get(url, {"org_unit": 999999})
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["org_unit"]
    learners = reverse("api:dashboard_programme_learners", kwargs={"programme_id": data.programme.pk})
    assert client.get(learners, {"cohort": foreign.pk}).status_code == 400
    assert client.get(url, {"cohort": data.cohorts["C1"].pk, "org_unit": cast.unit_a.pk}).status_code == 200


def test_index_counts_link_to_their_learners(data: Data, login: Any, cast: Any) -> None:
    html = login(cast.dlm).get(reverse("dashboards:index")).content.decode()
    learners = reverse("dashboards:programme_learners", args=[data.programme.pk])
    assert f'href="{learners}?stage=enrolled"' in html
    assert f'href="{learners}?stage=completed"' in html
