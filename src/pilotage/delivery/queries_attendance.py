"""Reads of the attendance part: the facilitator's own sessions and cohorts, a session's
attendance sheet (its learners and their marks), the certificates of a cohort."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from pilotage.delivery import permissions
from pilotage.delivery.models import Attendance, Cohort, Enrolment, Session
from pilotage.delivery.services_attendance import seated_enrolments


def facilitated_sessions(*, user: Any) -> QuerySet[Session]:
    """Sessions the user facilitates (named on the session or on its cohort). 403 for a role
    that takes no attendance."""
    if not permissions.can_take_attendance(user):
        raise PermissionDenied
    ids = Session.objects.filter(Q(facilitators=user) | Q(cohort__facilitators=user)).values("pk")
    return (
        Session.objects.filter(pk__in=ids)
        .select_related("cohort", "cohort__path", "cohort__path__programme", "step")
        .annotate(marked=Count("attendances"))
    )


def facilitated_cohorts(*, user: Any) -> QuerySet[Cohort]:
    """Cohorts the user facilitates (on the cohort or on one of its sessions), live ones first."""
    if not permissions.can_take_attendance(user):
        raise PermissionDenied
    ids = Cohort.objects.filter(Q(facilitators=user) | Q(sessions__facilitators=user)).values("pk")
    return (
        Cohort.objects.filter(pk__in=ids)
        .select_related("path", "path__programme")
        .annotate(
            seated=Count("enrolments", filter=Q(enrolments__status__in=Enrolment.SEATED), distinct=True),
            completed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.COMPLETED), distinct=True),
        )
    )


def session_zone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.timezone or settings.TIME_ZONE)


def local(session: Session, moment: dt.datetime) -> dt.datetime:
    """``moment`` in the session's time zone (where the room is)."""
    return timezone.localtime(moment, session_zone(session))


MARK_TONES = {"present": "ok", "late": "warn", "excused": "neutral", "absent": "bad", "no_show": "bad"}


@dataclass
class AttendanceRow:
    enrolment: Enrolment
    attendance: Attendance | None

    @property
    def status(self) -> str:
        return self.attendance.status if self.attendance else ""

    @property
    def tone(self) -> str:
        return MARK_TONES.get(self.status, "neutral")

    @property
    def pk(self) -> int:
        return self.enrolment.pk


def attendance_rows(session: Session) -> list[AttendanceRow]:
    """The learners of ``session`` with their mark (two queries)."""
    enrolments = list(seated_enrolments(session))
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session).select_related("checked_by")}
    return [AttendanceRow(e, marks.get(e.pk)) for e in enrolments]


def attendance_row(session: Session, enrolment_id: int) -> AttendanceRow | None:
    enrolment = seated_enrolments(session).filter(pk=enrolment_id).first()
    if enrolment is None:
        return None
    return AttendanceRow(enrolment, Attendance.objects.filter(session=session, enrolment=enrolment).first())


def attendance_counts(rows: list[AttendanceRow]) -> dict[str, int]:
    counts = dict.fromkeys(Attendance.Status.values, 0)
    for row in rows:
        if row.status:
            counts[row.status] += 1
    counts["unmarked"] = sum(1 for row in rows if not row.status)
    counts["total"] = len(rows)
    return counts


def cohort_for_attendance(*, user: Any, pk: int) -> Cohort:
    """A cohort whose papers (sign-in sheets, certificates) the user may print: the team, or one
    of its facilitators. 403 for other roles, 404 out of scope."""
    from django.http import Http404

    if not permissions.can_take_attendance(user):
        raise PermissionDenied
    qs = Cohort.objects.select_related("path", "path__programme")
    if not permissions.can_manage_delivery(user):
        qs = qs.filter(pk__in=Cohort.objects.filter(Q(facilitators=user) | Q(sessions__facilitators=user)).values("pk"))
    cohort = qs.filter(pk=pk).first()
    if cohort is None:
        raise Http404
    return cohort
