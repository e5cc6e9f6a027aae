"""Cohort cancellation cascades; ended sessions become held (periodic job and by hand); the
facilitator's links on a cohort page; the session page's readable history."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pilotage.core import schedule
from pilotage.core.errors import ValidationFailed
from pilotage.delivery import services_cohorts as svc
from pilotage.delivery import services_enrolments as enrolments
from pilotage.delivery import sessions_held
from pilotage.delivery.models import CalendarSend, Cohort, Enrolment, Session, SessionChange
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_session


def _cancel(cast: Any, cohort: Cohort, reason: str = "Formateur indisponible") -> Cohort:
    return svc.cohort_update(actor=cast.dlm, cohort=cohort, status=Cohort.Status.CANCELLED, cancel_reason=reason)


# --- 1. cancelling a cohort ---------------------------------------------------------------------------


def test_cancelling_a_cohort_cancels_sessions_and_ends_the_waitlist(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = make_cohort(capacity=1)
    upcoming = make_session(cohort=cohort, days=5)
    held = make_session(cohort=cohort, days=-5)
    svc.session_mark_held(actor=cast.dlm, session=held)
    already = make_session(cohort=cohort, days=8)
    svc.session_cancel(actor=cast.dlm, session=already, reason="Salle fermée")
    seated = enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    waiting = enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["peer"])
    assert waiting.status == Enrolment.Status.WAITLISTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(cast, cohort)
    upcoming.refresh_from_db()
    held.refresh_from_db()
    already.refresh_from_db()
    assert upcoming.status == Session.Status.CANCELLED
    assert upcoming.cancel_reason == "Formateur indisponible"
    assert held.status == Session.Status.HELD  # history is kept
    assert already.cancel_reason == "Salle fermée"  # not cancelled twice
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == Enrolment.Status.ACTIVE  # stays enrolled…
    assert waiting.status == Enrolment.Status.UNENROLLED
    assert waiting.events.filter(kind="unenrolled", note="Formateur indisponible").exists()
    # …and gets the session's cancellation for their calendar.
    assert CalendarSend.objects.filter(session=upcoming, method="CANCEL").exists()
    learner_mail = [m for m in mail.outbox if m.to == [cast.learner.email] and m.attachments]
    assert learner_mail and "METHOD:CANCEL" in str(learner_mail[-1].attachments[0][1])


def test_cancelling_a_cohort_ends_pending_enrolments(cast: Any) -> None:
    cohort = make_cohort()
    pending = Enrolment.objects.create(
        cohort=cohort, employee=cast.employees["learner"], status=Enrolment.Status.PENDING
    )
    _cancel(cast, cohort, "Budget gelé")
    pending.refresh_from_db()
    assert pending.status == Enrolment.Status.UNENROLLED


def test_session_of_a_cancelled_cohort_cannot_be_restored_and_restoring_the_cohort_keeps_it_cancelled(
    cast: Any,
) -> None:
    cohort = make_cohort()
    session = make_session(cohort=cohort)
    _cancel(cast, cohort)
    with pytest.raises(ValidationFailed) as exc:
        svc.session_restore(actor=cast.dlm, session=session)
    assert "restore the cohort first" in exc.value.errors["status"][0]
    svc.cohort_update(actor=cast.dlm, cohort=cohort, status=Cohort.Status.OPEN)
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED  # not restored automatically
    assert svc.session_restore(actor=cast.dlm, session=session).status == Session.Status.SCHEDULED


# --- 2. ended sessions become held -------------------------------------------------------------------


def test_periodic_job_marks_ended_sessions_held_once(cast: Any) -> None:
    cohort = make_cohort()
    ended = make_session(cohort=cohort, days=-1)  # ended 21 h ago
    now = timezone.now()
    recent = Session.objects.create(
        cohort=cohort, title="Juste fini", starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(minutes=30)
    )
    future = make_session(cohort=cohort, days=2)
    cancelled = make_session(cohort=cohort, days=-2)
    svc.session_cancel(actor=cast.dlm, session=cancelled, reason="Grève")
    assert "delivery.sessions_held" in {job.name for job in schedule.jobs()}
    assert sessions_held.run() == {"held": 1}
    assert sessions_held.run() == {"held": 0}  # idempotent
    for s in (ended, recent, future, cancelled):
        s.refresh_from_db()
    assert ended.status == Session.Status.HELD
    assert SessionChange.objects.filter(session=ended, to_status="held", note="ended").count() == 1
    assert (recent.status, future.status, cancelled.status) == ("scheduled", "scheduled", "cancelled")
    assert schedule.run_due(force=True, only={"delivery.sessions_held"}) == {"delivery.sessions_held": "ran"}


def test_mark_as_held_button_and_api(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    past = make_session(cohort=cohort, days=-1)
    future = make_session(cohort=cohort, days=3)
    client = login(cast.dlm)
    page = client.get(reverse("delivery:session_detail", args=[past.pk]))
    assert reverse("delivery:session_hold", args=[past.pk]).encode() in page.content
    assert (
        reverse("delivery:session_hold", args=[future.pk]).encode()
        not in client.get(reverse("delivery:session_detail", args=[future.pk])).content
    )
    assert client.post(reverse("delivery:session_hold", args=[past.pk])).status_code == 302
    past.refresh_from_db()
    assert past.status == Session.Status.HELD
    client.post(reverse("delivery:session_hold", args=[future.pk]))
    future.refresh_from_db()
    assert future.status == Session.Status.SCHEDULED  # not started: refused
    other = make_session(cohort=cohort, days=-2)
    response = client.post(f"/api/v1/delivery/sessions/{other.pk}/hold")
    assert response.status_code == 200 and response.json()["status"] == "held"
    response = client.post(f"/api/v1/delivery/sessions/{future.pk}/hold")
    assert response.status_code == 422 or response.status_code == 400
    assert login(cast.facilitator).post(reverse("delivery:session_hold", args=[past.pk])).status_code in (403, 404)


# --- 3. the facilitator's cohort page ------------------------------------------------------------------


def test_every_link_on_the_facilitators_cohort_page_answers(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    cohort.facilitators.add(cast.facilitator)
    make_session(cohort=cohort)
    enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    client = login(cast.facilitator)
    page = client.get(reverse("delivery:cohort_detail", args=[cohort.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    main = content[content.index("<main") :] if "<main" in content else content
    links = {h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', main)}
    links = {h for h in links if not h.startswith("/static/")}
    assert f"{reverse('delivery:cohort_list')}?programme={cohort.path.programme_id}" in links
    assert reverse("programmes:path_detail", args=[cohort.path.pk]) not in links
    for href in sorted(links):
        assert client.get(href).status_code == 200, href
    listing = client.get(f"{reverse('delivery:cohort_list')}?programme={cohort.path.programme_id}")
    assert cohort.code in listing.content.decode()
    # The team still gets the path link.
    assert (
        reverse("programmes:path_detail", args=[cohort.path.pk]).encode()
        in login(cast.dlm).get(reverse("delivery:cohort_detail", args=[cohort.pk])).content
    )


# --- 5. the session page's history ---------------------------------------------------------------------


def test_session_page_shows_edits_and_status_labels(cast: Any, login: Any) -> None:
    cohort = make_cohort()
    session = svc.session_create(
        actor=cast.dlm,
        cohort=cohort,
        title="Atelier",
        starts_at=timezone.now() + dt.timedelta(days=4),
        ends_at=timezone.now() + dt.timedelta(days=4, hours=2),
        room="Salle A",
    )
    svc.session_update(actor=cast.dlm, session=session, room="Salle Jaurès")
    svc.session_cancel(actor=cast.dlm, session=session, reason="Grève")
    content = login(cast.dlm).get(reverse("delivery:session_detail", args=[session.pk])).content.decode()
    assert "Salle A → Salle Jaurès" in content
    assert "Room" in content or "Salle" in content
    changes = content[content.index('id="changes-title"') :]
    assert "→ Cancelled" in changes or "→ Annulée" in changes or "→ Annulé" in changes
    assert "→ cancelled" not in changes
