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

Voided statements count nowhere. When a batch voids statements stored earlier
(``Batch.voided``), the progress of their (agent, activity, registration) keys is rebuilt
from the statements of those keys that remain — an earliest date or a best score cannot be
"subtracted" — and their daily counts are decremented. Voiding is rare (a mistaken
statement), so this costs a few queries per voided key. ``pilotage lrs-recompute`` rebuilds
every projection from the statements (``recompute.py``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F

from pilotage.lrs import bulk, eras, projections, validation
from pilotage.lrs.models import NO_REGISTRATION, DailyActivity, LearnerProgress, Verb
from pilotage.people.models import Employee

VERBS = "http://adlnet.gov/expapi/verbs/"
LAUNCH_VERBS = {VERBS + "launched", VERBS + "initialized", "http://adlnet.gov/expapi/verbs/attempted"}
COMPLETION_VERBS = {VERBS + "completed", VERBS + "passed"}
PASSED = VERBS + "passed"
FAILED = VERBS + "failed"


def statement_time(payload: dict[str, Any]) -> dt.datetime:
    """When a stored statement happened: its timestamp (else stored), always aware."""
    value = payload.get("timestamp") or payload["stored"]
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = validation.parse_timestamp(value, path="timestamp")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def scaled_score(result: dict[str, Any]) -> float | None:
    """The scaled score of a result (``scaled``, else ``raw``/``max``), or None."""
    score = result.get("score")
    if not isinstance(score, dict):
        return None
    if isinstance(score.get("scaled"), int | float):
        return float(score["scaled"])
    raw, high = score.get("raw"), score.get("max")
    if isinstance(raw, int | float) and isinstance(high, int | float) and high > 0:
        return float(raw) / float(high)
    return None


def duration_seconds(result: dict[str, Any]) -> float:
    """The result's ISO 8601 duration in seconds (0 when absent or unreadable)."""
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
# The upsert's ``SET`` names only the columns a batch can move: SQLite rewrites the entries
# of every index on a column the ``SET`` assigns, even to the value it had (one page of
# ``lrs_progress_activity_idx`` and of the employee index per row, measured: about 400 of
# the 6,000 log pages of a batch of 1,000 at 1 M statements). ``employee_id`` is set when a
# row is inserted and moved by ``identity.agent_link_employee`` only; ``completed_at`` is
# assigned, on SQLite, only for the rows whose batch completes them (``_upsert_progress``).
_MERGE = [
    _earliest("first_launch"),
    "last_activity = CASE WHEN excluded.last_activity > {t}.last_activity "
    "THEN excluded.last_activity ELSE {t}.last_activity END",
    # passed once is passed for good; otherwise the latest verdict
    "success = CASE WHEN {t}.success = TRUE OR excluded.success = TRUE THEN TRUE "
    "WHEN excluded.success IS NOT NULL THEN excluded.success ELSE {t}.success END",
    "best_score = CASE WHEN excluded.best_score IS NOT NULL AND ({t}.best_score IS NULL "
    "OR excluded.best_score > {t}.best_score) THEN excluded.best_score ELSE {t}.best_score END",
    "time_spent_seconds = {t}.time_spent_seconds + excluded.time_spent_seconds",
    "statement_count = {t}.statement_count + excluded.statement_count",
]
PROGRESS_MERGE = ", ".join(_MERGE)
PROGRESS_MERGE_COMPLETED = ", ".join([*_MERGE, _earliest("completed_at")])


ProgressKey = tuple[int, int, str]


def _key(s: projections.StoredStatement) -> ProgressKey | None:
    if s.actor_id is None or s.activity_id is None:
        return None
    return (s.actor_id, s.activity_id, str(s.registration or NO_REGISTRATION))


def learner_progress(batch: projections.Batch) -> None:
    """Per (agent, activity, registration) progress of the statements whose object is an activity."""
    statements = [s for s in batch.statements if not s.voided]
    if batch.voided:
        # Keys touched by a voiding: rebuilt from what remains stored (this batch included,
        # already inserted), so the batch's own statements of those keys are not added twice.
        rebuilt = {k for k in map(_key, batch.voided) if k is not None}
        _rebuild_keys(rebuilt)
        statements = [s for s in statements if _key(s) not in rebuilt]
    _upsert_progress(statements)


def _rebuild_keys(keys: set[ProgressKey]) -> None:
    from pilotage.lrs.models import Statement

    in_eras = eras.every_era()  # the actor, activity and registration indexes are per era
    for agent_id, activity_id, registration in keys:
        LearnerProgress.objects.filter(agent_id=agent_id, activity_id=activity_id, registration=registration).delete()
        rows = Statement.objects.filter(
            in_eras,
            actor_id=agent_id,
            activity_id=activity_id,
            voided=False,
            **(
                {"registration__isnull": True}
                if registration == str(NO_REGISTRATION)
                else {"registration": registration}
            ),
        )
        _upsert_progress(projections.stored_statements(rows))


def _upsert_progress(statements: list[projections.StoredStatement]) -> None:
    acc: dict[ProgressKey, _Progress] = {}
    for s in statements:
        key = _key(s)
        if key is None:
            continue
        entry = acc.get(key)
        if entry is None:
            entry = acc[key] = _Progress(employee_id=s.employee_id)
        when = statement_time(s.payload)
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
            score = scaled_score(result)
            if score is not None and (entry.best_score is None or score > entry.best_score):
                entry.best_score = score
            entry.time_spent += duration_seconds(result)
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
    conflict = ["agent", "activity", "registration"]
    if connection.vendor != "sqlite":
        # One statement: PostgreSQL locks the rows in key order (``bulk.upsert`` sorts
        # them); two statements would lock a batch's keys in two runs, and two concurrent
        # batches could take the same keys in opposite orders (deadlocks, measured at 4
        # workers). It leaves an index alone when its column keeps its value.
        bulk.upsert(LearnerProgress, PROGRESS_FIELDS, rows, conflict=conflict, merge=PROGRESS_MERGE_COMPLETED)
        return
    # SQLite (one writer at a time): the rows that complete their key apart (row[6]:
    # completed_at), so that the others leave ``lrs_progress_activity_idx`` alone.
    bulk.upsert(
        LearnerProgress, PROGRESS_FIELDS, [r for r in rows if r[6] is None], conflict=conflict, merge=PROGRESS_MERGE
    )
    bulk.upsert(
        LearnerProgress,
        PROGRESS_FIELDS,
        [r for r in rows if r[6] is not None],
        conflict=conflict,
        merge=PROGRESS_MERGE_COMPLETED,
    )


DailyKey = tuple[dt.date, int, int, int]


def _daily_counts(statements: list[projections.StoredStatement]) -> dict[DailyKey, int]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    verb_ids = dict(Verb.objects.filter(iri__in={s.verb_iri for s in statements}).values_list("iri", "pk"))
    employee_ids = {s.employee_id for s in statements if s.employee_id}
    units = dict(Employee.objects.filter(pk__in=employee_ids).values_list("pk", "org_unit_id")) if employee_ids else {}
    counts: dict[DailyKey, int] = {}
    for s in statements:
        day = statement_time(s.payload).astimezone(tz).date()
        unit = units.get(s.employee_id) if s.employee_id else None
        key = (day, s.activity_id or 0, verb_ids[s.verb_iri], unit or 0)
        counts[key] = counts.get(key, 0) + 1
    return counts


def daily_activity(batch: projections.Batch) -> None:
    """Statements per (day in ``TIME_ZONE``, activity, verb, org unit of the learner)."""
    statements = [s for s in batch.statements if not s.voided]
    if statements:
        keys = ["day", "activity_key", "verb", "org_unit_key"]
        rows = [(*key, count) for key, count in _daily_counts(statements).items()]
        bulk.upsert(DailyActivity, [*keys, "count"], rows, conflict=keys, merge="count = {t}.count + excluded.count")
    if batch.voided:
        # The org unit is the learner's today, as when it was counted (unless they moved
        # since: then `pilotage lrs-recompute` settles it).
        for (day, activity_key, verb_id, unit_key), n in _daily_counts(batch.voided).items():
            where = {"day": day, "activity_key": activity_key, "verb_id": verb_id, "org_unit_key": unit_key}
            DailyActivity.objects.filter(**where).update(count=F("count") - n)
            DailyActivity.objects.filter(**where, count__lte=0).delete()


def reset_learner_progress() -> None:
    LearnerProgress.objects.all().delete()


def reset_daily_activity() -> None:
    DailyActivity.objects.all().delete()


def register() -> None:
    """Called from ``LrsConfig.ready``: the LRS's projections run before any other app's."""
    projections.register("lrs.learner_progress", learner_progress, reset=reset_learner_progress)
    projections.register("lrs.daily_activity", daily_activity, reset=reset_daily_activity)
