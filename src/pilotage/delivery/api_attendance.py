"""/api/v1/delivery/ endpoints of part "attendance": a session's attendance (read, and set with
the same service as the phone page), the sign-in sheet and certificate PDFs, the facilitator's
sessions. Same scopes as the web pages: a facilitator sees only their sessions (404 for others).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.delivery import pdf, queries, queries_attendance, services_attendance, services_certificates
from pilotage.delivery.models import Enrolment, Session

router = Router(tags=["delivery"])


class MarkIn(Schema):
    enrolment_id: int
    status: str = Field(description="present, late, excused, absent or no_show")
    note: str | None = Field(None, description="Optional, up to 300 characters")


class AttendanceIn(Schema):
    marks: list[MarkIn]


class AttendanceRowOut(Schema):
    enrolment_id: int
    employee_id: int
    employee_number: str
    name: str
    status: str | None
    note: str
    checked_at: dt.datetime | None
    checked_by: str | None
    statement_id: str | None


class SessionAttendanceOut(Schema):
    session_id: int
    session_status: str
    counts: dict[str, int]
    rows: list[AttendanceRowOut]


class FacilitatedSessionOut(Schema):
    id: int
    title: str
    status: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    cohort_id: int
    cohort_code: str
    marked: int

    @staticmethod
    def resolve_cohort_code(obj: Session) -> str:
        return obj.cohort.code


def _sheet(session: Session) -> dict[str, Any]:
    rows = queries_attendance.attendance_rows(session)
    out = []
    for row in rows:
        employee, mark = row.enrolment.employee, row.attendance
        out.append(
            {
                "enrolment_id": row.enrolment.pk,
                "employee_id": employee.pk,
                "employee_number": employee.employee_number,
                "name": employee.full_name,
                "status": mark.status if mark else None,
                "note": mark.note if mark else "",
                "checked_at": mark.checked_at if mark else None,
                "checked_by": (mark.checked_by.get_full_name() if mark.checked_by else None) if mark else None,
                "statement_id": str(mark.statement_id) if mark and mark.statement_id else None,
            }
        )
    return {
        "session_id": session.pk,
        "session_status": session.status,
        "counts": queries_attendance.attendance_counts(rows),
        "rows": out,
    }


@router.get(
    "/sessions/{session_id}/attendance",
    response=SessionAttendanceOut,
    summary="A session's attendance sheet",
    url_name="session_attendance",
)
def session_attendance(request: HttpRequest, session_id: int) -> Any:
    return _sheet(queries.session_for_attendance(user=request.user, pk=session_id))


@router.put(
    "/sessions/{session_id}/attendance",
    response=SessionAttendanceOut,
    summary="Mark learners of a session (one xAPI statement per changed mark)",
    url_name="session_attendance_set",
)
def session_attendance_set(request: HttpRequest, session_id: int, payload: AttendanceIn) -> Any:
    """Marks not given are left as they are; a mark given again with the same status changes
    nothing; another status voids the earlier statement. The session becomes "held"."""
    session = queries.session_for_attendance(user=request.user, pk=session_id)
    marks: dict[int, str] = {}
    notes: dict[int, str] = {}
    index_of: dict[int, int] = {}
    for index, mark in enumerate(payload.marks):
        if mark.enrolment_id in index_of:
            raise ValidationFailed(
                {f"marks[{index}].enrolment_id": [_("Enrolment %(id)s is marked twice.") % {"id": mark.enrolment_id}]}
            )
        index_of[mark.enrolment_id] = index
        marks[mark.enrolment_id] = mark.status
        if mark.note is not None:
            notes[mark.enrolment_id] = mark.note
    try:
        services_attendance.attendance_record(actor=request.user, session=session, marks=marks, notes=notes)
    except ValidationFailed as exc:
        # The service names a mark by its enrolment id; the API by its place in the body.
        remapped: dict[str, list[str]] = {}
        for key, messages in exc.errors.items():
            for prefix in ("marks", "notes"):
                if key.startswith(f"{prefix}[") and key.endswith("]"):
                    enrolment_id = int(key[len(prefix) + 1 : -1])
                    field = "status" if prefix == "marks" else "note"
                    key = f"marks[{index_of[enrolment_id]}].{field}"
            remapped.setdefault(key, []).extend(messages)
        raise ValidationFailed(remapped) from exc
    session.refresh_from_db()
    return _sheet(session)


@router.get(
    "/facilitator/sessions",
    response=page_schema(FacilitatedSessionOut),
    summary="The sessions I facilitate",
    url_name="facilitator_sessions",
)
def facilitator_sessions(
    request: HttpRequest, upcoming: bool | None = None, limit: int = limit_query(), offset: int = offset_query()
) -> Any:
    """``upcoming=true``: not ended yet, soonest first; ``false``: ended, newest first."""
    qs = queries_attendance.facilitated_sessions(user=request.user)
    now = timezone.now()
    if upcoming is True:
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "pk")
    elif upcoming is False:
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        qs = qs.order_by("starts_at", "pk")
    return paginate(qs, limit, offset)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/sessions/{session_id}/sign-in-sheet",
    response={200: None},
    summary="The half-day sign-in sheet of a session (PDF)",
    url_name="session_sign_in_sheet",
)
def session_sign_in_sheet(request: HttpRequest, session_id: int) -> HttpResponse:
    session = queries.session_for_attendance(user=request.user, pk=session_id)
    return _pdf(pdf.sign_in_sheet_pdf(session), pdf.sign_in_sheet_filename(session))


@router.get(
    "/enrolments/{enrolment_id}/certificate",
    response={200: None},
    summary="The certificate of completion of a completed enrolment (PDF)",
    url_name="enrolment_certificate",
)
def enrolment_certificate(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = queries.enrolment_get(user=request.user, pk=enrolment_id)
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise Http404
    certificate = services_certificates.certificate_issue(actor=request.user, enrolment=enrolment)
    return _pdf(pdf.certificate_pdf(certificate), pdf.certificate_filename(certificate))
