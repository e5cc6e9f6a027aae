"""Reading statements through the era-partitioned indexes (decision 0043).

The actor, activity and registration indexes of ``Statement`` are keyed
``(id >> ERA_BITS, key, id)``: an insert touches only the current era's part of each, so
ingest does not slow down as the store grows. A query on one of those columns must therefore
say which eras it reads, or the database has no index to use and scans the table:

- ``walk``: the rows of a query in id order, at most ``limit``, read one era after the other
  from the end the order starts at (a key's newest statements come from the newest era, and
  the walk stops once the limit is met). Each era is one query on ``(era, key, id)``, ordered
  by the index itself. Used for pages, "is there more" checks, samples and exports.
- ``every_era``: the condition "in any era that holds statements", for readers that want all
  of a key's statements in no order (one index probe per era).

Both also serve queries that do not filter on those columns (verb, time, everything): each
era query is bounded by its id range, which the other indexes (and the table) walk directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.lookups import Exact, In

from pilotage.lrs.models import ERA_BITS, Era, Statement

SIZE = 1 << ERA_BITS  # statements an era


def era_of(pk: int) -> int:
    return pk >> ERA_BITS


def last_id() -> int:
    """The id of the newest statement (0: none). One step of the primary key."""
    return Statement.objects.aggregate(top=Max("id"))["top"] or 0


def every_era(top: int | None = None) -> In:
    """``era IN (0, 1, ..., era of the last id)``: lets a filter on actor, activity or
    registration probe its index once per era instead of scanning the table."""
    top = last_id() if top is None else top
    return In(Era(), list(range(era_of(top) + 1)))


def parts(
    qs: QuerySet[Any], *, descending: bool = True, low: int = 1, high: int | None = None
) -> Iterator[QuerySet[Any]]:
    """``qs`` restricted to ``low <= id <= high`` (``high`` defaults to the last id), one
    queryset an era, ordered by id, in the order asked."""
    high = last_id() if high is None else high
    low = max(low, 1)
    if high < low:
        return
    order = "-id" if descending else "id"
    eras = range(era_of(high), era_of(low) - 1, -1) if descending else range(era_of(low), era_of(high) + 1)
    for era in eras:
        first, last = max(low, era * SIZE), min(high, (era + 1) * SIZE - 1)
        yield qs.filter(Exact(Era(), era), id__gte=first, id__lte=last).order_by(order)


def walk(qs: QuerySet[Any], *, limit: int, descending: bool = True, low: int = 1, high: int | None = None) -> list[Any]:
    """At most ``limit`` rows of ``qs`` with ``low <= id <= high``, in id order (newest first
    when ``descending``), read era by era until the limit is met."""
    rows: list[Any] = []
    if limit <= 0:
        return rows
    for part in parts(qs, descending=descending, low=low, high=high):
        rows.extend(part[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows
