"""Pages and API of the progress part: the cohort board, at risk, the team, an enrolment's
progress, reminder rules (web and API)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pilotage.delivery import xapi
from pilotage.delivery.models import DeliverySettings, Enrolment, ReminderRule
from pilotage.delivery.tests import factories_progress as f


def _cohort_with_learners(cast):
    lp = f.path(steps=2)
    coh = f.cohort(lp)
    today = timezone.localdate()
    julie = f.enrol(coh, cast.employees["learner"])
    hugo = f.enrol(coh, cast.employees["peer"], due_on=today - dt.timedelta(days=2))
    lea = f.enrol(coh, cast.employees["tech"])
    first, second = f.steps_of(lp)
    f.store(
        f.statement(julie.employee, xapi.VERB_COMPLETED, first.activity_iri, registration=julie.registration),
        f.statement(lea.employee, xapi.VERB_COMPLETED, first.activity_iri, registration=lea.registration),
        f.statement(lea.employee, xapi.VERB_COMPLETED, second.activity_iri, registration=lea.registration),
    )
    return coh, julie, hugo, lea


def test_cohort_board_counts_and_filters(cast, login):
    coh, julie, hugo, lea = _cohort_with_learners(cast)
    f.enrol(coh, cast.employees["client_a"])  # not started
    client = login(cast.dlm)
    url = reverse("delivery:cohort_board", args=[coh.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["board"].counts == {"not_started": 1, "in_progress": 1, "completed": 1, "overdue": 1}
    html = page.content.decode()
    assert "Petit Julie" in html and "Roux Hugo" in html
    overdue = client.get(url + "?state=overdue", headers={"HX-Request": "true"})
    assert [line["enrolment"].pk for line in overdue.context["lines"]] == [hugo.pk]
    assert "<html" not in overdue.content.decode()


def test_cohort_board_queries_do_not_grow_with_learners(cast, login):
    coh, *_ = _cohort_with_learners(cast)
    client = login(cast.dlm)
    url = reverse("delivery:cohort_board", args=[coh.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for key in ("client_a", "client_b", "boss"):
        f.enrol(coh, cast.employees[key])
    with CaptureQueriesContext(connection) as big:
        client.get(url)
    assert len(big.captured_queries) == len(small.captured_queries)


def test_at_risk_lists_overdue_and_inactive_by_programme_threshold(cast, login):
    coh, julie, hugo, lea = _cohort_with_learners(cast)
    Enrolment.objects.filter(pk=julie.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=5))
    client = login(cast.ld)
    rows = client.get(reverse("delivery:at_risk")).context["rows"]
    assert {r.enrolment.pk for r in rows} == {hugo.pk}
    DeliverySettings.objects.create(programme=coh.path.programme, at_risk_inactive_days=3)
    rows = client.get(reverse("delivery:at_risk") + f"?cohort={coh.pk}").context["rows"]
    assert {r.enrolment.pk for r in rows} == {hugo.pk, julie.pk}


def test_manager_sees_their_team_only(cast, login):
    coh, julie, hugo, lea = _cohort_with_learners(cast)
    client = login(cast.manager)
    page = client.get(reverse("delivery:team"))
    assert page.status_code == 200
    assert {line["enrolment"].pk for line in page.context["lines"]} == {julie.pk, hugo.pk}
    assert client.get(reverse("delivery:enrolment_progress", args=[julie.pk])).status_code == 200
    assert client.get(reverse("delivery:enrolment_progress", args=[lea.pk])).status_code == 404
    assert login(cast.learner).get(reverse("delivery:team")).status_code == 403


def test_team_page_flags_the_team_at_risk_with_the_reason(cast, login):
    coh, julie, hugo, lea = _cohort_with_learners(cast)
    DeliverySettings.objects.create(programme=coh.path.programme, at_risk_inactive_days=3)
    Enrolment.objects.filter(pk__in=[julie.pk, lea.pk]).update(last_activity_at=timezone.now() - dt.timedelta(days=5))
    page = login(cast.manager).get(reverse("delivery:team"))
    risks = {line["enrolment"].pk: line["risk"] for line in page.context["lines"]}
    assert set(risks) == {julie.pk, hugo.pk}  # Léa (not in the team) is at risk too, but not shown
    assert risks[hugo.pk].overdue and not risks[julie.pk].overdue
    assert risks[julie.pk].inactive_days == 5
    assert page.context["at_risk_count"] == 2
    html = page.content.decode()
    assert "Overdue since" in html and "Inactive for 5 days" in html
    DeliverySettings.objects.filter(programme=coh.path.programme).update(at_risk_inactive_days=10)
    page = login(cast.manager).get(reverse("delivery:team"))
    assert {pk for pk, risk in ((line["enrolment"].pk, line["risk"]) for line in page.context["lines"]) if risk} == {
        hugo.pk
    }


def test_learner_sees_their_own_progress_only(cast, login):
    coh, julie, hugo, lea = _cohort_with_learners(cast)
    client = login(cast.learner)
    page = client.get(reverse("delivery:enrolment_progress", args=[julie.pk]))
    assert page.status_code == 200
    assert page.context["rows"][0].status == "completed"
    assert client.get(reverse("delivery:enrolment_progress", args=[hugo.pk])).status_code == 404
    api = client.get(f"/api/v1/delivery/enrolments/{julie.pk}/progress")
    assert api.status_code == 200
    body = api.json()
    assert (body["progress_percent"], body["state"], [s["status"] for s in body["steps"]]) == (
        50,
        "in_progress",
        ["completed", "not_started"],
    )
    assert client.get(f"/api/v1/delivery/enrolments/{hugo.pk}/progress").status_code == 404


def test_board_api(cast, login):
    coh, julie, hugo, lea = _cohort_with_learners(cast)
    body = login(cast.dlm).get(f"/api/v1/delivery/cohorts/{coh.pk}/board?state=completed").json()
    assert body["counts"]["completed"] == 1
    assert [line["id"] for line in body["learners"]] == [lea.pk]
    assert body["learners"][0]["steps"] == ["completed", "completed"]
    assert login(cast.manager).get(f"/api/v1/delivery/cohorts/{coh.pk}/board").status_code == 403


def test_reminder_rules_web(cast, login):
    prog = f.programme()
    client = login(cast.dlm)
    url = reverse("delivery:reminder_rules", args=[prog.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"kind": "before_session", "days": "1", "repeat_every_days": "3"})
    assert bad.status_code == 200
    assert "sent once" in bad.content.decode()
    assert not ReminderRule.objects.exists()
    bad_htmx = client.post(url, {"kind": "inactivity", "days": "-4"}, headers={"HX-Request": "true"})
    assert bad_htmx.status_code == 200 and "<html" not in bad_htmx.content.decode()
    ok = client.post(
        url, {"kind": "inactivity", "days": "7", "repeat_every_days": "7", "escalate_after": "2", "active": "on"}
    )
    assert ok.status_code == 302
    rule = ReminderRule.objects.get()
    assert (rule.days, rule.repeat_every_days, rule.escalate_after, rule.active) == (7, 7, 2, True)
    edit = client.post(reverse("delivery:reminder_rule_edit", args=[rule.pk]), {"kind": "overdue", "days": "2"})
    assert edit.status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.days, rule.active) == ("overdue", 2, False)
    assert client.get(reverse("delivery:reminder_rule_delete", args=[rule.pk])).status_code == 200
    assert client.post(reverse("delivery:reminder_rule_delete", args=[rule.pk])).status_code == 302
    assert not ReminderRule.objects.exists()
    assert login(cast.facilitator).get(url).status_code == 403


def test_reminder_rules_api(cast, login):
    prog = f.programme()
    client = login(cast.ld)
    url = f"/api/v1/delivery/programmes/{prog.pk}/reminder-rules"
    bad = client.post(url, {"kind": "inactivity", "days": 0, "repeat_every_days": 0}, content_type="application/json")
    assert bad.status_code == 400
    assert "repeat_every_days" in bad.content.decode()
    made = client.post(url, {"kind": "overdue", "days": 1}, content_type="application/json")
    assert made.status_code == 201
    rule_id = made.json()["id"]
    patched = client.patch(
        f"/api/v1/delivery/reminder-rules/{rule_id}",
        {"repeat_every_days": 7, "escalate_after": 3},
        content_type="application/json",
    )
    assert patched.json()["escalate_after"] == 3
    assert [r["id"] for r in client.get(url).json()] == [rule_id]
    assert client.delete(f"/api/v1/delivery/reminder-rules/{rule_id}").status_code == 204
