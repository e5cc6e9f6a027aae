"""Attendance: a facilitator checks learners in per session (docs/attendance.md).

``attendance_record`` is the one write path. Each mark is kept as an ``Attendance`` row and
becomes one xAPI statement stored through ``pilotage.lrs.services.statement_store`` (so the
progress projection sees it like any other learning fact, in the same transaction):

- verb ``attended`` (present, late) or Pilotage's ``was-absent`` (excused, absent, no-show),
  the status itself in ``result.extensions[ATTENDANCE_STATUS]``;
- object: the session's own activity (``session_iri``), its step's activity as
  ``contextActivities.parent`` and the path's as ``grouping`` (decision 0030);
- ``context.registration``: the enrolment's registration; actor: the learner.

Re-marking a learner with another status voids the earlier statement (a ``voided`` statement
in the same batch) and stores a new one; the same status again changes nothing. The first
marks move a scheduled or full session to "held" (with its ``SessionChange``).
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.core.site import site_url
from pilotage.delivery import xapi
from pilotage.delivery.models import Attendance, Enrolment, Session, SessionChange
from pilotage.delivery.services_cohorts import session_attendees
from pilotage.lrs.services import iso_timestamp, statement_store
from pilotage.programmes import paths
from pilotage.programmes.models import PathStep

ATTENDED = frozenset({Attendance.Status.PRESENT, Attendance.Status.LATE})
STATUSES = tuple(Attendance.Status.values)
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
MEETING_TYPE = "http://adlnet.gov/expapi/activities/meeting"


def session_iri(session: Session) -> str:
    """The xAPI activity id of a session (stable: its uid)."""
    return site_url(f"/xapi/activities/sessions/{session.uid}")


def seated_enrolments(session: Session) -> QuerySet[Enrolment]:
    """The learners expected at ``session`` (``services_cohorts.session_attendees``: the seated
    enrolments of its cohort, by name)."""
    return session_attendees(session)


def _iso_duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"PT{hours}H{minutes}M"
    return f"PT{hours}H" if hours else f"PT{minutes}M"


def attendance_statement(
    *, session: Session, enrolment: Enrolment, status: str, statement_id: str, step: PathStep | None
) -> dict[str, Any]:
    """The xAPI statement of one mark (see the module docstring)."""
    attended = status in ATTENDED
    context_activities: dict[str, Any] = {"grouping": [{"id": paths.path_iri(session.cohort.path.uid)}]}
    if step is not None:
        context_activities["parent"] = [{"id": step.activity_iri}]
    result: dict[str, Any] = {"extensions": {xapi.ATTENDANCE_STATUS: status}}
    if attended:
        result["completion"] = True
        result["duration"] = _iso_duration((session.ends_at - session.starts_at).total_seconds())
    return {
        "id": statement_id,
        "actor": xapi.employee_actor(enrolment.employee),
        "verb": xapi.verb(xapi.VERB_ATTENDED if attended else xapi.VERB_ABSENT),
        "object": {
            "objectType": "Activity",
            "id": session_iri(session),
            "definition": {
                "type": MEETING_TYPE,
                "name": {"en-US": session.title, "fr-FR": session.title},
            },
        },
        "result": result,
        "context": {"registration": str(enrolment.registration), "contextActivities": context_activities},
        "timestamp": iso_timestamp(session.starts_at),
    }


def _voiding_statement(*, enrolment: Enrolment, target: str) -> dict[str, Any]:
    # The learner's own actor, as in the statement voided: an agent of its own for the
    # facilitator would be an identity the LRS cannot match to an employee.
    return {
        "id": str(uuid.uuid4()),
        "actor": xapi.employee_actor(enrolment.employee),
        "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided", "fr-FR": "a annulé"}},
        "object": {"objectType": "StatementRef", "id": target},
    }


def _check_session(session: Session) -> None:
    if session.status == Session.Status.CANCELLED:
        raise ValidationFailed({"session": [_("This session was cancelled: restore it before taking attendance.")]})
    tz = ZoneInfo(session.timezone or settings.TIME_ZONE)
    first_day = timezone.localtime(session.starts_at, tz).date()
    if timezone.localtime(timezone.now(), tz).date() < first_day:
        raise ValidationFailed(
            {
                "session": [
                    _("This session starts on %(date)s: attendance can be taken from that day on.")
                    % {"date": date_format(first_day, "DATE_FORMAT")}
                ]
            }
        )


@transaction.atomic
def attendance_record(
    *,
    actor: Any,
    session: Session,
    marks: dict[int, str],
    notes: dict[int, str] | None = None,
) -> list[Attendance]:
    """Record ``marks`` (enrolment id → status) for ``session``; return the attendance rows of
    the marks, in the order given.

    Refused, naming the mark (``marks[<enrolment id>]``): an unknown status, an enrolment that
    is not a seated learner of the session's cohort. Refused for the whole session: a cancelled
    session, a session that has not started its first day yet, no mark at all.
    """
    if not marks:
        raise ValidationFailed({"marks": [_("Mark at least one learner.")]})
    # One facilitator at a time per session (two phones marking the same row): the session row
    # is the lock.
    session = Session.objects.select_for_update(of=("self",)).select_related("cohort__path", "step").get(pk=session.pk)
    _check_session(session)
    notes = notes or {}
    errors: dict[str, list[str]] = {}
    enrolments = {e.pk: e for e in seated_enrolments(session).filter(pk__in=list(marks))}
    for enrolment_id, status in marks.items():
        key = f"marks[{enrolment_id}]"
        if status not in STATUSES:
            errors.setdefault(key, []).append(
                _("Unknown attendance status “%(status)s”: use one of %(choices)s.")
                % {"status": status, "choices": ", ".join(STATUSES)}
            )
        if enrolment_id not in enrolments:
            errors.setdefault(key, []).append(
                _("Enrolment %(id)s is not a learner of this session's cohort (%(cohort)s).")
                % {"id": enrolment_id, "cohort": session.cohort.code}
            )
        if len(notes.get(enrolment_id, "")) > 300:
            errors.setdefault(f"notes[{enrolment_id}]", []).append(_("A note has at most 300 characters."))
    if errors:
        raise ValidationFailed(errors)

    existing = {a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment_id__in=list(marks))}
    now = timezone.now()
    statements: list[dict[str, Any]] = []
    changes: dict[str, list[Any]] = {}
    rows: list[Attendance] = []
    to_create: list[Attendance] = []
    to_update: list[Attendance] = []
    for enrolment_id, status in marks.items():
        enrolment = enrolments[enrolment_id]
        note = notes.get(enrolment_id)
        row = existing.get(enrolment_id)
        if row is not None and row.status == status:
            if note is not None and note != row.note:
                row.note = note
                to_update.append(row)
            rows.append(row)
            continue
        statement_id = str(uuid.uuid4())
        if row is not None and row.statement_id:
            statements.append(_voiding_statement(enrolment=enrolment, target=str(row.statement_id)))
        statements.append(
            attendance_statement(
                session=session, enrolment=enrolment, status=status, statement_id=statement_id, step=session.step
            )
        )
        changes[str(enrolment_id)] = [row.status if row else None, status]
        if row is None:
            row = Attendance(
                session=session,
                enrolment=enrolment,
                status=status,
                note=note or "",
                checked_at=now,
                checked_by=actor if getattr(actor, "is_authenticated", False) else None,
                statement_id=statement_id,
            )
            to_create.append(row)
        else:
            row.status = status
            row.note = note if note is not None else row.note
            row.checked_at = now
            row.checked_by = actor if getattr(actor, "is_authenticated", False) else None
            row.statement_id = uuid.UUID(statement_id)
            to_update.append(row)
        rows.append(row)

    if statements:
        statement_store(statements=statements, client=None, version="2.0.0")
    if to_create:
        Attendance.objects.bulk_create(to_create)
    if to_update:
        Attendance.objects.bulk_update(to_update, ["status", "note", "checked_at", "checked_by", "statement_id"])
    if changes:
        if session.status in (Session.Status.SCHEDULED, Session.Status.FULL):
            SessionChange.objects.create(
                session=session,
                from_status=session.status,
                to_status=Session.Status.HELD,
                note=_("Attendance taken"),
                by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            session.status = Session.Status.HELD
            session.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="attendance.record", instance=session, changes={"marks": changes})
    return rows


def attendance_mark_all(*, actor: Any, session: Session, status: str = Attendance.Status.PRESENT) -> list[Attendance]:
    """Mark every seated learner not marked yet with ``status`` ("everyone is here")."""
    marked = set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))
    marks = {e.pk: status for e in seated_enrolments(session) if e.pk not in marked}
    if not marks:
        raise ValidationFailed({"marks": [_("Every learner of this session is already marked.")]})
    return attendance_record(actor=actor, session=session, marks=marks)
