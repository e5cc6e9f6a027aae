"""API of cohorts, sessions and enrolments: create, capacity refusals, cancel/restore, bulk
preview then confirm, scopes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from pilotage.core.models import Job
from pilotage.delivery import services_enrolments
from pilotage.delivery.models import Cohort, Enrolment
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_path
from pilotage.people.audiences import audience_create

BASE = "/api/v1/delivery"


def test_cohort_and_session_lifecycle(cast: Any, login: Any) -> None:
    path = make_path()
    client = login(cast.dlm)
    today = timezone.localdate()
    bad = client.post(
        f"{BASE}/cohorts",
        {"path_id": path.pk, "title": "X", "starts_on": str(today), "ends_on": str(today - dt.timedelta(days=2))},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "ends_on" in bad.content.decode()
    created = client.post(
        f"{BASE}/cohorts",
        {"path_id": path.pk, "title": "API", "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=9))},
        content_type="application/json",
    )
    assert created.status_code == 201
    cohort_id = created.json()["id"]
    services_enrolments.enrol(
        actor=cast.dlm, cohort=Cohort.objects.get(pk=cohort_id), employee=cast.employees["learner"]
    )
    services_enrolments.enrol(actor=cast.dlm, cohort=Cohort.objects.get(pk=cohort_id), employee=cast.employees["peer"])
    start = timezone.now() + dt.timedelta(days=3)
    session_body = {
        "title": "Classe virtuelle",
        "kind": "virtual",
        "virtual_link": "https://meet.example/abc",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "capacity": 1,
    }
    over = client.post(f"{BASE}/cohorts/{cohort_id}/sessions", session_body, content_type="application/json")
    assert over.status_code == 400 and "capacity" in over.content.decode()
    session_body["capacity"] = 2
    session = client.post(f"{BASE}/cohorts/{cohort_id}/sessions", session_body, content_type="application/json")
    assert session.status_code == 201 and session.json()["status"] == "full"
    sid = session.json()["id"]
    no_reason = client.post(f"{BASE}/sessions/{sid}/cancel", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 400
    cancelled = client.post(f"{BASE}/sessions/{sid}/cancel", {"reason": "Grève"}, content_type="application/json")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["sequence"] == 1
    restored = client.post(f"{BASE}/sessions/{sid}/restore")
    assert restored.json()["status"] == "full" and restored.json()["sequence"] == 2
    ics = client.get(f"{BASE}/sessions/{sid}/ics")
    assert "BEGIN:VEVENT" in ics.content.decode()


def test_bulk_preview_then_confirm_api(cast: Any, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = make_cohort()
    conf = services_enrolments.settings_for(cohort.path.programme)
    conf.audience_only = True
    conf.save()
    audience = audience_create(
        actor=cast.dlm,
        name="A1",
        rules={"op": "and", "rules": [{"field": "org_unit", "operator": "in_subtree", "value": [cast.unit_a1.pk]}]},
    )
    cohort.path.programme.audiences.add(audience)
    other = audience_create(actor=cast.dlm, name="B", included_ids=[cast.employees["tech"].pk])
    client = login(cast.dlm)
    url = f"{BASE}/cohorts/{cohort.pk}/enrolments/bulk"
    preview = client.post(url, {"audience_id": other.pk}, content_type="application/json").json()
    assert preview["to_enrol"] == 0 and "outside the target audiences" in preview["conflicts"][0]["reason"]
    preview = client.post(url, {"audience_id": audience.pk}, content_type="application/json").json()
    assert preview["to_enrol"] == 3 and not Enrolment.objects.exists()
    stale = client.post(
        url, {"audience_id": audience.pk, "confirm": True, "expected": 2}, content_type="application/json"
    )
    assert stale.status_code == 400 and not Enrolment.objects.exists()
    missing = client.post(url, {"audience_id": audience.pk, "confirm": True}, content_type="application/json")
    assert missing.status_code == 400 and "previewed count" in missing.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {"audience_id": audience.pk, "confirm": True, "expected": 3}, content_type="application/json"
        )
    assert done.status_code == 202 and done.json()["to_enrol"] == 3
    job = Job.objects.get(pk=done.json()["job_id"])
    assert done.json()["job_url"] == reverse("job_progress", args=[job.pk])
    assert job.status == "succeeded" and job.done == 3 and job.result["seated"] == 3
    assert Enrolment.objects.filter(cohort=cohort, source="audience").count() == 3


def test_enrol_outside_audience_refused_api(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    conf = services_enrolments.settings_for(cohort.path.programme)
    conf.audience_only = True
    conf.save()
    response = login(cast.dlm).post(
        f"{BASE}/cohorts/{cohort.pk}/enrolments",
        {"employee_id": cast.employees["tech"].pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "Léa Garnier" in response.json()["detail"]


def test_enrolment_scopes_api(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    mine = services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["tech"])
    listed = login(cast.learner).get(f"{BASE}/enrolments").json()
    assert [row["id"] for row in listed["items"]] == [mine.pk]
    team = login(cast.manager).get(f"{BASE}/enrolments").json()
    assert [row["id"] for row in team["items"]] == [mine.pk]
    refused = login(cast.learner).post(
        f"{BASE}/enrolments/{mine.pk}/unenrol", {"reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_cohort_list_queries_do_not_grow_with_cohorts(cast: Any, login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pilotage.delivery.tests.factories_cohorts import make_session

    first = make_cohort(capacity=5)
    make_session(cohort=first, capacity=2)
    services_enrolments.enrol(actor=cast.dlm, cohort=first, employee=cast.employees["learner"])
    client = login(cast.dlm)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/cohorts").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for _ in range(4):
        other = make_cohort(path=first.path)
        make_session(cohort=other, capacity=3)
    assert count() == one
    rows = {c["id"]: c for c in client.get(f"{BASE}/cohorts").json()["items"]}
    assert (rows[first.pk]["seated"], rows[first.pk]["seat_limit"]) == (1, 2)
    assert sorted(c["seat_limit"] for c in rows.values()) == [2, 3, 3, 3, 3]
