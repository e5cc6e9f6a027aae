"""Rebuild the projections from the statements: ``pilotage lrs-recompute`` and its task.

Every handler registered with a ``reset`` is emptied, then every statement that is not
voided is replayed through those handlers in storage order, in batches of its own
transaction. Statements stored meanwhile are projected by ingestion as usual and not
replayed (the replay stops at the last statement present when it started); the LRS's merges
are order-free (earliest, latest, maximum, sums), so both add up. Until the replay ends the
projections are incomplete: run it when learner numbers look wrong (a learner moved to
another org unit, a projection added by a new app), not routinely.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from pilotage.core.audit import audit_record
from pilotage.core.jobs import enqueue_on_commit, job_create
from pilotage.core.models import Job
from pilotage.core.progress import Progress
from pilotage.lrs import eras, projections
from pilotage.lrs.models import Statement

BATCH_SIZE = 5000


def recompute_projections(*, progress: Progress | None = None, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    names = {name for name, _reset in projections.resets()}
    with transaction.atomic():
        for _name, reset in projections.resets():
            reset()
        last = eras.last_id()
    live = Statement.objects.filter(pk__lte=last, voided=False)
    total = live.count()
    done, after = 0, 0
    if progress:
        progress(0, total, gettext("Replaying the statements"))
    while True:
        window = list(live.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not window:
            break
        with transaction.atomic():
            batch = projections.stored_statements(live.filter(pk__gt=after, pk__lte=window[-1]).order_by("pk"))
            projections.run(projections.Batch(statements=batch), only=names)
        after = window[-1]
        done += len(batch)
        if progress:
            progress(done, total, gettext("%(done)s of %(total)s statements") % {"done": done, "total": total})
    return {"statements": done, "projections": len(names)}


@transaction.atomic
def recompute_request(*, actor: Any) -> Job:
    """Start a recompute in the task worker (the DLM's button); one at a time."""
    running = Job.objects.filter(kind="lrs_recompute", status__in=[Job.Status.PENDING, Job.Status.RUNNING]).first()
    if running is not None:
        return running
    from pilotage.lrs.tasks import lrs_recompute_task

    job = job_create(kind="lrs_recompute", label=gettext("Rebuilding learner progress and daily counts"), user=actor)
    audit_record(actor=actor, action="recompute", instance=job)
    enqueue_on_commit(lrs_recompute_task, job.pk)
    return job


def latest_recompute() -> Job | None:
    return Job.objects.filter(kind="lrs_recompute").order_by("-created_at", "-id").first()
