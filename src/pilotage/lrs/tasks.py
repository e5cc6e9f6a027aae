"""Background work of the LRS: the LMS import's dry run and write.

Tasks take ids only (JSON arguments), are enqueued on commit by the services in
``lms_import.py``, and report their progress on the ``core.Job`` they were given.
"""

from __future__ import annotations

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext

from pilotage.core.jobs import job_finish, job_run_step
from pilotage.lrs import lms_import


def _result_url(import_id: int) -> str:
    return reverse("lrs:lms_import_detail", args=[import_id])


@task()
def lms_import_validate_task(import_id: int, job_id: int) -> dict[str, int]:
    """The dry run of an uploaded LMS report."""
    report = job_run_step(
        job_id,
        lambda progress: lms_import.lms_import_validate(import_id=import_id, progress=progress),
        start_message=gettext("Reading the file"),
        result_url=_result_url(import_id),
        failure_message=gettext("The check failed: %(error)s"),
    )
    if report is None:  # the file cannot be read: the import page says why
        return {"errors": 1}
    summary = report.summary()
    job_finish(
        job_id,
        result={"url": _result_url(import_id), "rows": summary["rows"], "errors": summary["errors"]},
        message=gettext("%(rows)s lines checked, %(bad)s with errors")
        % {"rows": summary["rows"], "bad": summary["bad_rows"]},
    )
    return {"rows": summary["rows"], "errors": summary["errors"]}


@task()
def lms_import_apply_task(import_id: int, job_id: int, only_valid: bool) -> dict[str, int]:
    """The write of a checked LMS report (everything, or only the valid lines)."""
    result = job_run_step(
        job_id,
        lambda progress: lms_import.lms_import_apply(import_id=import_id, only_valid=only_valid, progress=progress),
        start_message=gettext("Importing"),
        result_url=_result_url(import_id),
        failure_message=gettext("The import failed, nothing was written: %(error)s"),
    )
    if result is None:  # refused (lines with errors): nothing written; the report says why
        return {"imported": 0}
    job_finish(
        job_id,
        result={"url": _result_url(import_id), **result},
        message=gettext(
            "%(imported)s statements stored, %(already_imported)s already imported, %(skipped)s lines skipped"
        )
        % result,
    )
    return result


@task()
def lrs_recompute_task(job_id: int) -> dict[str, int]:
    """Rebuild the projections from the statements (recompute.py)."""
    from pilotage.lrs.recompute import recompute_projections

    url = reverse("lrs:agent_unmatched")
    result = job_run_step(
        job_id,
        lambda progress: recompute_projections(progress=progress),
        start_message=gettext("Emptying the projections"),
        result_url=url,
        failure_message=gettext("The rebuild failed: %(error)s"),
    )
    result = result or {"statements": 0, "projections": 0}
    job_finish(
        job_id,
        result={"url": url, **result},
        message=gettext("%(statements)s statements replayed") % result,
    )
    return result
