"""The DLM sees the funnel move (issue 5): the programme dashboard counts two learners enrolled,
nobody started; the learner's content sends statements with the enrolment's registration
(through ``statement_store``, the LRS's one write path, whose ``delivery.progress`` projection
updates the enrolment); a reload shows one learner started, then completed and passed, and the
"passed" figure opens the list with that learner. The page also fits a phone.

Elements are found by URL and data attributes, never by their (translated) text.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.delivery import xapi
from pilotage.delivery.models import Cohort, Enrolment
from pilotage.lrs.services import statement_store
from pilotage.programmes.models import LearningPath, PathStep, Programme

pytestmark = pytest.mark.browser


def _statement(enrolment: Enrolment, verb: str, step: PathStep, result: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": xapi.employee_actor(enrolment.employee),
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": step.activity_iri},
        "timestamp": timezone.now().isoformat(),
        "context": {"registration": str(enrolment.registration)},
    }
    if result:
        out["result"] = result
    return out


def _count(page: Any, stage: str) -> str:
    return str(page.locator(f"#funnel [data-count={stage}]").inner_text().strip())


def _reload_until(page: Any, stage: str, expected: str, tries: int = 10) -> None:
    """Reload the dashboard until ``stage`` shows ``expected`` (the projection runs in the
    statements' transaction, so one reload is normally enough)."""
    for _ in range(tries):
        page.reload()
        if _count(page, stage) == expected:
            return
        page.wait_for_timeout(300)
    raise AssertionError(f"{stage}: expected {expected}, the page shows {_count(page, stage)}")


def test_dlm_sees_the_funnel_move(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    programme = Programme.objects.create(code="BRW-DSH", title="Négociation", sponsor=cast.client_a)
    path = LearningPath.objects.create(programme=programme, title="Parcours")
    module = PathStep.objects.create(
        path=path, position=1, kind="elearning", title="Module", activity_iri=f"https://content.example/{uuid.uuid4()}"
    )
    quiz = PathStep.objects.create(
        path=path, position=2, kind="quiz", title="Quiz", activity_iri=f"https://content.example/{uuid.uuid4()}"
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        path=path, code="BRW-DSH-1", title="Printemps", starts_on=today, ends_on=today + dt.timedelta(days=30)
    )
    julie = Enrolment.objects.create(cohort=cohort, employee=cast.employees["learner"])
    Enrolment.objects.create(cohort=cohort, employee=cast.employees["peer"])

    sign_in(cast.dlm)
    url = f"{live_server.url}{reverse('dashboards:programme', args=[programme.pk])}"
    page.goto(url)
    assert _count(page, "enrolled") == "2"
    assert _count(page, "started") == "0"

    # The learner opens the module: started.
    statement_store(statements=[_statement(julie, xapi.VERB_LAUNCHED, module)], client=None, version="1.0.3")
    _reload_until(page, "started", "1")
    assert _count(page, "completed") == "0"

    # Then completes it and passes the quiz: the path is complete, and passed.
    statement_store(
        statements=[
            _statement(julie, xapi.VERB_COMPLETED, module),
            _statement(julie, xapi.VERB_PASSED, quiz, {"success": True, "completion": True, "score": {"scaled": 0.9}}),
        ],
        client=None,
        version="1.0.3",
    )
    _reload_until(page, "completed", "1")
    assert _count(page, "passed") == "1"
    assert _count(page, "enrolled") == "2"
    # The cohort line says the same.
    row = page.locator(f"#by-cohort tr[data-row='{cohort.pk}']")
    assert row.locator("[data-stage=completed]").inner_text().strip() == "1"

    # The figure opens the learners behind it.
    page.locator("#funnel [data-stage=passed] a").click()
    page.wait_for_url(re.compile(r"/learners/\?stage=passed$"))
    table = page.locator("#learners table")
    assert table.locator("tbody tr").count() == 1
    assert "Petit" in table.inner_text()

    # The same dashboard on a phone: no sideways scrolling, the filters reachable.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#db-cohort").select_option(str(cohort.pk))
    page.wait_for_url(re.compile(rf"\?cohort={cohort.pk}\b"))
    assert _count(page, "passed") == "1"


def test_dlm_reads_the_survey_charts_on_a_phone(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    """The survey figures by cohort and org unit as charts (a withheld cohort drawn withheld),
    on a 360 px screen, and the Evaluations card opens the results per question."""
    from pilotage.surveys.tests.test_dashboard import build

    data = build(cast)
    sign_in(cast.dlm)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}{reverse('dashboards:programme', args=[data.programme.pk])}")
    chart = page.locator("#by-cohort svg[data-chart=satisfaction]")
    assert chart.is_visible()
    assert chart.locator(f"[data-bar='{data.cohorts['C1'].pk}']").count() == 1
    assert chart.locator(f"[data-withheld-bar='{data.cohorts['C3'].pk}']").count() == 1
    assert page.locator("#by-org-unit svg[data-chart=nps]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(f"#survey-results-links [data-survey='{data.hot.pk}']").click()
    page.wait_for_url(re.compile(rf"/surveys/{data.hot.pk}/results/"))
