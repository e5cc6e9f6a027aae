"""Statements spread over several eras (decision 0043): the actor, activity and registration
indexes are per era, ``(id >> 17, key, id)``, and every reader of those columns walks the
eras. Statements are given ids in distant eras by moving the id sequence between posts, then
read back through every path: the xAPI query (pages and ``more`` links, both orders,
``since``), the statement browser (pages, facets), exports, identity linking and the
progress rebuild of a voiding. The query plans are checked to use the era indexes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, Sum
from django.test import Client

from pilotage.core.models import AuditEvent
from pilotage.lrs import eras, exports, identity, selectors
from pilotage.lrs.models import Agent, DailyActivity, Era, LearnerProgress, Statement, StatementRef
from pilotage.lrs.tests.test_statements import _client, get, post, stmt

# Ids in eras 0 (two), 1, 3 (two) and 7: an era is 131,072 ids.
IDS = [1, 5, eras.SIZE + 3, 3 * eras.SIZE + 7, 3 * eras.SIZE + 20, 7 * eras.SIZE]
REGISTRATION = str(uuid.uuid4())


def _jump(pk: int) -> None:
    """The next statement stored gets the id ``pk``."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = 'lrs_statement'")
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('lrs_statement', %s)", [pk - 1])
        else:  # sequences are not rolled back with the tests' transactions: set even the first
            cursor.execute("SELECT setval(pg_get_serial_sequence('lrs_statement', 'id'), %s, false)", [pk])


@pytest.fixture
def lrs(db: Any) -> dict[str, str]:
    return _client()[1]


@pytest.fixture
def spread(client: Client, lrs: dict[str, str]) -> Iterator[list[str]]:
    """Ada's statements at ``IDS`` (oldest first, registration and module the same), with one
    of Grace's in between that matches none of Ada's filters."""
    saved = None
    if connection.vendor == "postgresql":  # put the sequence back for the next tests
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('lrs_statement', 'id')")
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            saved = cursor.fetchone()
    stored: list[str] = []
    for pk in IDS:
        _jump(pk)
        body = stmt(activity="https://courses.example.com/m1", context={"registration": REGISTRATION})
        stored += post(client, lrs, body).json()
        post(client, lrs, stmt(email="grace@example.com"))
    assert list(Statement.objects.filter(statement_id__in=stored).order_by("id").values_list("id", flat=True)) == IDS
    yield stored
    if saved is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, *saved])


FILTERS = {
    "agent": {"agent": json.dumps({"mbox": "mailto:ada@example.com"})},
    "activity": {"activity": "https://courses.example.com/m1"},
    "registration": {"registration": REGISTRATION},
}


@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("ascending", [False, True])
def test_xapi_pages_walk_the_eras_in_order(
    client: Client, lrs: dict[str, str], spread: list[str], name: str, ascending: bool
) -> None:
    expected = spread if ascending else spread[::-1]
    seen: list[str] = []
    page = get(client, lrs, limit="2", ascending=str(ascending).lower(), **FILTERS[name]).json()
    while True:
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        page = client.get(page["more"], **lrs).json()
    assert seen == expected


def test_xapi_since_starts_in_its_era(client: Client, lrs: dict[str, str], spread: list[str]) -> None:
    middle = Statement.objects.get(id=IDS[2]).stored
    # The statements stored after ``since`` (the test stores them within a second or two:
    # which ones are later is read from the database), the newest always among them.
    later = list(
        Statement.objects.filter(statement_id__in=spread, stored__gt=middle)
        .order_by("-id")
        .values_list("statement_id", flat=True)
    )
    page = get(client, lrs, since=middle.isoformat(), **FILTERS["agent"]).json()
    assert [s["id"] for s in page["statements"]] == [str(s) for s in later]
    assert str(spread[-1]) in [s["id"] for s in page["statements"]]


def test_browser_pages_and_facets_walk_the_eras(spread: list[str], cast: Any) -> None:
    agent = Agent.objects.get(ifi="mbox:mailto:ada@example.com")
    qs = selectors.statement_list(user=cast.dlm, filters=selectors.StatementFilters(agent=agent.pk))
    pages, after = [], None
    while True:
        page = selectors.statement_page(qs, after=after, limit=2)
        pages.append([s.id for s in page.items])
        if page.after is None:
            break
        after = page.after
    newest_first = IDS[::-1]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:6]]
    # Back from the last page: the newer page, and the "older"/"newer" checks across eras.
    back = selectors.statement_page(qs, before=IDS[1], limit=2)
    assert [s.id for s in back.items] == [IDS[3], IDS[2]]
    assert back.after == IDS[2] and back.before == IDS[3]
    facets = selectors.statement_facets(qs, sample=4)
    assert facets.ids == newest_first[:4] and facets.sampled == 4 and not facets.complete
    assert [(a.key, a.count) for a in facets.actors] == [(str(agent.pk), 4)]
    assert [i for chunk in exports.id_chunks(qs, size=4) for i in chunk] == newest_first


def test_identity_reads_every_era(spread: list[str], cast: Any) -> None:
    agent = Agent.objects.get(ifi="mbox:mailto:ada@example.com")
    assert identity.unmatched_agent_list().get(pk=agent.pk).statement_count == len(IDS)
    learner = cast.employees["learner"]
    identity.agent_link_employee(actor=cast.dlm, agent=agent, employee=learner)
    # Re-attributing the history moves the daily counts of the statements of every era.
    note = AuditEvent.objects.get(action="lrs_agent.link").note
    assert note.startswith(f"{len(IDS)} statements re-attributed")
    moved = DailyActivity.objects.filter(org_unit_key=learner.org_unit_id).aggregate(n=Sum("count"))["n"]
    assert moved == len(IDS)


def test_voiding_rebuilds_progress_from_every_era(client: Client, lrs: dict[str, str], spread: list[str]) -> None:
    assert LearnerProgress.objects.get(registration=REGISTRATION).statement_count == len(IDS)
    voiding = stmt("voided", object={"objectType": "StatementRef", "id": spread[-1]})
    assert post(client, lrs, voiding).status_code == 200
    # Rebuilt from the five statements left, in eras 0 to 3.
    assert LearnerProgress.objects.get(registration=REGISTRATION).statement_count == len(IDS) - 1


def _plan(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: make the planner show its index
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value", "index"),
    [
        ("actor_id", 1, "lrs_stmt_actor_idx"),
        ("activity_id", 1, "lrs_stmt_activity_idx"),
        ("registration", uuid.UUID(REGISTRATION), "lrs_stmt_registration_idx"),
    ],
)
def test_era_queries_use_the_era_indexes(column: str, value: Any, index: str) -> None:
    # The era and the key are both conditions of the index search (not a filter after it).
    sqlite = connection.vendor == "sqlite"
    walk = eras.in_group(Statement.objects.filter(**{column: value}), [5], low=1, high=5 * eras.SIZE)
    sql, params = walk.order_by("-id")[:101].query.sql_with_params()
    assert ">> 17" in sql  # written out: a parameter would not match the index expression
    plan = _plan(sql, list(params))
    assert f"USING INDEX {index} (<expr>=? AND {column}=?" in plan if sqlite else f"using {index}" in plan
    assert sqlite or f"Index Cond: (((id >> 17) = 5) AND ({column} = " in plan
    # A group of eras (``walk`` after the first): SQLite sorts the rows of those eras only.
    group = eras.in_group(Statement.objects.filter(**{column: value}), [3, 4], low=1, high=5 * eras.SIZE)
    sql, params = group.order_by("-id")[:101].query.sql_with_params()
    if sqlite:
        assert f"USING INDEX {index} (<expr>=? AND {column}=? AND id>? AND id<?)" in _plan(sql, list(params))
    every = Statement.objects.filter(eras.every_era(top=5 * eras.SIZE), **{column: value})
    sql, params = every.query.sql_with_params()
    plan = _plan(sql, list(params))
    assert f"USING INDEX {index} (<expr>=? AND {column}=?)" in plan if sqlite else f"using {index}" in plan
    assert sqlite or "Index Cond: (((id >> 17) = ANY ('{0,1,2,3,4,5}'::bigint[]))" in plan


@pytest.mark.django_db
def test_era_of_matches_the_database() -> None:
    assert [eras.era_of(pk) for pk in IDS] == [0, 0, 1, 3, 3, 7]
    values = Statement.objects.annotate(era=Era()).values_list("era", flat=True)
    assert list(values) == []  # the expression compiles and runs on an empty table


@pytest.mark.django_db
def test_a_rare_key_costs_a_few_queries_not_one_an_era(django_assert_num_queries: Any) -> None:
    """Groups of 1, 2, 4, 8... eras: 77 eras (10 M statements) in 7 queries."""
    qs = Statement.objects.filter(registration=uuid.uuid4())
    with django_assert_num_queries(7):
        assert eras.walk(qs, limit=100, high=77 * eras.SIZE - 1) == []
    with django_assert_num_queries(1):
        assert eras.walk(qs, limit=100, low=76 * eras.SIZE, high=77 * eras.SIZE - 1) == []


@pytest.mark.django_db
def test_keyed_finds_the_per_era_columns_in_conditions_and_joins() -> None:
    stmts = Statement.objects
    assert eras.keyed(stmts.filter(actor_id=1))
    assert eras.keyed(stmts.filter(actor__ifi="mbox:mailto:ada@example.com"))  # a join on actor_id
    assert eras.keyed(stmts.filter(actor_id__in=Agent.objects.filter(employee__isnull=False).values("pk")))
    assert eras.keyed(stmts.filter(Q(verb_id=1) | Q(registration=uuid.uuid4())))
    assert eras.keyed(stmts.filter(activity_id=2).values_list("id", flat=True))
    assert not eras.keyed(stmts.all())
    assert not eras.keyed(stmts.filter(verb_id=1, voided=False, stored__gt=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert not eras.keyed(stmts.filter(id__in=StatementRef.objects.filter(agent_id=1).values("statement_id")))


@pytest.mark.django_db
@pytest.mark.parametrize("filters", [{}, {"verb_id": 1}, {"voided": False}])
def test_queries_without_a_per_era_column_walk_the_table_or_their_index_in_order(filters: dict[str, Any]) -> None:
    """Stating the era without a key would make SQLite (no statistics) read an era's whole
    part of an era index and sort it: those queries get the id range only."""
    group = eras.in_group(Statement.objects.filter(**filters), [3, 4], low=1, high=5 * eras.SIZE)
    sql, params = group.order_by("-id")[:50].query.sql_with_params()
    assert ">> 17" not in sql
    if connection.vendor == "sqlite":
        plan = _plan(sql, list(params))
        era_indexes = ("lrs_stmt_actor_idx", "lrs_stmt_activity_idx", "lrs_stmt_registration_idx")
        assert not any(name in plan for name in era_indexes) and "TEMP B-TREE" not in plan, plan
