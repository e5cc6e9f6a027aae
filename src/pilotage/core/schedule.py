"""Periodic jobs (reminders, survey dispatch…): a registry in core, filled by the apps.

An app registers in its ``AppConfig.ready``::

    from pilotage.core import schedule

    schedule.register("delivery.reminders", send_due_reminders, every_minutes=15)

``fn`` takes no argument and must be idempotent (it may run twice, on two workers, or late):
each job keeps its own "already done" keys. The runner (``run_due``) is called by
``pilotage tick`` (cron) and by the loop ``pilotage run`` starts beside the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    name: str
    fn: Callable[[], object]
    every_minutes: int


_JOBS: dict[str, Periodic] = {}


def register(name: str, fn: Callable[[], object], *, every_minutes: int = 15) -> None:
    _JOBS[name] = Periodic(name, fn, every_minutes)


def jobs() -> list[Periodic]:
    return sorted(_JOBS.values(), key=lambda job: job.name)
