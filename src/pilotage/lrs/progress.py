"""The LRS's own projections, registered first in ``LrsConfig.ready``:

- **learner progress** per (agent, activity, registration): first launch, last activity,
  completion, success, best score, time spent, statement count;
- **daily activity** counts per (day, activity, verb, org unit of the learner).

Both run inside the transaction of ``statement_store``. Each aggregates its batch in Python
by key, then writes one multi-row upsert (``INSERT ... ON CONFLICT DO UPDATE``) whose
``SET`` merges with the stored row in SQL (earliest / latest / maximum / sum). The same
text runs on SQLite (≥ 3.24) and PostgreSQL, costs one statement per batch whatever its
size, and needs no read first — so two concurrent batches touching the same key both count
(a read-merge-write in Python would lose one of them on PostgreSQL).

Voided statements are not taken back out of the projections: voiding is rare (a mistaken
statement), and undoing a maximum or an earliest date needs the other statements anyway.
A recompute command can rebuild the projections from the statements when needed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from pilotage.lrs import bulk, projections, validation
from pilotage.lrs.models import NO_REGISTRATION, DailyActivity, LearnerProgress, Verb
from pilotage.people.models import Employee

VERBS = "http://adlnet.gov/expapi/verbs/"
LAUNCH_VERBS = {VERBS + "launched", VERBS + "initialized", "http://adlnet.gov/expapi/verbs/attempted"}
COMPLETION_VERBS = {VERBS + "completed", VERBS + "passed"}
PASSED = VERBS + "passed"
FAILED = VERBS + "failed"


def _timestamp(payload: dict[str, Any]) -> dt.datetime:
    value = payload.get("timestamp") or payload["stored"]
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = validation.parse_timestamp(value, path="timestamp")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _score(result: dict[str, Any]) -> float | None:
    score = result.get("score")
    if not isinstance(score, dict):
        return None
    if isinstance(score.get("scaled"), int | float):
        return float(score["scaled"])
    raw, high = score.get("raw"), score.get("max")
    if isinstance(raw, int | float) and isinstance(high, int | float) and high > 0:
        return float(raw) / float(high)
    return None


def _duration(result: dict[str, Any]) -> float:
    value = result.get("duration")
    if not isinstance(value, str):
        return 0.0
    try:
        return validation.parse_duration(value, path="result.duration")
    except Exception:  # validated already; a duration we cannot add is not worth a 400 here
        return 0.0


@dataclass
class _Progress:
    employee_id: int | None
    first_launch: dt.datetime | None = None
    last_activity: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    success: bool | None = None
    best_score: float | None = None
    time_spent: float = 0.0
    count: int = 0


def _earliest(column: str) -> str:
    return (
        f"{column} = CASE WHEN excluded.{column} IS NOT NULL AND ({{t}}.{column} IS NULL "
        f"OR excluded.{column} < {{t}}.{column}) THEN excluded.{column} ELSE {{t}}.{column} END"
    )


PROGRESS_FIELDS = [
    "agent",
    "activity",
    "registration",
    "employee",
    "first_launch",
    "last_activity",
    "completed_at",
    "success",
    "best_score",
    "time_spent_seconds",
    "statement_count",
]
PROGRESS_MERGE = ", ".join(
    [
        "employee_id = COALESCE(excluded.employee_id, {t}.employee_id)",
        _earliest("first_launch"),
        "last_activity = CASE WHEN excluded.last_activity > {t}.last_activity "
        "THEN excluded.last_activity ELSE {t}.last_activity END",
        _earliest("completed_at"),
        # passed once is passed for good; otherwise the latest verdict
        "success = CASE WHEN {t}.success = TRUE OR excluded.success = TRUE THEN TRUE "
        "WHEN excluded.success IS NOT NULL THEN excluded.success ELSE {t}.success END",
        "best_score = CASE WHEN excluded.best_score IS NOT NULL AND ({t}.best_score IS NULL "
        "OR excluded.best_score > {t}.best_score) THEN excluded.best_score ELSE {t}.best_score END",
        "time_spent_seconds = {t}.time_spent_seconds + excluded.time_spent_seconds",
        "statement_count = {t}.statement_count + excluded.statement_count",
    ]
)


def learner_progress(batch: projections.Batch) -> None:
    """Per (agent, activity, registration) progress of the statements whose object is an activity."""
    acc: dict[tuple[int, int, str], _Progress] = {}
    for s in batch.statements:
        if s.actor_id is None or s.activity_id is None:
            continue
        key = (s.actor_id, s.activity_id, s.registration or str(NO_REGISTRATION))
        entry = acc.get(key)
        if entry is None:
            entry = acc[key] = _Progress(employee_id=s.employee_id)
        when = _timestamp(s.payload)
        entry.count += 1
        if entry.last_activity is None or when > entry.last_activity:
            entry.last_activity = when
        if s.verb_iri in LAUNCH_VERBS and (entry.first_launch is None or when < entry.first_launch):
            entry.first_launch = when
        if s.verb_iri in COMPLETION_VERBS and (entry.completed_at is None or when < entry.completed_at):
            entry.completed_at = when
        if s.verb_iri == PASSED:
            entry.success = True
        elif s.verb_iri == FAILED and entry.success is not True:
            entry.success = False
        result = s.payload.get("result")
        if isinstance(result, dict):
            score = _score(result)
            if score is not None and (entry.best_score is None or score > entry.best_score):
                entry.best_score = score
            entry.time_spent += _duration(result)
    rows = [
        (
            agent_id,
            activity_id,
            registration,
            e.employee_id,
            e.first_launch,
            e.last_activity,
            e.completed_at,
            e.success,
            e.best_score,
            e.time_spent,
            e.count,
        )
        for (agent_id, activity_id, registration), e in acc.items()
    ]
    bulk.upsert(
        LearnerProgress, PROGRESS_FIELDS, rows, conflict=["agent", "activity", "registration"], merge=PROGRESS_MERGE
    )


def daily_activity(batch: projections.Batch) -> None:
    """Statements per (day in ``TIME_ZONE``, activity, verb, org unit of the learner)."""
    if not batch.statements:
        return
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    verb_ids = dict(Verb.objects.filter(iri__in={s.verb_iri for s in batch.statements}).values_list("iri", "pk"))
    employee_ids = {s.employee_id for s in batch.statements if s.employee_id}
    units = dict(Employee.objects.filter(pk__in=employee_ids).values_list("pk", "org_unit_id")) if employee_ids else {}
    counts: dict[tuple[dt.date, int, int, int], int] = {}
    for s in batch.statements:
        day = _timestamp(s.payload).astimezone(tz).date()
        unit = units.get(s.employee_id) if s.employee_id else None
        key = (day, s.activity_id or 0, verb_ids[s.verb_iri], unit or 0)
        counts[key] = counts.get(key, 0) + 1
    keys = ["day", "activity_key", "verb", "org_unit_key"]
    rows = [(*key, count) for key, count in counts.items()]
    bulk.upsert(DailyActivity, [*keys, "count"], rows, conflict=keys, merge="count = {t}.count + excluded.count")


def register() -> None:
    """Called from ``LrsConfig.ready``: the LRS's projections run before any other app's."""
    projections.register("lrs.learner_progress", learner_progress)
    projections.register("lrs.daily_activity", daily_activity)
