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
from pilotage.lrs import eras, selectors
from pilotage.lrs.models import Activity, Agent, Statement, Verb

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


def id_chunks(qs: QuerySet[Statement], *, size: int = CHUNK) -> Iterator[list[int]]:
    """The ids of ``qs`` newest first, ``size`` per query (keyset on id). Rows are then read
    by primary key: a filtered, joined ``ORDER BY id DESC LIMIT`` would make SQLite sort the
    whole match for every chunk."""
    id_qs = qs.values_list("id", flat=True)
    high = eras.last_id()
    while True:
        ids = eras.walk(id_qs, limit=size, high=high)  # era by era: lrs.eras
        if not ids:
            return
        yield ids
        if len(ids) < size:
            return
        high = ids[-1] - 1


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


class _Labels:
    """Names of agents, verbs and activities, read once per export (not once per row: a
    verb's display or an activity's definition would be decoded 200,000 times)."""

    def __init__(self) -> None:
        self.verbs = {v.pk: (v.iri, selectors.verb_label(v)) for v in Verb.objects.all()}
        self.activities: dict[int, tuple[str, str]] = {}
        self.agents: dict[int, tuple[str, str, str]] = {}

    def load(self, rows: list[tuple[Any, ...]]) -> None:
        activity_ids = {r[6] for r in rows if r[6] is not None} - set(self.activities)
        for activity in Activity.objects.filter(pk__in=activity_ids):
            self.activities[activity.pk] = (activity.iri, selectors.activity_name(activity))
        agent_ids = {r[4] for r in rows if r[4] is not None} - set(self.agents)
        for agent in Agent.objects.filter(pk__in=agent_ids).select_related("employee"):
            number = agent.employee.employee_number if agent.employee_id and agent.employee else ""
            self.agents[agent.pk] = (selectors.agent_label(agent), agent.ifi, number)
        missing_verbs = {r[5] for r in rows} - set(self.verbs)
        for verb in Verb.objects.filter(pk__in=missing_verbs):
            self.verbs[verb.pk] = (verb.iri, selectors.verb_label(verb))


ROW_FIELDS = (
    "id",
    "statement_id",
    "stored",
    "timestamp",
    "actor_id",
    "verb_id",
    "activity_id",
    "registration",
    "voided",
    "payload",
)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def csv_row(row: tuple[Any, ...], labels: _Labels) -> list[Any]:
    """One CSV line from a ``ROW_FIELDS`` tuple."""
    _pk, statement_id, stored, timestamp, actor_id, verb_id, activity_id, registration, voided, payload = row
    payload = _dict(payload)
    result = _dict(payload.get("result"))
    score = _dict(result.get("score"))
    actor_name, actor_ifi, number = labels.agents.get(actor_id, ("", "", "")) if actor_id else ("", "", "")
    verb_iri, verb = labels.verbs[verb_id]
    if activity_id is not None:
        activity_iri, activity = labels.activities[activity_id]
    else:
        obj = _dict(payload.get("object"))
        activity_iri = activity = str(obj.get("id") or obj.get("objectType") or "")
    values = [
        stored,
        timestamp,
        actor_name,
        actor_ifi,
        number,
        verb,
        verb_iri,
        activity_iri,
        activity,
        score.get("scaled"),
        score.get("raw"),
        result.get("success"),
        result.get("completion"),
        result.get("duration"),
        registration or "",
        voided,
        str(statement_id),
    ]
    return [safe_cell(_text(v)) for v in values]


def csv_stream(qs: QuerySet[Statement], *, language: str | None = None) -> Iterator[str]:
    """UTF-8 CSV (with a BOM so that Excel reads accents); names in ``language`` (the
    request's: the stream is consumed after the view returned)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    with translation.override(language):
        labels = _Labels()
    for ids in id_chunks(qs):
        rows = list(Statement.objects.filter(id__in=ids).order_by("-id").values_list(*ROW_FIELDS))
        with translation.override(language):
            labels.load(rows)
        yield "".join(writer.writerow(csv_row(r, labels)) for r in rows)


def jsonl_stream(qs: QuerySet[Statement]) -> Iterator[str]:
    """One stored statement per line."""
    for ids in id_chunks(qs):
        rows = Statement.objects.filter(id__in=ids).order_by("-id").values_list("payload", flat=True)
        yield "".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n" for p in rows)


def filename(extension: str) -> str:
    return f"statements-{timezone.localdate():%Y-%m-%d}.{extension}"
