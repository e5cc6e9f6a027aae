"""Test factories of part "portal": a path of three steps (an xAPI module, a quiz that needs it,
a document), an open cohort and the learner's enrolment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from pilotage.delivery.models import Cohort, DeliverySettings, Enrolment
from pilotage.programmes import services_paths, services_programmes
from pilotage.programmes.models import LearningPath, PathStep, Programme

_counter = iter(range(1, 100_000))


@dataclass
class Learning:
    programme: Programme
    path: LearningPath
    module: PathStep
    quiz: PathStep
    document: PathStep
    cohort: Cohort


def make_learning(*, title: str = "Négociation", capacity: int | None = None, **settings: Any) -> Learning:
    programme = services_programmes.programme_create(actor="system", title=title)
    path = services_paths.path_create(actor="system", programme=programme, title=f"{title} — parcours")
    module = services_paths.step_create(
        actor="system",
        path=path,
        kind="elearning",
        title="Module 1",
        url="https://content.example/m1/index.html?lang=fr",
    )
    quiz = services_paths.step_create(
        actor="system",
        path=path,
        kind="quiz",
        title="Quiz",
        url="https://content.example/quiz",
        prerequisites=[module.pk],
    )
    document = services_paths.step_create(
        actor="system", path=path, kind="document", title="Fiche", url="https://docs.example/fiche.pdf", mandatory=False
    )
    if settings:
        DeliverySettings.objects.update_or_create(programme=programme, defaults=settings)
        if "manager_approval" in settings:  # the programme's flag decides
            programme.requires_manager_approval = bool(settings["manager_approval"])
            programme.save(update_fields=["requires_manager_approval"])
    start = timezone.localdate() + dt.timedelta(days=3)
    cohort = Cohort.objects.create(
        path=path,
        code=f"COH-P-{next(_counter):04d}",
        title=f"{title} — printemps",
        starts_on=start,
        ends_on=start + dt.timedelta(days=60),
        capacity=capacity,
        status=Cohort.Status.OPEN,
    )
    return Learning(programme, path, module, quiz, document, cohort)


def enrol_directly(learning: Learning, employee: Any, *, status: str = "active", **kw: Any) -> Enrolment:
    return Enrolment.objects.create(cohort=learning.cohort, employee=employee, status=status, **kw)
