"""The sign-in sheet by half-day and the certificate of completion: content, language, numbering,
hours, and who may download them."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.delivery import pdf, services_attendance, services_certificates
from pilotage.delivery.models import Certificate, Enrolment, StepProgress
from pilotage.delivery.tests.factories_attendance import PARIS, make_classroom, make_session

pytestmark = pytest.mark.django_db


def _hours(days: list[pdf.SheetDay]) -> list[tuple[str, str, str, str]]:
    return [
        (d.day.isoformat(), h.key, h.starts.strftime("%H:%M"), h.ends.strftime("%H:%M")) for d in days for h in d.halves
    ]


def test_half_days_of_a_full_day(cast: Any) -> None:
    room = make_classroom(cast, day=dt.date(2027, 3, 15))
    assert _hours(pdf.half_days(room.session)) == [
        ("2027-03-15", "am", "09:00", "13:00"),
        ("2027-03-15", "pm", "13:00", "17:00"),
    ]


def test_half_days_of_an_afternoon_and_of_two_days(cast: Any) -> None:
    room = make_classroom(cast, day=dt.date(2027, 3, 15))
    afternoon = make_session(room.cohort, day=dt.date(2027, 3, 16), start=dt.time(14), end=dt.time(17, 30))
    assert _hours(pdf.half_days(afternoon)) == [("2027-03-16", "pm", "14:00", "17:30")]
    two_days = make_session(room.cohort, day=dt.date(2027, 3, 17), start=dt.time(9, 30))
    two_days.ends_at = dt.datetime(2027, 3, 18, 12, 30, tzinfo=PARIS)
    assert _hours(pdf.half_days(two_days)) == [
        ("2027-03-17", "am", "09:30", "13:00"),
        ("2027-03-17", "pm", "13:00", "00:00"),
        ("2027-03-18", "am", "00:00", "12:30"),
    ]


def test_sign_in_sheet_lists_learners_hours_and_absences(cast: Any) -> None:
    room = make_classroom(cast)
    room.session.facilitators.add(cast.ld)
    services_attendance.attendance_record(
        actor=cast.facilitator, session=room.session, marks={room.enrolments["peer"].pk: "excused"}
    )
    html = pdf.sign_in_sheet_html(room.session)
    assert '<html lang="fr">' in html
    assert "PETIT Julie" in html and "ROUX Hugo" in html
    assert html.count('<td class="sign absent">') == 2  # Hugo, morning and afternoon
    assert html.count('<td class="sign"></td>') == 2 + 2 * 2  # Julie's two boxes, two facilitators × two
    assert "09:00–13:00" in html and "13:00–17:00" in html
    assert "Salle Tocqueville" in html and room.programme.title in html
    content = pdf.sign_in_sheet_pdf(room.session)
    assert content.startswith(b"%PDF")


def test_sign_in_sheet_follows_the_cohorts_language(cast: Any) -> None:
    room = make_classroom(cast, language="en")
    assert '<html lang="en">' in pdf.sign_in_sheet_html(room.session)


def _complete(enrolment: Enrolment) -> Enrolment:
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.COMPLETED, completed_at=timezone.now(), started_at=timezone.now() - dt.timedelta(days=5)
    )
    enrolment.refresh_from_db()
    return enrolment


def test_certificate_numbered_once_with_hours(cast: Any) -> None:
    room = make_classroom(cast)
    julie = room.enrolments["learner"]
    services_attendance.attendance_record(actor=cast.facilitator, session=room.session, marks={julie.pk: "present"})
    StepProgress.objects.update_or_create(
        enrolment=julie, step=room.module, defaults={"status": StepProgress.Status.COMPLETED}
    )
    _complete(julie)

    first = services_certificates.certificate_issue(actor=cast.facilitator, enrolment=julie)
    again = services_certificates.certificate_issue(actor=cast.learner, enrolment=julie)

    year = timezone.localdate().year
    assert first.pk == again.pk and first.number == f"CR-{year}-00001"
    # 8 hours of workshop attended + the 90-minute module (the workshop step counts once, as the session)
    assert first.hours == decimal.Decimal("9.50")
    hugo = _complete(room.enrolments["peer"])
    assert services_certificates.certificate_issue(actor=cast.dlm, enrolment=hugo).number == f"CR-{year}-00002"


def test_no_certificate_before_completion(cast: Any) -> None:
    room = make_classroom(cast)
    with pytest.raises(ValidationFailed) as caught:
        services_certificates.certificate_issue(actor=cast.dlm, enrolment=room.enrolments["learner"])
    assert "enrolment" in caught.value.errors
    assert not Certificate.objects.exists()


def test_certificate_in_the_learners_language(cast: Any) -> None:
    room = make_classroom(cast)
    julie = _complete(room.enrolments["learner"])  # French
    hugo = _complete(room.enrolments["peer"])  # English
    html_fr = pdf.certificate_html(services_certificates.certificate_issue(actor=cast.dlm, enrolment=julie))
    html_en = pdf.certificate_html(services_certificates.certificate_issue(actor=cast.dlm, enrolment=hugo))
    assert '<html lang="fr">' in html_fr and "Julie Petit" in html_fr
    assert '<html lang="en">' in html_en and "Certificate of completion" in html_en
    assert room.programme.title in html_en and room.path.title in html_en


def test_learner_downloads_own_certificate_not_a_peers(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    julie = _complete(room.enrolments["learner"])
    hugo = _complete(room.enrolments["peer"])
    client = login(cast.learner)
    response = client.get(reverse("delivery:certificate_pdf", args=[julie.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "certificat-CR-" in response["Content-Disposition"]
    assert client.get(reverse("delivery:certificate_pdf", args=[hugo.pk])).status_code == 404


def test_certificate_of_an_enrolment_in_progress_is_404(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    url = reverse("delivery:certificate_pdf", args=[room.enrolments["learner"].pk])
    assert login(cast.dlm).get(url).status_code == 404


def test_facilitator_downloads_sign_in_sheet_and_sees_cohort_papers(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    _complete(room.enrolments["learner"])
    client = login(cast.facilitator)
    response = client.get(reverse("delivery:sign_in_sheet", args=[room.session.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    page = client.get(reverse("delivery:cohort_papers", args=[room.cohort.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("delivery:sign_in_sheet", args=[room.session.pk]) in html
    assert reverse("delivery:certificate_pdf", args=[room.enrolments["learner"].pk]) in html
    assert reverse("delivery:certificate_pdf", args=[room.enrolments["peer"].pk]) not in html


def test_api_pdfs(cast: Any, login: Any) -> None:
    room = make_classroom(cast)
    julie = _complete(room.enrolments["learner"])
    client = login(cast.facilitator)
    sheet = client.get(reverse("api:session_sign_in_sheet", kwargs={"session_id": room.session.pk}))
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    certificate = login(cast.learner).get(reverse("api:enrolment_certificate", kwargs={"enrolment_id": julie.pk}))
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF")
