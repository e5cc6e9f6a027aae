"""Certificates of completion ("certificats de réalisation"), numbered once per enrolment
(decision 0031).

A completed enrolment gets its certificate the first time one is asked for (the learner in the
portal, the team, a facilitator): ``certificate_issue`` numbers it ``CR-<year>-<00001>`` in the
order of issue, and records the hours of training it certifies, which do not change afterwards.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.delivery.models import Attendance, Certificate, Enrolment, Session, StepProgress
from pilotage.delivery.services_attendance import ATTENDED

NUMBER_PREFIX = "CR"
ATTEMPTS = 5


def certified_hours(enrolment: Enrolment) -> decimal.Decimal:
    """Hours the certificate states: the sessions the learner attended (present or late), plus
    the estimated duration of the completed steps that are not run as sessions of the cohort."""
    attended = Attendance.objects.filter(enrolment=enrolment, status__in=ATTENDED).select_related("session")
    seconds = sum((a.session.ends_at - a.session.starts_at).total_seconds() for a in attended)
    session_steps = set(
        Session.objects.filter(cohort_id=enrolment.cohort_id, step__isnull=False).values_list("step_id", flat=True)
    )
    minutes = sum(
        StepProgress.objects.filter(enrolment=enrolment, status=StepProgress.Status.COMPLETED)
        .exclude(step_id__in=session_steps)
        .values_list("step__duration_minutes", flat=True)
    )
    hours = decimal.Decimal(seconds / 3600 + minutes / 60)
    return hours.quantize(decimal.Decimal("0.01"))


def _next_number(year: int) -> str:
    prefix = f"{NUMBER_PREFIX}-{year}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


def certificate_issue(*, actor: Any, enrolment: Enrolment) -> Certificate:
    """The certificate of a completed enrolment, created and numbered the first time; the same
    one afterwards. Two concurrent first requests end with one certificate: the loser of the
    race on the number (unique) or on the enrolment (one-to-one) reads the winner's."""
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise ValidationFailed(
            {
                "enrolment": [
                    _("Only a completed enrolment has a certificate of completion; this one is “%(status)s”.")
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    enrolment=enrolment,
                    number=_next_number(timezone.localdate().year),
                    issued_at=timezone.now(),
                    hours=certified_hours(enrolment),
                )
                audit_record(
                    actor=actor,
                    action="certificate.issue",
                    instance=certificate,
                    changes={"enrolment": enrolment.pk, "hours": str(certificate.hours)},
                )
                return certificate
        except IntegrityError:
            existing = Certificate.objects.filter(enrolment=enrolment).first()
            if existing is not None:
                return existing
    raise ValidationFailed({"enrolment": [_("The certificate could not be numbered: please try again.")]})


def certificates_of(enrolments: Any) -> dict[int, Certificate]:
    """Certificates already issued for ``enrolments`` (ids or a queryset), by enrolment id."""
    return {c.enrolment_id: c for c in Certificate.objects.filter(Q(enrolment_id__in=enrolments))}
