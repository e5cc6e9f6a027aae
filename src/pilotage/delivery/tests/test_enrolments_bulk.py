"""Bulk enrolment of an audience as a background job: the confirm step checks the previewed
count (mandatory), a Job enrols the preview's members in chunks (no audience re-check per
member), the page shows the job's progress and result."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import Job
from pilotage.delivery import services_enrolments as svc
from pilotage.delivery.models import Enrolment, EnrolmentEvent
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_session
from pilotage.people.audiences import audience_create
from pilotage.people.models import Employee


def _people(cast: Any, n: int) -> list[Employee]:
    return [
        Employee.objects.create(
            employee_number=f"B{i:04d}",
            first_name=f"Prénom{i}",
            last_name=f"Nom{i}",
            email=f"b{i}@example.com",
            org_unit=cast.unit_a1,
        )
        for i in range(n)
    ]


def _audience(cast: Any, people: list[Employee]) -> Any:
    return audience_create(actor=cast.dlm, name=f"Bulk {len(people)}", included_ids=[p.pk for p in people])


def test_confirm_without_the_previewed_count_is_refused(cast: Any) -> None:
    cohort = make_cohort()
    audience = _audience(cast, _people(cast, 2))
    with pytest.raises(ValidationFailed) as exc:
        svc.enrol_audience_start(actor=cast.dlm, cohort=cohort, audience=audience, expected=None)
    assert "previewed count" in str(exc.value.errors["expected"][0])
    assert not Job.objects.exists() and not Enrolment.objects.exists()


def test_web_confirm_runs_a_job_and_the_page_shows_its_progress(
    cast: Any, login: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(svc, "BULK_CHUNK", 2)
    cohort = make_cohort(capacity=3)
    audience = _audience(cast, _people(cast, 5))
    client = login(cast.dlm)
    url = reverse("delivery:enrol_bulk", args=[cohort.pk])
    refused = client.post(url, {"audience": audience.pk, "confirm": "1"})
    assert refused.status_code == 200 and "previewed count" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"audience": audience.pk, "expected": "5", "confirm": "1"})
    job = Job.objects.get(kind=svc.BULK_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == f"{url}?job={job.pk}"
    assert job.status == "succeeded" and (job.done, job.total) == (5, 5)
    assert job.result == {
        "url": reverse("delivery:cohort_detail", args=[cohort.pk]),
        "seated": 3,
        "waitlisted": 2,
        "skipped": 0,
    }
    assert Enrolment.objects.filter(cohort=cohort, status="active").count() == 3
    assert Enrolment.objects.filter(cohort=cohort, status="waitlisted").count() == 2
    assert EnrolmentEvent.objects.filter(enrolment__cohort=cohort, kind="created").count() == 5
    page = client.get(response["Location"]).content.decode()
    assert "job-progress" in page and "3 enrolled, 2 on the waitlist" in page
    assert 'value="100"' in page
    # another person does not see someone else's job on the page
    other = login(cast.ld).get(response["Location"]).content.decode()
    assert "job-progress" not in other


def test_the_task_reuses_the_preview_and_reports_each_chunk(cast: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(svc, "BULK_CHUNK", 2)
    cohort = make_cohort()
    conf = svc.settings_for(cohort.path.programme)
    conf.audience_only = True
    conf.save()
    people = _people(cast, 5)
    audience = _audience(cast, people)
    cohort.path.programme.audiences.add(audience)
    preview = svc.bulk_preview(cohort=cohort, audience=audience)
    assert len(preview.to_enrol) == 5

    def no_recheck(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the audience is re-checked")

    monkeypatch.setattr(svc, "in_audiences", no_recheck)
    monkeypatch.setattr(svc, "audience_members", no_recheck)
    # someone self-enrols between the preview and the job: skipped, not an error
    Enrolment.objects.create(cohort=cohort, employee=people[0], status="active")
    calls: list[tuple[int, int]] = []
    result = svc.enrol_members(
        actor=cast.dlm,
        cohort=cohort,
        employee_ids=[p.pk for p in preview.to_enrol],
        progress=lambda done, total, message: calls.append((done, total)),
    )
    assert calls == [(2, 5), (4, 5), (5, 5)]
    assert (result["seated"], result["waitlisted"], result["skipped"]) == (4, 0, 1)


def test_a_chunk_costs_the_same_queries_whatever_its_size(cast: Any, monkeypatch: Any) -> None:
    cohort = make_cohort(capacity=100)
    people = _people(cast, 12)

    def run(ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            svc.enrol_members(actor=cast.dlm, cohort=cohort, employee_ids=ids)
        return len(ctx.captured_queries)

    run([people[0].pk])  # first use: creates the programme's delivery settings
    small = run([p.pk for p in people[1:3]])
    large = run([p.pk for p in people[3:]])
    assert large == small


def test_seated_members_get_the_sessions_invitations(
    cast: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = make_cohort()
    make_session(cohort=cohort)
    people = _people(cast, 3)
    with django_capture_on_commit_callbacks(execute=True):
        svc.enrol_members(actor=cast.dlm, cohort=cohort, employee_ids=[p.pk for p in people])
    assert sorted(m.to[0] for m in mailoutbox if m.attachments) == sorted(p.email for p in people)
