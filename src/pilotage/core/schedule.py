"""Periodic jobs (reminders, survey dispatch…): a registry in core, filled by the apps.

An app registers in its ``AppConfig.ready``::

    from pilotage.core import schedule

    schedule.register("delivery.reminders", send_due_reminders, every_minutes=15)

``fn`` takes no argument and must be idempotent (it may run twice, on two workers, or late):
each job keeps its own "already done" keys. The runner (``run_due``) is called by
``pilotage tick`` (cron) and by the loop ``pilotage run`` starts beside the worker.

Last runs are remembered in the database, one ``core.Job`` row per periodic job (kind
``schedule:<name>``; ``started_at`` = the last claim). A run is claimed by an atomic
conditional update (``started_at`` older than the interval → now): of two ticks at the same
moment, on two machines, one runs the job (decision 0033). A job that raises is logged and
recorded as failed on its row; the other jobs still run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


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


def _row(job: Periodic) -> Any:
    from pilotage.core.models import Job

    row = Job.objects.filter(kind=f"schedule:{job.name}").order_by("id").first()
    if row is None:
        # Never run: a claim far in the past, so the first tick runs it.
        row = Job.objects.create(
            kind=f"schedule:{job.name}",
            label=job.name[:200],
            status=Job.Status.SUCCEEDED,
            started_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        )
    return row


def claim(job: Periodic, *, now: dt.datetime | None = None, force: bool = False) -> bool:
    """Take the run of ``job`` if it is due (or ``force``): one conditional UPDATE, so two
    processes never both win the same period."""
    from django.utils import timezone

    from pilotage.core.models import Job

    now = now or timezone.now()
    qs = Job.objects.filter(pk=_row(job).pk)
    if not force:
        qs = qs.filter(started_at__lte=now - dt.timedelta(minutes=job.every_minutes))
    return bool(qs.update(started_at=now, status=Job.Status.RUNNING, message=""))


def execute(name: str) -> str:
    """Run the registered job ``name`` now and record the outcome on its row: "ran" or "failed"
    (a failing job is logged, never raised: the others still run)."""
    from django.utils import timezone

    from pilotage.core.models import Job

    job = _JOBS.get(name)
    if job is None:
        logger.error("Periodic job %s is not registered in this process", name)
        return "failed"
    row = Job.objects.filter(kind=f"schedule:{job.name}")
    try:
        result = job.fn()
    except Exception as exc:
        logger.exception("Periodic job %s failed", job.name)
        row.update(status=Job.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:500])
        return "failed"
    row.update(
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
        result=result if isinstance(result, dict) else {"result": str(result)[:200]},
    )
    return "ran"


def run_due(
    *,
    now: dt.datetime | None = None,
    force: bool = False,
    only: set[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    via_worker: bool = False,
) -> dict[str, str]:
    """Claim every registered job that is due and run it: here, or — ``via_worker`` — as a task
    of the task worker (``pilotage worker``), which then sends the e-mails. Returns
    ``{name: "ran" | "queued" | "not due" | "failed"}``."""
    todo = [job for job in jobs() if only is None or job.name in only]
    out: dict[str, str] = {}
    for i, job in enumerate(todo):
        if progress:
            progress(i, len(todo), job.name)
        if not claim(job, now=now, force=force):
            out[job.name] = "not due"
            continue
        if via_worker:
            from pilotage.core.tasks import periodic_job_task

            periodic_job_task.enqueue(job.name)
            out[job.name] = "queued"
        else:
            out[job.name] = execute(job.name)
    if progress:
        progress(len(todo), len(todo), "")
    return out
