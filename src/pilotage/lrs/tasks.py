"""Background work of the LRS: the LMS import's dry run and write.

Tasks take ids only (JSON arguments), are enqueued on commit by the services in
``lms_import.py``, and report their progress on the ``core.Job`` they were given.
"""

from __future__ import annotations

import logging

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext

from pilotage.core.errors import ValidationFailed
from pilotage.core.jobs import job_fail, job_finish, job_progress, job_start
from pilotage.lrs import lms_import

logger = logging.getLogger(__name__)


def _reporter(job_id: int) -> lms_import.Progress:
    def report(done: int, total: int, message: str) -> None:
        job_progress(job_id, done=done, total=total, message=message)

    return report


def _result_url(import_id: int) -> str:
    return reverse("lrs:lms_import_detail", args=[import_id])


@task()
def lms_import_validate_task(import_id: int, job_id: int) -> dict[str, int]:
    """The dry run of an uploaded LMS report."""
    job_start(job_id, message=gettext("Reading the file"))
    try:
        report = lms_import.lms_import_validate(import_id=import_id, progress=_reporter(job_id))
    except ValidationFailed as exc:
        # The file cannot be read: the import page says why.
        job_finish(job_id, result={"url": _result_url(import_id)}, message=exc.message)
        return {"errors": 1}
    except Exception as exc:
        logger.exception("LMS import %s: the check failed", import_id)
        job_fail(job_id, message=gettext("The check failed: %(error)s") % {"error": exc})
        raise
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
    job_start(job_id, message=gettext("Importing"))
    try:
        result = lms_import.lms_import_apply(import_id=import_id, only_valid=only_valid, progress=_reporter(job_id))
    except ValidationFailed as exc:
        # Refused (lines with errors): nothing written; the report on the import says why.
        job_finish(job_id, result={"url": _result_url(import_id)}, message=exc.message)
        return {"imported": 0}
    except Exception as exc:
        logger.exception("LMS import %s: the import failed", import_id)
        job_fail(job_id, message=gettext("The import failed, nothing was written: %(error)s") % {"error": exc})
        raise
    job_finish(
        job_id,
        result={"url": _result_url(import_id), **result},
        message=gettext(
            "%(imported)s statements stored, %(already_imported)s already imported, %(skipped)s lines skipped"
        )
        % result,
    )
    return result
