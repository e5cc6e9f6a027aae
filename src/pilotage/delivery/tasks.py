"""Background work of the delivery domain: the bulk enrolment of an audience.

Tasks take ids only (JSON arguments), are enqueued on commit by
``services_enrolments.enrol_audience_start``, and report their progress on the ``core.Job``
they were given (the bulk page and ``/jobs/<id>/`` show it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext

from pilotage.core.jobs import job_finish, job_run_step
from pilotage.delivery import services_enrolments
from pilotage.delivery.models import Cohort
from pilotage.people.models import User
from pilotage.strategy.models import TrainingRequest


@task()
def enrol_members_task(
    *,
    job_id: int,
    cohort_id: int,
    employee_ids: list[int],
    actor_id: int | None,
    source: str,
    due_on: str | None,
    request_id: int | None,
    note: str,
) -> dict[str, int]:
    """Enrol the members of a confirmed bulk preview, chunk by chunk, moving the job's bar."""
    cohort = Cohort.objects.select_related("path__programme").get(pk=cohort_id)
    actor: Any = User.objects.filter(pk=actor_id).first() if actor_id else None
    request = TrainingRequest.objects.filter(pk=request_id).first() if request_id else None
    url = reverse("delivery:cohort_detail", args=[cohort_id])
    result = job_run_step(
        job_id,
        lambda progress: services_enrolments.enrol_members(
            actor=actor,
            cohort=cohort,
            employee_ids=employee_ids,
            source=source,
            due_on=dt.date.fromisoformat(due_on) if due_on else None,
            request=request,
            note=note,
            progress=progress,
        ),
        start_message=gettext("Enrolling"),
        result_url=url,
        failure_message=gettext("The enrolment stopped: %(error)s (the chunks already written are kept)"),
    )
    if result is None:
        return {"seated": 0, "waitlisted": 0, "skipped": 0}
    counts = {k: result[k] for k in ("seated", "waitlisted", "skipped")}
    job_finish(
        job_id,
        result={"url": url, **counts},
        message=gettext("%(seated)d enrolled, %(waitlisted)d on the waitlist, %(skipped)d skipped (enrolled meanwhile)")
        % counts,
    )
    return counts
