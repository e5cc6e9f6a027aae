"""Test factories of part "cohorts": a programme with a path, a cohort, sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from pilotage.delivery.models import Cohort, Session
from pilotage.programmes import services_paths, services_programmes


def make_path(*, actor: Any = "system", title: str = "Négociation", sponsor: Any = None, audiences: Any = ()) -> Any:
    programme = services_programmes.programme_create(actor=actor, title=title, sponsor=sponsor, audiences=audiences)
    path = services_paths.path_create(actor=actor, programme=programme, title=f"{title} — parcours")
    services_paths.step_create(actor=actor, path=path, kind="in_person", title="Atelier")
    return path


_counter = iter(range(1, 100_000))


def make_cohort(*, path: Any = None, capacity: int | None = None, status: str = "open", **kw: Any) -> Cohort:
    path = path or make_path()
    start = kw.pop("starts_on", timezone.localdate() + dt.timedelta(days=10))
    return Cohort.objects.create(
        path=path,
        code=f"COH-T-{next(_counter):04d}",
        title=kw.pop("title", "Session de printemps"),
        starts_on=start,
        ends_on=kw.pop("ends_on", start + dt.timedelta(days=30)),
        capacity=capacity,
        status=status,
        **kw,
    )


def make_session(*, cohort: Cohort, capacity: int | None = None, days: int = 12, **kw: Any) -> Session:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return Session.objects.create(
        cohort=cohort,
        title=kw.pop("title", "Atelier 1"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=capacity,
        **kw,
    )
