"""Background jobs with visible progress.

A service creates a ``Job``; the task (which takes only ids) reports progress through
``job_progress`` — written in its own short transaction so that the UI sees it move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import Job

logger = logging.getLogger(__name__)


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


def job_reporter(job_id: int) -> Callable[[int, int, str], None]:
    """A service ``progress(done, total, message)`` callback that moves the job's bar."""

    def report(done: int, total: int, message: str) -> None:
        job_progress(job_id, done=done, total=total, message=message)

    return report


def job_run_step[T](
    job_id: int,
    work: Callable[[Callable[[int, int, str], None]], T],
    *,
    start_message: str,
    result_url: str,
    failure_message: str,
) -> T | None:
    """Run ``work(progress)`` as the job's step.

    A refusal the person can act on (``ValidationFailed``: unreadable file, bad lines)
    finishes the job with its message and a link to ``result_url``, and returns None; any
    other error fails the job with ``failure_message % {"error": ...}`` and is re-raised.
    On success the caller finishes the job with its own summary.
    """
    job_start(job_id, message=start_message)
    try:
        return work(job_reporter(job_id))
    except ValidationFailed as exc:
        job_finish(job_id, result={"url": result_url}, message=exc.message)
        return None
    except Exception as exc:
        logger.exception("Job %s failed", job_id)
        job_fail(job_id, message=failure_message % {"error": exc})
        raise
