"""iCalendar (RFC 5545/5546) invitations for sessions.

``session_ics(session, method="REQUEST"|"CANCEL")`` builds the calendar: UID = the session's
uid (stable across updates), SEQUENCE = ``session.sequence`` (incremented by every change a
calendar must apply), times in the session's time zone with its VTIMEZONE. A client that has
the event replaces it on a REQUEST with a higher SEQUENCE and removes it on a CANCEL.

E-mails: ``send_session_invitations`` sends the invitation (or cancellation) to the seated
learners and the facilitators of a session, once per attendee and sequence (CalendarSend);
``attendee_changed`` invites (or un-invites) one learner to the cohort's upcoming sessions when
they take or leave a seat; ``facilitators_changed`` does the same for the facilitators added to
(REQUEST) or removed from (CANCEL) a session.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from pilotage.delivery.models import CalendarSend, Enrolment, Session
from pilotage.people.models import Employee, User

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
METHODS = (REQUEST, CANCEL, PUBLISH)
ORGANIZER_NAME = "Pilotage"


def _organizer_email() -> str:
    raw = settings.DEFAULT_FROM_EMAIL
    return raw.split("<", 1)[1].rstrip(">").strip() if "<" in raw else raw


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def session_location(session: Session) -> str:
    if session.kind == Session.Kind.VIRTUAL:
        return session.virtual_link or session.cohort.virtual_link
    parts = [p for p in (session.room, session.address) if p]
    return ", ".join(parts) or session.cohort.location


def session_ics(
    session: Session,
    *,
    method: str = REQUEST,
    attendees: list[tuple[str, str]] | None = None,
) -> bytes:
    """The session as an iCalendar file. ``attendees``: (e-mail, name) pairs written as ATTENDEE
    lines (an invitation e-mail lists its recipient; a download lists none)."""
    if method not in METHODS:
        raise ValueError(method)
    cancelled = method == CANCEL or session.status == Session.Status.CANCELLED
    cal = Calendar()
    cal.add("prodid", "-//Pilotage//Delivery//EN")
    cal.add("version", "2.0")
    cal.add("method", CANCEL if method == CANCEL else method)
    ev = Event()
    ev.add("uid", str(session.uid))
    ev.add("sequence", session.sequence)
    ev.add("dtstamp", timezone.now().astimezone(dt.UTC))
    zone = _zone(session.timezone)
    ev.add("dtstart", session.starts_at.astimezone(zone))
    ev.add("dtend", session.ends_at.astimezone(zone))
    cohort = session.cohort
    ev.add("summary", f"{session.title} — {cohort.title}")
    lines = [f"{cohort.code} {cohort.title}"]
    if session.virtual_link:
        lines.append(session.virtual_link)
    if session.address:
        lines.append(session.address)
    if session.cancel_reason and cancelled:
        lines.append(session.cancel_reason)
    ev.add("description", "\n".join(lines))
    location = session_location(session)
    if location:
        ev.add("location", location)
    if session.virtual_link:
        ev.add("url", session.virtual_link)
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{_organizer_email()}")
    organizer.params["cn"] = vText(ORGANIZER_NAME)
    ev.add("organizer", organizer)
    for email, name in attendees or []:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        ev.add("attendee", attendee, encode=False)
    cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


# --- recipients and sends ---------------------------------------------------------------------------


def employee_address(employee: Employee) -> tuple[str, str]:
    """(e-mail, language) to write to a person: their active user account's, else the employee's."""
    user = User.objects.filter(employee_id=employee.pk, is_active=True).only("email", "language").first()
    email = (user.email if user else "") or employee.email
    language = (user.language if user else "") or employee.language
    return email, language


def _learner_recipient(enrolment: Enrolment) -> tuple[str, str, str]:
    """(e-mail, name, language) of a learner."""
    employee = enrolment.employee
    email, language = employee_address(employee)
    return email, employee.full_name, language


def session_recipients(session: Session) -> list[tuple[str, str, str]]:
    """Seated learners then facilitators (session's own, else the cohort's), deduplicated."""
    out: dict[str, tuple[str, str, str]] = {}
    from pilotage.delivery.services_cohorts import session_attendees

    for enrolment in session_attendees(session):
        email, name, language = _learner_recipient(enrolment)
        if email:
            out.setdefault(email.lower(), (email, name, language))
    for key, value in facilitator_recipients(session).items():
        out.setdefault(key, value)
    return list(out.values())


def facilitator_recipients(session: Session) -> dict[str, tuple[str, str, str]]:
    """{lower e-mail: (e-mail, name, language)} of the session's facilitators: its own, else
    the cohort's."""
    facilitators = list(session.facilitators.all()) or list(session.cohort.facilitators.all())
    return {
        user.email.lower(): (user.email, user.get_full_name() or user.email, user.language)
        for user in facilitators
        if user.email and user.is_active
    }


def facilitators_changed(session: Session, *, before: dict[str, tuple[str, str, str]]) -> int:
    """After the facilitators of an upcoming session changed (``before``: its
    ``facilitator_recipients`` before the change): a REQUEST to each one added, a CANCEL to each
    one removed (unless they still attend as a learner). Once per attendee and sequence."""
    if session.status not in (Session.Status.SCHEDULED, Session.Status.FULL) or session.starts_at <= timezone.now():
        return 0
    after = facilitator_recipients(session)
    learners = {email.lower() for email, _name, _lang in session_recipients(session)} - set(after)
    sent = 0
    for key, (email, name, language) in after.items():
        if key not in before and _record_send(session, email, REQUEST):
            _send(session, REQUEST, email, name, language)
            sent += 1
    for key, (email, name, language) in before.items():
        if key not in after and key not in learners and _record_send(session, email, CANCEL):
            _send(session, CANCEL, email, name, language)
            sent += 1
    return sent


def _record_send(session: Session, email: str, method: str) -> bool:
    """True when this attendee has not yet received this method at this sequence."""
    last = CalendarSend.objects.filter(session=session, email=email).order_by("-sent_at", "-id").first()
    if last is not None and last.sequence == session.sequence and last.method == method:
        return False
    if last is None and method == CANCEL:
        return False  # nothing to cancel in their calendar
    CalendarSend.objects.filter(session=session, email=email, sequence=session.sequence, method=method).delete()
    try:
        with transaction.atomic():
            CalendarSend.objects.create(session=session, email=email, sequence=session.sequence, method=method)
    except IntegrityError:  # a concurrent send won
        return False
    return True


def _send(session: Session, method: str, email: str, name: str, language: str) -> None:
    from pilotage.core.mail import notify

    template = "delivery/mail/session_cancelled" if method == CANCEL else "delivery/mail/session_invitation"
    ics = session_ics(session, method=method, attendees=[(email, name)])
    notify(
        recipient=email,
        template=template,
        context={"session": session, "cohort": session.cohort, "name": name, "update": session.sequence > 0},
        attachments=[("invite.ics", ics, f"text/calendar; method={method}; charset=utf-8")],
        language=language,
    )


def send_session_invitations(session: Session, *, method: str = REQUEST) -> int:
    """E-mail the session's invitation (REQUEST) or cancellation (CANCEL) to its learners and
    facilitators not yet sent this sequence; returns how many left. Call inside the transaction."""
    sent = 0
    for email, name, language in session_recipients(session):
        if _record_send(session, email, method):
            _send(session, method, email, name, language)
            sent += 1
    return sent


def attendee_changed(enrolment: Enrolment, *, seated: bool) -> int:
    """Invite a learner who took a seat to the cohort's upcoming sessions, or cancel them for a
    learner who left it."""
    email, name, language = _learner_recipient(enrolment)
    if not email:
        return 0
    sent = 0
    upcoming = Session.objects.filter(
        cohort_id=enrolment.cohort_id,
        status__in=(Session.Status.SCHEDULED, Session.Status.FULL),
        starts_at__gt=timezone.now(),
    ).select_related("cohort")
    method = REQUEST if seated else CANCEL
    for session in upcoming:
        if _record_send(session, email, method):
            _send(session, method, email, name, language)
            sent += 1
    return sent


def ics_filename(session: Session) -> str:
    return f"session-{session.uid}.ics"
