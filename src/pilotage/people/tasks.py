"""Background work of the people domain: the HRIS import's dry run and write.

Tasks take ids only (JSON arguments), are enqueued on commit by the services in
``imports.py``, and report their progress on the ``core.Job`` they were given.
"""

from __future__ import annotations

import logging

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext

from pilotage.core.errors import ValidationFailed
from pilotage.core.jobs import job_fail, job_finish, job_progress, job_start
from pilotage.people import imports

logger = logging.getLogger(__name__)


def _reporter(job_id: int) -> imports.Progress:
    def report(done: int, total: int, message: str) -> None:
        job_progress(job_id, done=done, total=total, message=message)

    return report


def _result_url(import_id: int) -> str:
    return reverse("people:import_detail", args=[import_id])


@task()
def people_import_validate_task(import_id: int, job_id: int) -> dict[str, int]:
    """The dry run of an uploaded HRIS file."""
    job_start(job_id, message=gettext("Reading the file"))
    try:
        report = imports.people_import_validate(import_id=import_id, progress=_reporter(job_id))
    except ValidationFailed as exc:
        # The file cannot be read: the import page says why.
        job_finish(job_id, result={"url": _result_url(import_id)}, message=exc.message)
        return {"errors": 1}
    except Exception as exc:
        logger.exception("People import %s: the check failed", import_id)
        job_fail(job_id, message=gettext("The check failed: %(error)s") % {"error": exc})
        raise
    summary = report.summary(deactivate_missing=False)
    job_finish(
        job_id,
        result={"url": _result_url(import_id), "rows": summary["rows"], "errors": summary["errors"]},
        message=gettext("%(rows)s rows checked, %(bad)s with errors")
        % {"rows": summary["rows"], "bad": summary["bad_rows"]},
    )
    return {"rows": summary["rows"], "errors": summary["errors"]}


@task()
def people_import_apply_task(import_id: int, job_id: int, only_valid: bool) -> dict[str, int]:
    """The write of a checked HRIS file (everything, or only the valid rows)."""
    job_start(job_id, message=gettext("Importing"))
    try:
        summary = imports.people_import_apply(import_id=import_id, only_valid=only_valid, progress=_reporter(job_id))
    except ValidationFailed as exc:
        # Refused (rows with errors): nothing written; the report on the import says why.
        job_finish(job_id, result={"url": _result_url(import_id)}, message=exc.message)
        return {"imported": 0}
    except Exception as exc:
        logger.exception("People import %s: the import failed", import_id)
        job_fail(job_id, message=gettext("The import failed, nothing was written: %(error)s") % {"error": exc})
        raise
    job_finish(
        job_id,
        result={"url": _result_url(import_id), **{k: v for k, v in summary.items() if isinstance(v, int)}},
        message=gettext("%(created)s created, %(updated)s updated, %(deactivated)s deactivated, %(skipped)s skipped")
        % summary,
    )
    return {k: v for k, v in summary.items() if isinstance(v, int)}
