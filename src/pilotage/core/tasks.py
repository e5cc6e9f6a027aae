"""Background work of core: a periodic job claimed by ``pilotage tick --via-worker`` runs here,
in the task worker."""

from __future__ import annotations

from django.tasks import task

from pilotage.core import schedule


@task()
def periodic_job_task(name: str) -> str:
    """Run the periodic job ``name`` (claimed already: its period is taken) in the worker."""
    return schedule.execute(name)
