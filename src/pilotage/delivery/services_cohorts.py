"""Writes of cohorts and sessions, and the capacity rules shared with enrolments.

Capacity (decision 0026, models docstring): every seated enrolment of a cohort (active or
completed) is expected at each of its sessions, so the seats of a cohort are the smallest of
its own capacity and the capacities of its sessions that are not cancelled or held. Past that,
an enrolment waits on the cohort's waitlist, promoted in order (``waitlisted_at``, then id)
when a seat frees up. A session whose seats are all taken is "full"; it goes back to
"scheduled" when a seat frees up. A session is never deleted: cancelled with a reason,
restorable; each move is a SessionChange. Every write locks the cohort row first
(``select_for_update``) so two concurrent enrolments cannot both take the last seat.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.delivery.models import Cohort, Enrolment, EnrolmentEvent, Session, SessionChange
from pilotage.people.models import User

COHORT_FIELDS = [
    "title",
    "starts_on",
    "ends_on",
    "capacity",
    "language",
    "timezone",
    "location",
    "virtual_link",
    "status",
]
SESSION_FIELDS = [
    "title",
    "kind",
    "step",
    "starts_at",
    "ends_at",
    "timezone",
    "room",
    "address",
    "virtual_link",
    "capacity",
]
# Changing one of these moves the session's iCalendar SEQUENCE (attendees' calendars update).
CALENDAR_FIELDS = {"title", "starts_at", "ends_at", "timezone", "room", "address", "virtual_link", "kind"}
CODE_RE = re.compile(r"^COH-(\d{4})-(\d+)$")
CODE_ATTEMPTS = 5
REASON_MAX = 300
OPEN_SESSION_STATUSES = (Session.Status.SCHEDULED, Session.Status.FULL)


# --- reads shared with enrolments -----------------------------------------------------------------


def session_attendees(session: Session) -> QuerySet[Enrolment]:
    """The seated enrolments (active or completed) of the session's cohort: who is expected."""
    return (
        Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=Enrolment.SEATED)
        .select_related("employee")
        .order_by("employee__last_name", "employee__first_name", "id")
    )


def seated_count(cohort: Cohort) -> int:
    return Enrolment.objects.filter(cohort=cohort, status__in=Enrolment.SEATED).count()


def seat_limit(cohort: Cohort) -> int | None:
    """Seats of the cohort: the smallest of its capacity and its open sessions' (None: no limit)."""
    limits = [cohort.capacity] if cohort.capacity is not None else []
    limits += [
        cap
        for cap in Session.objects.filter(cohort=cohort, status__in=OPEN_SESSION_STATUSES).values_list(
            "capacity", flat=True
        )
        if cap is not None
    ]
    return min(limits) if limits else None


def seats_free(cohort: Cohort) -> int | None:
    """Free seats (None: unlimited)."""
    limit = seat_limit(cohort)
    if limit is None:
        return None
    return max(0, limit - seated_count(cohort))


def lock_cohort(cohort: Cohort) -> Cohort:
    """Re-read the cohort under a row lock (serialises capacity decisions)."""
    return Cohort.objects.select_for_update().get(pk=cohort.pk)


def _session_seats(session: Session, cohort: Cohort) -> int | None:
    caps = [c for c in (session.capacity, cohort.capacity) if c is not None]
    return min(caps) if caps else None


def _change(session: Session, to_status: str, *, actor: Any, note: str = "") -> None:
    SessionChange.objects.create(
        session=session,
        from_status=session.status,
        to_status=to_status,
        note=note[:REASON_MAX],
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    session.status = to_status


def refresh_session_statuses(cohort: Cohort, *, actor: Any = None) -> None:
    """Scheduled ↔ full for the cohort's open sessions, from the seated count."""
    seated = seated_count(cohort)
    for session in Session.objects.filter(cohort=cohort, status__in=OPEN_SESSION_STATUSES):
        seats = _session_seats(session, cohort)
        want = Session.Status.FULL if seats is not None and seated >= seats else Session.Status.SCHEDULED
        if want != session.status:
            _change(session, want, actor=actor, note=_("Seats taken: %(n)d") % {"n": seated})
            session.save(update_fields=["status", "updated_at"])


def event(enrolment: Enrolment, kind: str, *, actor: Any, from_status: str = "", note: str = "") -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        kind=kind,
        from_status=from_status,
        to_status=enrolment.status,
        note=note[:REASON_MAX],
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def promote_waitlist(cohort: Cohort, *, actor: Any = None) -> list[Enrolment]:
    """Seat waitlisted enrolments in order while seats are free (caller holds the cohort lock)."""
    promoted: list[Enrolment] = []
    if cohort.status in (Cohort.Status.CLOSED, Cohort.Status.CANCELLED):
        return promoted
    free = seats_free(cohort)
    waiting = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.WAITLISTED).select_related(
        "employee", "cohort"
    )
    for enrolment in waiting.order_by("waitlisted_at", "id"):
        if free is not None and free <= 0:
            break
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status", "updated_at"])
        event(enrolment, "promoted", actor=actor, from_status=Enrolment.Status.WAITLISTED)
        audit_record(
            actor=actor or "system",
            action="promote",
            instance=enrolment,
            changes={"status": [Enrolment.Status.WAITLISTED, Enrolment.Status.ACTIVE]},
        )
        _notify_promoted(enrolment)
        promoted.append(enrolment)
        if free is not None:
            free -= 1
    refresh_session_statuses(cohort, actor=actor)
    for enrolment in promoted:
        seated_changed(enrolment, seated=True)
    return promoted


def _notify_promoted(enrolment: Enrolment) -> None:
    from pilotage.core.mail import notify

    user = User.objects.filter(employee_id=enrolment.employee_id, is_active=True).first()
    recipient: Any = user or enrolment.employee.email
    notify(
        recipient=recipient,
        template="delivery/mail/enrolment_promoted",
        context={"enrolment": enrolment, "cohort": enrolment.cohort, "employee": enrolment.employee},
    )


def seated_changed(enrolment: Enrolment, *, seated: bool) -> None:
    """Send (or cancel) the calendar invitations of the cohort's upcoming sessions to one learner."""
    from pilotage.delivery import ical

    ical.attendee_changed(enrolment, seated=seated)
