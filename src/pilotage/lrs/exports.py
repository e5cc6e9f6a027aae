"""Statement exports: CSV (flattened columns, formula-injection safe) and JSON Lines (each
statement as stored), streamed in keyset chunks so that 200,000 rows never sit in memory and
no database cursor stays open between chunks."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation

from pilotage.core.formulas import safe_cell
from pilotage.lrs import selectors
from pilotage.lrs.models import Statement

CHUNK = 2000
COLUMNS = (
    "stored",
    "timestamp",
    "actor_name",
    "actor_ifi",
    "employee_number",
    "verb",
    "verb_iri",
    "activity_id",
    "activity_name",
    "score_scaled",
    "score_raw",
    "success",
    "completion",
    "duration",
    "registration",
    "voided",
    "statement_id",
)


def chunks(qs: QuerySet[Statement], *, size: int = CHUNK) -> Iterator[list[Statement]]:
    """``qs`` newest first, ``size`` rows per query (keyset on id)."""
    qs = qs.order_by("-id")
    last: int | None = None
    while True:
        page = qs.filter(id__lt=last) if last is not None else qs
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = rows[-1].pk


class _Echo:
    """A file-like object whose write returns the line, for streaming with csv.writer."""

    def write(self, value: str) -> str:
        return value


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return value


def csv_row(statement: Statement) -> list[Any]:
    flat = selectors.statement_flat(statement)
    values = [
        flat["stored"],
        flat["timestamp"],
        flat["actor_name"],
        flat["actor_ifi"],
        flat["employee_number"],
        flat["verb"],
        flat["verb_iri"],
        flat["activity_iri"],
        flat["activity"],
        flat["score_scaled"],
        flat["score_raw"],
        flat["success"],
        flat["completion"],
        flat["duration"],
        flat["registration"],
        flat["voided"],
        str(statement.statement_id),
    ]
    return [safe_cell(_text(v)) for v in values]


def csv_stream(qs: QuerySet[Statement], *, language: str | None = None) -> Iterator[str]:
    """UTF-8 CSV (with a BOM so that Excel reads accents); names in ``language`` (the
    request's: the stream is consumed after the view returned)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for rows in chunks(selectors.with_labels(qs)):
        with translation.override(language):
            yield "".join(writer.writerow(csv_row(s)) for s in rows)


def jsonl_stream(qs: QuerySet[Statement]) -> Iterator[str]:
    """One stored statement per line."""
    for rows in chunks(qs.only("id", "payload")):
        yield "".join(json.dumps(s.payload, ensure_ascii=False, separators=(",", ":")) + "\n" for s in rows)


def filename(extension: str) -> str:
    return f"statements-{timezone.localdate():%Y-%m-%d}.{extension}"
