"""Cohorts and sessions: validation, lifecycle (cancel with a reason, restore, history),
capacity rules, invitations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.delivery import services_cohorts as svc
from pilotage.delivery import services_enrolments as enrolments
from pilotage.delivery.models import CalendarSend, Session
from pilotage.delivery.tests.factories_cohorts import make_cohort, make_path


def _when(days: int = 5) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=days)
    return start, start + dt.timedelta(hours=3)


def test_cohort_create_numbers_and_audits(cast: Any) -> None:
    path = make_path()
    today = timezone.localdate()
    cohort = svc.cohort_create(
        actor=cast.dlm,
        path=path,
        title="Printemps",
        starts_on=today,
        ends_on=today + dt.timedelta(days=20),
        capacity=12,
        facilitators=[cast.facilitator],
    )
    assert cohort.code == f"COH-{today.year}-001"
    assert list(cohort.facilitators.all()) == [cast.facilitator]
    assert AuditEvent.objects.filter(object_type="delivery.cohort", action="create").exists()


def test_cohort_ends_before_start_refused(cast: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as err:
        svc.cohort_create(
            actor=cast.dlm, path=make_path(), title="X", starts_on=today, ends_on=today - dt.timedelta(days=1)
        )
    assert "ends_on" in err.value.errors


def test_cohort_facilitator_must_have_the_role(cast: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as err:
        svc.cohort_create(
            actor=cast.dlm, path=make_path(), title="X", starts_on=today, ends_on=today, facilitators=[cast.learner]
        )
    assert "facilitators" in err.value.errors


def test_session_ends_before_start_refused(cast: Any) -> None:
    cohort = make_cohort()
    start, _end = _when()
    with pytest.raises(ValidationFailed) as err:
        svc.session_create(actor=cast.dlm, cohort=cohort, title="A", starts_at=start, ends_at=start)
    assert "ends_at" in err.value.errors
    assert not Session.objects.exists()


def test_unknown_choices_are_refused_naming_the_allowed_values(cast: Any) -> None:
    cohort = make_cohort()
    start, end = _when()
    with pytest.raises(ValidationFailed) as err:
        svc.session_create(actor=cast.dlm, cohort=cohort, title="A", kind="webinar", starts_at=start, ends_at=end)
    assert err.value.errors["kind"] == ["Unknown session type “webinar”: choose one of virtual, in_person."]
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as err:
        svc.cohort_create(
            actor=cast.dlm, path=make_path(), title="X", starts_on=today, ends_on=today, language="de", status="x"
        )
    assert err.value.errors["language"] == ["Unknown language “de”: choose one of fr, en."]
    assert err.value.errors["status"][0].startswith("Unknown status “x”: choose one of planned, open,")
    assert not Session.objects.exists()


def test_session_capacity_below_seated_refused(cast: Any) -> None:
    cohort = make_cohort()
    for key in ("learner", "peer"):
        enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees[key])
    start, end = _when()
    with pytest.raises(ValidationFailed) as err:
        svc.session_create(actor=cast.dlm, cohort=cohort, title="A", starts_at=start, ends_at=end, capacity=1)
    assert "2 learners already hold a seat" in err.value.errors["capacity"][0]
    session = svc.session_create(actor=cast.dlm, cohort=cohort, title="A", starts_at=start, ends_at=end, capacity=2)
    assert session.status == "full"
    with pytest.raises(ValidationFailed):
        svc.cohort_update(actor=cast.dlm, cohort=cohort, capacity=1)


def test_session_over_capacity_goes_to_waitlist(cast: Any) -> None:
    cohort = make_cohort()
    start, end = _when()
    svc.session_create(actor=cast.dlm, cohort=cohort, title="Salle", starts_at=start, ends_at=end, capacity=1)
    first = enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    extra = enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["peer"])
    assert (first.status, extra.status) == ("active", "waitlisted")
    # A bigger room frees a seat: the waitlist moves up.
    session = Session.objects.get(cohort=cohort)
    svc.session_update(actor=cast.dlm, session=session, capacity=5)
    extra.refresh_from_db()
    assert extra.status == "active"
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_cancel_needs_reason_then_restore_keeps_history(cast: Any) -> None:
    cohort = make_cohort()
    enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    start, end = _when()
    session = svc.session_create(actor=cast.dlm, cohort=cohort, title="Atelier", starts_at=start, ends_at=end)
    with pytest.raises(ValidationFailed) as err:
        svc.session_cancel(actor=cast.dlm, session=session, reason="")
    assert "reason" in err.value.errors
    mail.outbox.clear()
    session = svc.session_cancel(actor=cast.dlm, session=session, reason="Formateur malade")
    assert session.status == "cancelled" and session.sequence == 1
    session = svc.session_restore(actor=cast.dlm, session=session)
    assert session.status == "scheduled" and session.sequence == 2
    assert [c.to_status for c in session.changes.all()] == ["scheduled", "cancelled", "scheduled"]
    assert Session.objects.filter(pk=session.pk).exists()
    methods = list(CalendarSend.objects.filter(session=session).order_by("id").values_list("method", "sequence"))
    assert methods == [("REQUEST", 0), ("CANCEL", 1), ("REQUEST", 2)]


def test_update_of_time_moves_sequence_and_reinvites(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    cohort = make_cohort()
    enrolments.enrol(actor=cast.dlm, cohort=cohort, employee=cast.employees["learner"])
    start, end = _when()
    with django_capture_on_commit_callbacks(execute=True):
        session = svc.session_create(actor=cast.dlm, cohort=cohort, title="Atelier", starts_at=start, ends_at=end)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][0] == "invite.ics"
    with django_capture_on_commit_callbacks(execute=True):
        session = svc.session_update(actor=cast.dlm, session=session, room="Salle 4")
        svc.session_update(actor=cast.dlm, session=session, room="Salle 4")  # no change: nothing sent
    assert session.sequence == 1
    assert len(mail.outbox) == 2
    content = mail.outbox[1].attachments[0][1]
    assert "SEQUENCE:1" in (content.decode() if isinstance(content, bytes) else content)


def test_delivery_settings_update_validates(cast: Any) -> None:
    path = make_path()
    with pytest.raises(ValidationFailed) as err:
        svc.delivery_settings_update(actor=cast.dlm, programme=path.programme, default_due_days="abc")
    assert "default_due_days" in err.value.errors
    conf = svc.delivery_settings_update(
        actor=cast.dlm, programme=path.programme, audience_only=True, default_due_days=30
    )
    assert conf.audience_only and conf.default_due_days == 30
