"""iCalendar: UID and SEQUENCE, time zone, REQUEST/CANCEL, one send per attendee and sequence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from icalendar import Calendar

from pilotage.delivery import ical, services_cohorts, services_enrolments
from pilotage.delivery.models import CalendarSend
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_session


def _event(data: bytes) -> Any:
    cal = Calendar.from_ical(data)
    return cal, next(c for c in cal.walk("VEVENT"))


def test_request_has_uid_sequence_and_local_time(cast: Any) -> None:
    session = make_session(cohort=make_cohort(), room="Salle Jaurès", address="1 rue de Lyon")
    cal, event = _event(ical.session_ics(session, method=ical.REQUEST, attendees=[("julie@example.com", "Julie")]))
    assert cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == str(session.uid)
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].dt == session.starts_at
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert list(cal.walk("VTIMEZONE"))
    assert "Salle Jaurès" in str(event["LOCATION"])
    assert "julie@example.com" in str(event["ATTENDEE"])


def test_cancel_is_a_cancel_with_the_same_uid(cast: Any) -> None:
    session = make_session(cohort=make_cohort())
    session.sequence = 3
    cal, event = _event(ical.session_ics(session, method=ical.CANCEL))
    assert cal["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 3 and str(event["UID"]) == str(session.uid)


def test_invitations_once_per_sequence(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = make_cohort()
    cohort.facilitators.add(cast.facilitator)
    session = make_session(cohort=cohort)
    services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    with django_capture_on_commit_callbacks(execute=True):
        assert ical.send_session_invitations(session) == 1  # the facilitator; the learner got hers on enrolment
        assert ical.send_session_invitations(session) == 0
    assert CalendarSend.objects.filter(session=session).count() == 2
    assert {m.to[0] for m in mail.outbox} >= {cast.facilitator.email}


def test_unenrol_sends_a_cancel_to_that_learner(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = make_cohort()
    make_session(cohort=cohort, days=3)
    with django_capture_on_commit_callbacks(execute=True):
        e = services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
        services_enrolments.unenrol(actor=cast.dlm, enrolment=e, reason="Mutation")
    # In the learner's language (French).
    assert [m.subject.split(":")[0].strip() for m in mail.outbox] == ["Invitation", "Annulée"]
    content = mail.outbox[1].attachments[0][1]
    text = content.decode() if isinstance(content, bytes) else content
    assert "METHOD:CANCEL" in text


def test_past_session_sends_nothing_on_enrolment(cast: Any) -> None:
    cohort = make_cohort()
    past = make_session(cohort=cohort, days=-3)
    services_enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    assert not CalendarSend.objects.filter(session=past).exists()
    assert services_cohorts.seated_count(cohort) == 1
    assert past.ends_at - past.starts_at == dt.timedelta(hours=3)


def _sent(session: Any, email: str) -> list[tuple[int, str]]:
    return list(
        CalendarSend.objects.filter(session=session, email=email).order_by("id").values_list("sequence", "method")
    )


def test_facilitator_added_gets_a_request_and_removed_one_a_cancel(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    session = make_session(cohort=make_cohort())
    session.facilitators.add(cast.facilitator)
    ical.send_session_invitations(session)
    with django_capture_on_commit_callbacks(execute=True):
        services_cohorts.session_update(actor=cast.dlm, session=session, facilitators=[cast.ld])
    assert _sent(session, cast.ld.email) == [(0, "REQUEST")]
    assert _sent(session, cast.facilitator.email) == [(0, "REQUEST"), (0, "CANCEL")]
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert "METHOD:CANCEL" in str(by_recipient[cast.facilitator.email].attachments[0][1])
    assert "METHOD:REQUEST" in str(by_recipient[cast.ld.email].attachments[0][1])
    session.refresh_from_db()
    assert session.sequence == 0  # the others' calendars have nothing to apply


def test_cohort_facilitators_reach_sessions_that_fall_back_to_them(cast: Any) -> None:
    cohort = make_cohort()
    cohort.facilitators.add(cast.facilitator)
    fallback = make_session(cohort=cohort)
    own = make_session(cohort=cohort, days=14)
    own.facilitators.add(cast.ld)
    ical.send_session_invitations(fallback)
    services_cohorts.cohort_update(actor=cast.dlm, cohort=cohort, facilitators=[cast.dlm])
    assert _sent(fallback, cast.facilitator.email)[-1] == (0, "CANCEL")
    assert _sent(fallback, cast.dlm.email) == [(0, "REQUEST")]
    assert not _sent(own, cast.dlm.email)


def test_cohort_link_or_location_change_updates_sessions_that_use_them(cast: Any) -> None:
    cohort = make_cohort(virtual_link="https://visio.example.com/a", location="Siège, Lyon")
    cohort.facilitators.add(cast.facilitator)
    virtual = make_session(cohort=cohort, kind="virtual")
    own_link = make_session(cohort=cohort, kind="virtual", virtual_link="https://visio.example.com/own")
    in_person = make_session(cohort=cohort, kind="in_person")
    with_room = make_session(cohort=cohort, kind="in_person", room="Salle B")
    past = make_session(cohort=cohort, kind="virtual", days=-3)
    services_cohorts.cohort_update(actor=cast.dlm, cohort=cohort, virtual_link="https://visio.example.com/b")
    for s in (virtual, own_link, in_person, with_room, past):
        s.refresh_from_db()
    assert (virtual.sequence, own_link.sequence, in_person.sequence, with_room.sequence, past.sequence) == (
        1,
        0,
        0,
        0,
        0,
    )
    assert _sent(virtual, cast.facilitator.email) == [(1, "REQUEST")]
    _cal, event = _event(ical.session_ics(virtual))
    assert "visio.example.com/b" in str(event["LOCATION"])
    services_cohorts.cohort_update(actor=cast.dlm, cohort=cohort, location="Campus, Paris")
    in_person.refresh_from_db()
    with_room.refresh_from_db()
    assert (in_person.sequence, with_room.sequence) == (1, 0)
    assert _sent(in_person, cast.facilitator.email) == [(1, "REQUEST")]
