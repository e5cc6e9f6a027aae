"""Attendance pages: the facilitator's home (their sessions and cohorts, phone first), taking
attendance of a session (one form of big buttons; each tap posts its row with htmx, the plain
form posts the whole page), the sign-in sheet and certificate PDFs, a cohort's papers.

Who: the DLM and the L&D team for every session; a facilitator for the sessions they facilitate
(404 for the others); other roles 403. A certificate: whoever sees the enrolment (the learner
themself, their manager, the team, the cohort's facilitators, the programme's sponsor).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, error_text
from pilotage.delivery import pdf, queries, queries_attendance, services_attendance, services_certificates
from pilotage.delivery.models import Attendance, Enrolment, Session

# Short labels for the buttons (the model's "Excused absence" does not fit a phone row).
BUTTON_LABELS = {
    Attendance.Status.PRESENT: gettext_lazy("Present"),
    Attendance.Status.LATE: gettext_lazy("Late"),
    Attendance.Status.EXCUSED: gettext_lazy("Excused"),
    Attendance.Status.ABSENT: gettext_lazy("Absent"),
    Attendance.Status.NO_SHOW: gettext_lazy("No-show"),
}
STATUS_TONES: dict[str, str] = {
    Session.Status.SCHEDULED: "neutral",
    Session.Status.FULL: "warn",
    Session.Status.HELD: "ok",
    Session.Status.CANCELLED: "bad",
}
PAST_DAYS = 60


def _session_item(session: Session) -> dict[str, Any]:
    start = queries_attendance.local(session, session.starts_at)
    end = queries_attendance.local(session, session.ends_at)
    return {
        "session": session,
        "start": start,
        "end": end,
        "same_day": start.date() == end.date(),
        "tone": STATUS_TONES.get(session.status, "neutral"),
        # Attendance can be taken from the session's first day (decision 0030).
        "to_take": session.status != Session.Status.CANCELLED
        and not getattr(session, "marked", 0)
        and start.date() <= queries_attendance.local(session, timezone.now()).date(),
    }


@login_required
@require_GET
def facilitator_home(request: Request) -> HttpResponse:
    """My sessions: today's and the coming ones, the recent past (those whose attendance is still
    to take first), and my cohorts."""
    sessions = queries_attendance.facilitated_sessions(user=request.user)
    # Today's sessions stay on top all day, ended or not: attendance is often taken afterwards.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = [_session_item(s) for s in sessions.filter(ends_at__gte=today).order_by("starts_at", "pk")[:50]]
    recent = sessions.filter(ends_at__lt=today, starts_at__gte=today - dt.timedelta(days=PAST_DAYS))
    past = [_session_item(s) for s in recent.order_by("-starts_at", "-pk")[:50]]
    past.sort(key=lambda item: not item["to_take"])  # stable: still newest first within each group
    cohorts = queries_attendance.facilitated_cohorts(user=request.user).order_by("-starts_on", "code")[:30]
    context = {
        "upcoming": upcoming,
        "past": past,
        "to_take": sum(1 for item in past if item["to_take"]),
        "cohorts": cohorts,
        "past_days": PAST_DAYS,
    }
    return render(request, "delivery/attendance/facilitator_home.html", context)


def _open_reason(session: Session) -> str:
    """Why attendance cannot be taken now ("" when it can)."""
    if session.status == Session.Status.CANCELLED:
        return _("This session was cancelled: restore it before taking attendance.")
    first_day = queries_attendance.local(session, session.starts_at).date()
    if queries_attendance.local(session, timezone.now()).date() < first_day:
        return _("This session has not started yet: attendance can be taken from its first day.")
    return ""


def _sheet_context(session: Session, **extra: Any) -> dict[str, Any]:
    rows = queries_attendance.attendance_rows(session)
    return {
        "session": session,
        "item": _session_item(session),
        "rows": rows,
        "counts": queries_attendance.attendance_counts(rows),
        "buttons": list(BUTTON_LABELS.items()),
        "closed_reason": _open_reason(session),
        "place": pdf._place(session),
        **extra,
    }


def _marks_from(post: Any) -> dict[int, str]:
    marks: dict[int, str] = {}
    for key, value in post.items():
        if key.startswith("mark-"):
            try:
                marks[int(key.removeprefix("mark-"))] = value
            except ValueError:
                continue
    return marks


def _notes_from(post: Any, marks: dict[int, str]) -> dict[int, str]:
    """The optional note of each marked row (``note-<enrolment id>``), saved with its mark."""
    return {pk: post[f"note-{pk}"].strip() for pk in marks if f"note-{pk}" in post}


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: Request, pk: int) -> HttpResponse:
    """The attendance sheet of a session. POST (the plain form): the tapped mark(s), or
    ``all=present`` for everyone not marked yet; back to the page, at the row."""
    session = queries.session_for_attendance(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        marks = _marks_from(request.POST)
        try:
            if request.POST.get("all"):
                services_attendance.attendance_mark_all(actor=request.user, session=session, status=request.POST["all"])
            else:
                services_attendance.attendance_record(
                    actor=request.user, session=session, marks=marks, notes=_notes_from(request.POST, marks)
                )
        except ValidationFailed as exc:
            error = error_text(exc)
        else:
            if not request.htmx:
                messages.success(request, _("Attendance saved."))
                anchor = f"#att-row-{next(iter(marks))}" if len(marks) == 1 else ""
                return redirect(reverse("delivery:attendance", args=[session.pk]) + anchor)
        session.refresh_from_db()
    context = _sheet_context(session, error=error)
    if request.htmx:
        return render(request, "delivery/attendance/attendance.html#sheet", context)
    return render(request, "delivery/attendance/attendance.html", context)


@login_required
@require_POST
def attendance_mark(request: Request, pk: int, enrolment_pk: int) -> HttpResponse:
    """One row (htmx): record the tapped mark and answer the row, with the counts out of band."""
    session = queries.session_for_attendance(user=request.user, pk=pk)
    row = queries_attendance.attendance_row(session, enrolment_pk)
    if row is None:
        raise Http404
    status = request.POST.get(f"mark-{enrolment_pk}") or request.POST.get("status", "")
    error = ""
    try:
        marks = {enrolment_pk: status}
        services_attendance.attendance_record(
            actor=request.user, session=session, marks=marks, notes=_notes_from(request.POST, marks)
        )
    except ValidationFailed as exc:
        error = error_text(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(reverse("delivery:attendance", args=[session.pk]) + f"#att-row-{enrolment_pk}")
    session.refresh_from_db()
    row = queries_attendance.attendance_row(session, enrolment_pk)
    context = _sheet_context(session, row=row, row_error=error, oob=True)
    return render(request, "delivery/attendance/attendance.html#row", context)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def sign_in_sheet(request: Request, pk: int) -> HttpResponse:
    """The half-day sign-in sheet of a session (PDF, in the cohort's language)."""
    session = queries.session_for_attendance(user=request.user, pk=pk)
    return _pdf(pdf.sign_in_sheet_pdf(session), pdf.sign_in_sheet_filename(session))


@login_required
@require_GET
def certificate_pdf(request: Request, pk: int) -> HttpResponse:
    """The certificate of completion of an enrolment (PDF, in the learner's language), numbered
    on its first download. 404 when the enrolment is not completed: there is no certificate."""
    enrolment = queries.enrolment_get(user=request.user, pk=pk)
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise Http404
    certificate = services_certificates.certificate_issue(actor=request.user, enrolment=enrolment)
    return _pdf(pdf.certificate_pdf(certificate), pdf.certificate_filename(certificate))


@login_required
@require_GET
def cohort_papers(request: Request, pk: int) -> HttpResponse:
    """A cohort's papers: the sign-in sheet of each session, the certificate of each completed
    enrolment."""
    cohort = queries_attendance.cohort_for_attendance(user=request.user, pk=pk)
    sessions = [
        _session_item(s)
        for s in Session.objects.filter(cohort=cohort).select_related("cohort").order_by("starts_at", "pk")
    ]
    completed = list(
        Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.COMPLETED)
        .select_related("employee")
        .order_by("employee__last_name", "employee__first_name")
    )
    numbers = services_certificates.certificates_of([e.pk for e in completed])
    for enrolment in completed:
        certificate = numbers.get(enrolment.pk)
        enrolment.certificate_number = certificate.number if certificate else ""  # type: ignore[attr-defined]
    context = {"cohort": cohort, "sessions": sessions, "completed": completed}
    return render(request, "delivery/attendance/cohort_papers.html", context)
