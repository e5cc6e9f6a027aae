"""Exports of the people list (CSV, XLSX): the user's scope and the list page's filters,
protected against formula injection. The columns are the import's default names, so an
export can be edited and imported back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from pilotage.core.formulas import safe_cell
from pilotage.people import queries
from pilotage.people.models import Employee

COLUMNS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "manager_number",
    "org_unit_code",
    "org_unit_name",
    "site_code",
    "job_role_code",
    "job_role_name",
    "hire_date",
    "language",
    "active",
)
CHUNK = 2000


def filtered_employee_list(*, user: Any, params: QueryDict) -> QuerySet[Employee]:
    """The people of the list page for this query string, in name order."""
    return queries.employee_search(user=user, params=params).order_by("last_name", "first_name", "pk")


def row_values(e: Employee) -> list[Any]:
    return [
        e.employee_number,
        e.first_name,
        e.last_name,
        e.email,
        e.manager.employee_number if e.manager_id and e.manager else "",
        e.org_unit.code if e.org_unit_id and e.org_unit else "",
        e.org_unit.name if e.org_unit_id and e.org_unit else "",
        e.site.code if e.site_id and e.site else "",
        e.job_role.code if e.job_role_id and e.job_role else "",
        e.job_role.name if e.job_role_id and e.job_role else "",
        e.hire_date,
        e.language,
        1 if e.active else 0,
    ]


class _Echo:
    """A file-like object whose write returns the line, for streaming with csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_stream(qs: QuerySet[Employee]) -> Iterator[str]:
    """UTF-8 CSV lines (with a BOM so that Excel reads accents), one query chunk at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for e in qs.iterator(chunk_size=CHUNK):
        values = row_values(e)
        yield writer.writerow([safe_cell(v.isoformat() if isinstance(v, dt.date) else v) for v in values])


def xlsx_bytes(qs: QuerySet[Employee]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("people")
    sheet.append(list(COLUMNS))
    for e in qs.iterator(chunk_size=CHUNK):
        sheet.append([safe_cell(v) for v in row_values(e)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(extension: str) -> str:
    return f"people-{timezone.localdate():%Y-%m-%d}.{extension}"
