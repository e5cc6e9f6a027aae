"""Reading statements through the era-partitioned indexes (decision 0043).

The actor, activity and registration indexes of ``Statement`` are keyed
``(id >> ERA_BITS, key, id)``: an insert touches only the current era's part of each, so the
pages it writes in them stop growing with the store. A query on one of those columns must therefore
say which eras it reads, or the database has no index to use and scans the table:

- ``walk``: the rows of a query in id order, at most ``limit``, read era by era from the end
  the order starts at (a key's newest statements come from the newest era, and the walk
  stops once the limit is met): one era, then two, four, eight... a query. Used for pages,
  "is there more" checks, samples and exports.
- ``every_era``: the condition "in any era that holds statements", for readers that want all
  of a key's statements in no order (one index probe per era).

``walk`` also serves queries that do not filter on those columns (verb, time, everything):
it then bounds each query by the era's id range only (``keyed``), which the table and the
verb index walk in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.lookups import Exact, In
from django.db.models.sql.datastructures import Join
from django.db.models.sql.where import WhereNode

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


def walk(qs: QuerySet[Any], *, limit: int, descending: bool = True, low: int = 1, high: int | None = None) -> list[Any]:
    """At most ``limit`` rows of ``qs`` with ``low <= id <= high``, in id order (newest first
    when ``descending``), read era by era until the limit is met.

    The first query reads one era, the next two, then four, eight...: a key with statements
    in every era fills its page from the first, and a rare one costs a handful of queries
    rather than one an era (77 at 10 M statements). A query over several eras lists them
    (``era IN (...)``): each is one probe of the index, and only the rows of those eras are
    sorted (at most about twice the limit, as the groups double only while the page is
    short)."""
    rows: list[Any] = []
    if limit <= 0:
        return rows
    high = last_id() if high is None else high
    low = max(low, 1)
    if high < low:
        return rows
    order = "-id" if descending else "id"
    sequence = range(era_of(high), era_of(low) - 1, -1) if descending else range(era_of(low), era_of(high) + 1)
    start, size = 0, 1
    while start < len(sequence) and len(rows) < limit:
        group = sequence[start : start + size]
        start, size = start + size, size * 2
        rows.extend(in_group(qs, group, low=low, high=high).order_by(order)[: limit - len(rows)])
    return rows


def in_group(qs: QuerySet[Any], group: Sequence[int], *, low: int, high: int) -> QuerySet[Any]:
    """``qs`` in the eras of ``group`` (consecutive), within ``low <= id <= high``.

    The era itself is stated only when ``qs`` filters on a column indexed per era: otherwise
    (no filter, verb, time...) the id range alone lets the table or the verb index be walked
    in order, where ``era = ?`` would lead SQLite (no statistics) to read the era's whole part
    of an era index and sort it."""
    first, last = max(low, min(group) * SIZE), min(high, (max(group) + 1) * SIZE - 1)
    part = qs.filter(id__gte=first, id__lte=last)
    if not keyed(qs):
        return part
    return part.filter(Exact(Era(), group[0]) if len(group) == 1 else In(Era(), list(group)))


KEYED_COLUMNS = frozenset({"actor_id", "activity_id", "registration"})


def keyed(qs: QuerySet[Any]) -> bool:
    """Whether ``qs`` (on ``Statement``) filters on, or joins through, a column whose index
    is per era: a condition anywhere in its ``WHERE`` (under an ``OR`` too), or a join on it
    (``actor__ifi=...``)."""
    query = qs.query
    table = Statement._meta.db_table
    for join in query.alias_map.values():
        if (
            isinstance(join, Join)
            and join.parent_alias == table
            and any(column in KEYED_COLUMNS for column, _other in join.join_cols)
        ):
            return True

    def conditions_keyed(node: WhereNode) -> bool:
        for child in node.children:
            if isinstance(child, WhereNode):
                if conditions_keyed(child):
                    return True
                continue
            lhs = getattr(child, "lhs", None)
            column = getattr(getattr(lhs, "target", None), "column", None)
            if column in KEYED_COLUMNS and getattr(lhs, "alias", None) == table:
                return True
        return False

    return conditions_keyed(query.where)
