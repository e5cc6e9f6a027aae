"""Test factories of the surveys: delivery data made with the models directly (the delivery
services are written in parallel), surveys through the surveys services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from pilotage.delivery.models import Attendance, Cohort, Enrolment, Session
from pilotage.programmes import services_paths, services_programmes
from pilotage.surveys import services
from pilotage.surveys.models import DispatchRule, Invitation, Survey

_counter = itertools.count(1)


def make_programme(*, sponsor: Any = None, title: str = "Négocier avec les acheteurs") -> Any:
    programme = services_programmes.programme_create(actor="system", title=title, sponsor=sponsor)
    path = services_paths.path_create(actor="system", programme=programme, title=f"{title} — parcours")
    services_paths.step_create(actor="system", path=path, kind="in_person", title="Atelier")
    return programme


def make_cohort(*, programme: Any, facilitators: tuple[Any, ...] = ()) -> Cohort:
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        path=programme.paths.first(),
        code=f"SRV-{next(_counter):04d}",
        title="Cohorte de printemps",
        starts_on=today - dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=10),
        status=Cohort.Status.RUNNING,
    )
    cohort.facilitators.set(facilitators)
    return cohort


def make_session(
    *, cohort: Cohort, held: bool = True, days_ago: int = 1, facilitators: tuple[Any, ...] = ()
) -> Session:
    end = timezone.now().replace(microsecond=0) - dt.timedelta(days=days_ago)
    session = Session.objects.create(
        cohort=cohort,
        step=cohort.path.steps.first(),
        title="Atelier 1",
        starts_at=end - dt.timedelta(hours=3),
        ends_at=end,
        status=Session.Status.HELD if held else Session.Status.SCHEDULED,
    )
    session.facilitators.set(facilitators)
    return session


def enrol(*, cohort: Cohort, employee: Any, status: str = Enrolment.Status.ACTIVE, **kw: Any) -> Enrolment:
    return Enrolment.objects.create(cohort=cohort, employee=employee, status=status, **kw)


def mark(*, session: Session, enrolment: Enrolment, status: str = Attendance.Status.PRESENT) -> Attendance:
    return Attendance.objects.create(session=session, enrolment=enrolment, status=status)


def hot_survey(*, programme: Any, anonymous: bool | None = None) -> Survey:
    """The hot template copied into ``programme`` and published."""
    services.templates_ensure(actor="test")
    template = Survey.objects.get(is_template=True, kind=Survey.Kind.HOT)
    survey = services.survey_copy(actor="test", survey=template, programme=programme)
    if anonymous is not None:
        services.survey_update(actor="test", survey=survey, anonymous=anonymous)
    return services.survey_publish(actor="test", survey=survey)


def make_survey(
    *,
    programme: Any = None,
    kinds: tuple[str, ...] = ("likert", "nps", "single", "multiple", "text"),
    anonymous: bool = False,
) -> Survey:
    """A published survey with one question of each kind given (choices a/b/c)."""
    survey = services.survey_create(
        actor="test", kind="hot", title_fr="Enquête", title_en="Survey", programme=programme, anonymous=anonymous
    )
    choices = [{"value": v, "fr": f"Choix {v}", "en": f"Choice {v}"} for v in ("a", "b", "c")]
    for kind in kinds:
        services.question_create(
            actor="test",
            survey=survey,
            kind=kind,
            text_fr=f"Question {kind}",
            text_en=f"Question {kind} (en)",
            choices=choices if kind in ("single", "multiple") else None,
            required=kind != "text",
            measure="satisfaction" if kind == "likert" else "",
        )
    return services.survey_publish(actor="test", survey=survey)


def invite(
    *,
    survey: Survey,
    enrolment: Enrolment,
    respondent: Any = None,
    session: Session | None = None,
    role: str = "learner",
) -> Invitation:
    return Invitation.objects.create(
        key=f"test:{next(_counter)}",
        survey=survey,
        respondent=respondent or enrolment.employee,
        role=role,
        enrolment=enrolment,
        session=session,
        closes_at=timezone.now() + dt.timedelta(days=20),
    )


def rule(*, programme: Any, survey: Survey, **kw: Any) -> DispatchRule:
    return services.rule_create(
        actor="test", programme=programme, survey=survey, trigger=kw.pop("trigger", "after_session"), **kw
    )
