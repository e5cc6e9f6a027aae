"""Cohort, session and enrolment pages: forms, bulk preview then confirm, scopes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from pilotage.delivery import services_enrolments
from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_path, make_session
from pilotage.people.audiences import audience_create


def test_cohort_create_form_and_detail(cast: Any, login: Any) -> None:
    path = make_path()
    client = login(cast.dlm)
    response = client.get(reverse("delivery:cohort_create") + f"?path={path.pk}")
    assert response.status_code == 200
    start = timezone.localdate()
    response = client.post(
        reverse("delivery:cohort_create"),
        {
            "path": path.pk,
            "title": "Promo A",
            "starts_on": start.isoformat(),
            "ends_on": (start - dt.timedelta(days=1)).isoformat(),
            "language": "fr",
            "timezone": "Europe/Paris",
            "status": "open",
        },
    )
    assert response.status_code == 200
    assert "before it starts" in response.content.decode()
    response = client.post(
        reverse("delivery:cohort_create"),
        {
            "path": path.pk,
            "title": "Promo A",
            "starts_on": start.isoformat(),
            "ends_on": (start + dt.timedelta(days=5)).isoformat(),
            "language": "fr",
            "timezone": "Europe/Paris",
            "status": "open",
            "capacity": "10",
            "facilitators": [cast.facilitator.pk],
        },
    )
    cohort = Cohort.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("delivery:cohort_detail", args=[cohort.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Promo A" in page and cohort.code in page


def test_session_form_refuses_end_before_start(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    client = login(cast.dlm)
    url = reverse("delivery:session_create", args=[cohort.pk])
    data = {
        "title": "Atelier",
        "kind": "in_person",
        "starts_at": "2030-03-02T09:00",
        "ends_at": "2030-03-02T08:00",
        "timezone": "Europe/Paris",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and not Session.objects.exists()
    data["ends_at"] = "2030-03-02T12:00"
    response = client.post(url, data)
    session = Session.objects.get()
    assert response.status_code == 302
    # 09:00 typed in Paris (winter, UTC+1) is 08:00 UTC.
    assert session.starts_at == dt.datetime(2030, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_session_cancel_page_needs_a_reason_then_restore(cast: Any, login: Any) -> None:
    session = make_session(cohort=make_cohort())
    client = login(cast.dlm)
    url = reverse("delivery:session_cancel", args=[session.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Give the reason" in response.content.decode()
    response = client.post(url, {"reason": "Salle indisponible"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"
    client.post(reverse("delivery:session_restore", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == "scheduled"
    page = client.get(reverse("delivery:session_detail", args=[session.pk])).content.decode()
    assert "Salle indisponible" in page


def test_session_ics_download(cast: Any, login: Any) -> None:
    session = make_session(cohort=make_cohort())
    response = login(cast.dlm).get(reverse("delivery:session_ics", args=[session.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:{session.uid}" in response.content.decode()


def test_enrol_one_by_number_and_unknown(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    client = login(cast.dlm)
    url = reverse("delivery:enrol_one", args=[cohort.pk])
    response = client.post(url, {"employee": "NOPE"})
    assert "No employee" in response.content.decode()
    response = client.post(url, {"employee": "E003"})
    assert response.status_code == 302
    assert Enrolment.objects.get().employee == cast.employees["learner"]


def test_bulk_preview_then_confirm(cast: Any, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = make_cohort(capacity=1)
    audience = audience_create(
        actor=cast.dlm,
        name="Ventes Nord",
        rules={"op": "and", "rules": [{"field": "org_unit", "operator": "in_subtree", "value": [cast.unit_a1.pk]}]},
    )
    services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["manager"])
    client = login(cast.dlm)
    url = reverse("delivery:enrol_bulk", args=[cohort.pk])
    page = client.post(url, {"audience": audience.pk}).content.decode()
    assert "3 members: 2 will be enrolled (0 seated, 2 on the waitlist)" in page
    assert "Karim Benali" in page and "already enrolled" in page
    assert Enrolment.objects.count() == 1  # nothing done before confirming
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"audience": audience.pk, "expected": "2", "confirm": "1"})
    assert response.status_code == 302
    assert Enrolment.objects.filter(status="waitlisted", source="audience").count() == 2


def test_unenrol_and_transfer_pages(cast: Any, login: Any) -> None:
    a = make_cohort()
    b = make_cohort(path=a.path)
    e = services_enrolments.enrol(actor=cast.dlm, cohort=a, employee=cast.employees["learner"])
    client = login(cast.dlm)
    response = client.post(reverse("delivery:enrolment_transfer", args=[e.pk]), {"to_cohort": b.pk, "reason": ""})
    assert response.status_code == 200 and "Give a reason" in response.content.decode()
    response = client.post(reverse("delivery:enrolment_transfer", args=[e.pk]), {"to_cohort": b.pk, "reason": "Dates"})
    new = Enrolment.objects.get(cohort=b)
    assert response.status_code == 302
    response = client.post(reverse("delivery:enrolment_unenrol", args=[new.pk]), {"reason": "Départ"})
    new.refresh_from_db()
    assert new.status == "unenrolled"
    page = client.get(reverse("delivery:enrolment_detail", args=[new.pk])).content.decode()
    assert "Départ" in page


def test_learner_sees_own_enrolment_not_others(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    own = services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    other = services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["tech"])
    client = login(cast.learner)
    assert client.get(reverse("delivery:enrolment_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("delivery:enrolment_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("delivery:enrolment_unenrol", args=[own.pk])).status_code == 403
    assert client.get(reverse("delivery:cohort_detail", args=[cohort.pk])).status_code == 403


def test_settings_page(cast: Any, login: Any) -> None:
    path = make_path()
    client = login(cast.dlm)
    url = reverse("delivery:programme_settings", args=[path.programme.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"audience_only": "on", "at_risk_inactive_days": "10", "default_due_days": "30"})
    assert response.status_code == 302
    conf = services_enrolments.settings_for(path.programme)
    assert conf.audience_only and conf.default_due_days == 30 and conf.at_risk_inactive_days == 10
    assert login(cast.client_a).get(url).status_code in (403, 404)


def test_manager_approval_set_in_delivery_settings_is_the_programme_flag_too(cast: Any, login: Any) -> None:
    from pilotage.core.models import AuditEvent

    path = make_path()
    programme = path.programme
    assert not programme.requires_manager_approval
    client = login(cast.dlm)
    url = reverse("delivery:programme_settings", args=[programme.pk])
    client.post(url, {"manager_approval": "on", "at_risk_inactive_days": "14"})
    programme.refresh_from_db()
    assert programme.requires_manager_approval and services_enrolments.settings_for(programme).manager_approval
    assert AuditEvent.objects.filter(
        action="update",
        object_type="programmes.programme",
        object_id=str(programme.pk),
        changes__has_key="requires_manager_approval",
    ).exists()
    client.post(url, {"at_risk_inactive_days": "14"})  # unticked
    programme.refresh_from_db()
    assert not programme.requires_manager_approval
    assert not services_enrolments.settings_for(programme).manager_approval


def test_reminder_rules_are_linked_from_programme_cohorts_and_settings(cast: Any, login: Any) -> None:
    path = make_path()
    rules = reverse("delivery:reminder_rules", args=[path.programme.pk])
    client = login(cast.dlm)
    for page in (
        reverse("programmes:programme_detail", args=[path.programme.pk]),
        reverse("delivery:cohort_list") + f"?programme={path.programme.pk}",
        reverse("delivery:programme_settings", args=[path.programme.pk]),
    ):
        assert f'href="{rules}"' in client.get(page).content.decode(), page
    sponsor = login(cast.client_a)
    path.programme.sponsor = cast.client_a
    path.programme.save()
    page = sponsor.get(reverse("programmes:programme_detail", args=[path.programme.pk]))
    assert page.status_code == 200 and rules not in page.content.decode()


def test_enrolment_page_shows_the_place_on_the_waitlist(cast: Any, login: Any) -> None:
    cohort = make_cohort(capacity=1)
    seated, first, second, third = (
        services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees[key])
        for key in ("learner", "peer", "tech", "client_a")
    )
    assert second.status == Enrolment.Status.WAITLISTED
    client = login(cast.dlm)
    page = client.get(reverse("delivery:enrolment_detail", args=[second.pk]))
    assert (page.context["waitlist"].position, page.context["waitlist"].length) == (2, 3)
    assert "No. 2 of 3 on the waitlist" in page.content.decode()
    assert client.get(reverse("delivery:enrolment_detail", args=[seated.pk])).context["waitlist"] is None
    services_enrolments.unenrol(actor=cast.dlm, enrolment=seated, reason="Départ")  # the first moves up
    page = client.get(reverse("delivery:enrolment_detail", args=[third.pk]))
    assert "No. 2 of 2 on the waitlist" in page.content.decode()
