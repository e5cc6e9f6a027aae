"""Background jobs with visible progress.

A service creates a ``Job``; the task (which takes only ids) reports progress through
``job_progress`` — written in its own short transaction so that the UI sees it move.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pilotage.core.models import Job


def job_create(*, kind: str, label: str, user: Any = None, total: int = 0) -> Job:
    return Job.objects.create(
        kind=kind, label=label[:200], total=total, created_by=user if getattr(user, "is_authenticated", False) else None
    )


def job_start(job_id: int, *, total: int | None = None, message: str = "") -> None:
    fields: dict[str, Any] = {"status": Job.Status.RUNNING, "started_at": timezone.now(), "message": message}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def job_progress(job_id: int, *, done: int, total: int | None = None, message: str | None = None) -> None:
    fields: dict[str, Any] = {"done": done}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:500]
    Job.objects.filter(pk=job_id).update(**fields)


def job_finish(job_id: int, *, result: dict[str, Any] | None = None, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED, finished_at=timezone.now(), result=result or {}, message=message[:500]
    )


def job_fail(job_id: int, *, message: str) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, finished_at=timezone.now(), message=message[:500])


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a task once the surrounding transaction commits (ids only)."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
