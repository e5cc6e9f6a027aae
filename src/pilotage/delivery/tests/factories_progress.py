"""Test data of the progress part, written with the models directly (the enrolment services
are written in parallel): a programme, a path of steps, a cohort, enrolments, statements."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from django.utils import timezone

from pilotage.delivery import xapi
from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.lrs.services import statement_store
from pilotage.programmes import paths
from pilotage.programmes.models import LearningPath, PathStep, Programme

_n = itertools.count(1)


def programme(**kw: Any) -> Programme:
    n = next(_n)
    return Programme.objects.create(code=kw.pop("code", f"PRG-PG-{n}"), title=kw.pop("title", f"Programme {n}"), **kw)


def path(prog: Programme | None = None, *, steps: int = 3, **kw: Any) -> LearningPath:
    lp = LearningPath.objects.create(programme=prog or programme(), title=kw.pop("title", "Parcours"), **kw)
    for i in range(steps):
        uid = uuid.uuid4()
        PathStep.objects.create(
            uid=uid,
            path=lp,
            position=i,
            kind="quiz" if i == steps - 1 else "elearning",
            title=f"Step {i + 1}",
            url="https://lms.example/m",
            activity_iri=paths.step_iri(uid),
        )
    return lp


def cohort(lp: LearningPath | None = None, **kw: Any) -> Cohort:
    n = next(_n)
    today = timezone.localdate()
    return Cohort.objects.create(
        path=lp or path(),
        code=kw.pop("code", f"COH-{n}"),
        title=kw.pop("title", f"Cohort {n}"),
        starts_on=kw.pop("starts_on", today - dt.timedelta(days=10)),
        ends_on=kw.pop("ends_on", today + dt.timedelta(days=30)),
        **kw,
    )


def enrol(coh: Cohort, employee: Any, **kw: Any) -> Enrolment:
    return Enrolment.objects.create(cohort=coh, employee=employee, **kw)


def session(coh: Cohort, *, starts_in: dt.timedelta, **kw: Any) -> Session:
    start = timezone.now() + starts_in
    return Session.objects.create(
        cohort=coh, title=kw.pop("title", "Atelier"), starts_at=start, ends_at=start + dt.timedelta(hours=3), **kw
    )


def steps_of(lp: LearningPath) -> list[PathStep]:
    return list(lp.steps.order_by("position", "id"))


def statement(
    employee: Any,
    verb: str,
    object_iri: str,
    *,
    registration: Any = None,
    when: dt.datetime | None = None,
    result: dict[str, Any] | None = None,
    parent: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": xapi.employee_actor(employee),
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": object_iri},
        "timestamp": (when or timezone.now()).isoformat(),
    }
    context: dict[str, Any] = {}
    if registration is not None:
        context["registration"] = str(registration)
    if parent:
        context["contextActivities"] = {"parent": [{"id": parent}]}
    if context:
        out["context"] = context
    if result:
        out["result"] = result
    return out


def store(*statements: dict[str, Any]) -> list[str]:
    return statement_store(statements=list(statements), client=None, version="1.0.3")
