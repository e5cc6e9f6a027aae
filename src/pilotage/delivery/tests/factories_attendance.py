"""Test factories of part "attendance": a programme with a path of two steps (an in-person
workshop and an e-learning module), a cohort facilitated by the cast's facilitator, a one-day
session of the workshop today, and seated enrolments made with the models directly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.programmes import services_paths, services_programmes
from pilotage.programmes.models import LearningPath, PathStep, Programme

_counter = iter(range(1, 100_000))
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Classroom:
    programme: Programme
    path: LearningPath
    workshop: PathStep
    module: PathStep
    cohort: Cohort
    session: Session
    enrolments: dict[str, Enrolment] = field(default_factory=dict)


def make_session(
    cohort: Cohort,
    *,
    day: dt.date | None = None,
    start: dt.time = dt.time(9),
    end: dt.time = dt.time(17),
    step: PathStep | None = None,
    facilitators: list[Any] | None = None,
    **kw: Any,
) -> Session:
    day = day or timezone.localdate()
    session = Session.objects.create(
        cohort=cohort,
        step=step,
        title=kw.pop("title", "Atelier de négociation"),
        kind=kw.pop("kind", Session.Kind.IN_PERSON),
        starts_at=dt.datetime.combine(day, start, PARIS),
        ends_at=dt.datetime.combine(day, end, PARIS),
        timezone="Europe/Paris",
        room=kw.pop("room", "Salle Tocqueville"),
        address=kw.pop("address", "1 parvis de la Défense, Paris"),
        **kw,
    )
    if facilitators:
        session.facilitators.set(facilitators)
    return session


def make_classroom(
    cast: Any,
    *,
    language: str = "fr",
    day: dt.date | None = None,
    learners: tuple[str, ...] = ("learner", "peer"),
    facilitate: bool = True,
    sponsor: Any = None,
) -> Classroom:
    n = next(_counter)
    programme = services_programmes.programme_create(actor="system", title=f"Négociation {n}")
    if sponsor is not None:
        Programme.objects.filter(pk=programme.pk).update(sponsor=sponsor)
        programme.refresh_from_db()
    path = services_paths.path_create(actor="test", programme=programme, title="Parcours négociation")
    workshop = services_paths.step_create(
        actor="test", path=path, kind="in_person", title="Atelier", duration_minutes=420
    )
    module = services_paths.step_create(
        actor="test", path=path, kind="elearning", title="Module", url="https://content.example/m", duration_minutes=90
    )
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        path=path,
        code=f"COH-A-{n:04d}",
        title=f"Négociation — session {n}",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=30),
        language=language,
        status=Cohort.Status.RUNNING,
        location="Paris La Défense",
    )
    if facilitate:
        cohort.facilitators.add(cast.facilitator)
    session = make_session(cohort, day=day, step=workshop)
    room = Classroom(programme, path, workshop, module, cohort, session)
    for name in learners:
        room.enrolments[name] = Enrolment.objects.create(cohort=cohort, employee=cast.employees[name], status="active")
    return room
