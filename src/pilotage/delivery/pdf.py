"""The printed papers of delivery, rendered by WeasyPrint (decision 0031):

- the sign-in sheet of a session by half-day ("feuille d'émargement", what an OPCO asks for to
  fund a training action): one page per day of the session, a morning and an afternoon column of
  signature boxes per learner, the facilitators' boxes, programme, cohort, place and hours;
  in the cohort's language;
- the certificate of completion ("certificat de réalisation") of a completed enrolment, in the
  learner's language.

Half-days: a day's part before 13:00 (session time zone) is the morning, the rest the afternoon;
a session that does not reach one of them leaves that column out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pilotage.delivery.models import Attendance, Certificate, Session
from pilotage.delivery.queries_attendance import attendance_rows, local, session_zone

NOON = dt.time(13, 0)
ABSENT_STATUSES = frozenset({Attendance.Status.EXCUSED, Attendance.Status.ABSENT, Attendance.Status.NO_SHOW})


def _language(code: str) -> str:
    known = {c for c, _name in settings.LANGUAGES}
    code = (code or "").split("-")[0].lower()
    return code if code in known else settings.LANGUAGE_CODE.split("-")[0]


@dataclass
class HalfDay:
    key: str  # "am" or "pm"
    starts: dt.datetime
    ends: dt.datetime

    @property
    def label(self) -> str:
        return _("Morning") if self.key == "am" else _("Afternoon")


@dataclass
class SheetDay:
    day: dt.date
    halves: list[HalfDay] = field(default_factory=list)


def half_days(session: Session) -> list[SheetDay]:
    """The days of ``session`` (its time zone) and the half-days each one covers, with their hours."""
    zone = session_zone(session)
    start, end = local(session, session.starts_at), local(session, session.ends_at)
    days: list[SheetDay] = []
    day = start.date()
    while day <= end.date():
        day_start = max(start, dt.datetime.combine(day, dt.time(0), zone))
        day_end = min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone))
        noon = dt.datetime.combine(day, NOON, zone)
        sheet = SheetDay(day)
        if day_start < min(day_end, noon):
            sheet.halves.append(HalfDay("am", day_start, min(day_end, noon)))
        if max(day_start, noon) < day_end:
            sheet.halves.append(HalfDay("pm", max(day_start, noon), day_end))
        if sheet.halves:
            days.append(sheet)
        day += dt.timedelta(days=1)
    return days


def _organisation() -> str:
    from pilotage.people.models import OrgUnit

    root = OrgUnit.objects.filter(depth=0).order_by("pk").first()
    return root.name if root else ""


def _place(session: Session) -> str:
    if session.kind == Session.Kind.VIRTUAL:
        return session.virtual_link or session.cohort.virtual_link
    parts = [session.room, session.address or session.cohort.location]
    return " — ".join(p for p in parts if p)


def sign_in_sheet_context(session: Session) -> dict[str, Any]:
    cohort = session.cohort
    rows = []
    for row in attendance_rows(session):
        status = row.status
        rows.append(
            {
                "name": f"{row.enrolment.employee.last_name.upper()} {row.enrolment.employee.first_name}",
                "absent": status in ABSENT_STATUSES,
                "status": row.attendance.get_status_display() if row.attendance else "",
            }
        )
    facilitators = list({u.pk: u for u in [*session.facilitators.all(), *cohort.facilitators.all()]}.values())
    return {
        "session": session,
        "cohort": cohort,
        "programme": cohort.path.programme,
        "path": cohort.path,
        "days": half_days(session),
        "rows": rows,
        "facilitators": facilitators,
        "place": _place(session),
        "organisation": _organisation(),
        "starts": local(session, session.starts_at),
        "ends": local(session, session.ends_at),
        "generated_at": timezone.now(),
    }


def sign_in_sheet_html(session: Session) -> str:
    with translation.override(_language(session.cohort.language)):
        return render_to_string("delivery/attendance/sign_in_sheet_pdf.html", sign_in_sheet_context(session))


def sign_in_sheet_pdf(session: Session) -> bytes:
    import weasyprint

    return bytes(weasyprint.HTML(string=sign_in_sheet_html(session)).write_pdf())


def sign_in_sheet_filename(session: Session) -> str:
    day = local(session, session.starts_at).date().isoformat()
    return f"emargement-{session.cohort.code}-{day}-{session.pk}.pdf"


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    enrolment = certificate.enrolment
    cohort = enrolment.cohort
    first = enrolment.started_at.date() if enrolment.started_at else cohort.starts_on
    last = enrolment.completed_at.date() if enrolment.completed_at else cohort.ends_on
    return {
        "certificate": certificate,
        "enrolment": enrolment,
        "employee": enrolment.employee,
        "cohort": cohort,
        "path": cohort.path,
        "programme": cohort.path.programme,
        "first_day": min(first, last),
        "last_day": last,
        "organisation": _organisation(),
    }


def certificate_html(certificate: Certificate) -> str:
    with translation.override(_language(certificate.enrolment.employee.language)):
        return render_to_string("delivery/attendance/certificate_pdf.html", certificate_context(certificate))


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate of completion as a PDF (A4 portrait), in the learner's language."""
    import weasyprint

    return bytes(weasyprint.HTML(string=certificate_html(certificate)).write_pdf())


def certificate_filename(certificate: Certificate) -> str:
    employee = certificate.enrolment.employee
    return f"certificat-{certificate.number}-{slugify(employee.last_name)}.pdf"
