"""``lrs.bulk.rows_in``: rows by a thousand keys, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection, transaction

from pilotage.lrs import bulk
from pilotage.lrs.models import Activity, Statement
from pilotage.lrs.services import statement_store

pytestmark = pytest.mark.django_db

V = "http://adlnet.gov/expapi/verbs/"


def _statement(**kw: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:ana@example.com"},
        "verb": {"id": V + "completed"},
        "object": {"id": "https://courses.example/bulk"},
        **kw,
    }


def test_rows_in_reads_converted_values_by_many_keys() -> None:
    statements = [_statement() for _ in range(3)]
    statement_store(statements=statements, client=None, version="2.0.0")
    wanted = [s["id"] for s in statements[:2]] + [str(uuid.uuid4()) for _ in range(1_500)]  # > one IN list
    rows = bulk.rows_in(Statement, "statement_id", wanted, ("pk", "stored", "payload", "activity_id"))
    assert sorted(str(r[0]) for r in rows) == sorted(wanted[:2])
    activity = Activity.objects.get(iri="https://courses.example/bulk")
    for statement_id, pk, stored, payload, activity_id in rows:
        row = Statement.objects.get(pk=pk)
        assert (statement_id, stored, payload, activity_id) == (row.statement_id, row.stored, row.payload, activity.pk)
    assert bulk.rows_in(Statement, "statement_id", []) == []


def test_existing_on_the_partial_voided_index_sets_nothing_for_later_queries() -> None:
    target = _statement()
    voiding = _statement(verb={"id": V + "voided"}, object={"objectType": "StatementRef", "id": target["id"]})
    statement_store(statements=[voiding], client=None, version="2.0.0")
    with transaction.atomic():
        # Over 100 keys: on PostgreSQL, sequential scans are off for this query only.
        others = [str(uuid.uuid4()) for _ in range(150)]
        found = bulk.existing(Statement, "voided_target", [target["id"], *others], index_only=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_seqscan")
                assert cursor.fetchone() == ("on",)
    assert found == {target["id"]}
    # The target arrives after its voiding statement: stored voided.
    statement_store(statements=[target], client=None, version="2.0.0")
    assert Statement.objects.get(statement_id=target["id"]).voided is True


def test_a_statement_stored_between_the_check_and_the_write_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The re-sent id check runs before the transaction: a statement stored in between (by
    a concurrent request; simulated by a check that answers "none") makes the insert fail
    on the unique index, and the batch is written again with the check inside: the same
    statement is accepted once, a different one is a 409, and nothing else is half-written."""
    from pilotage.lrs.errors import Conflict

    first = _statement()
    statement_store(statements=[first], client=None, version="2.0.0")
    real = bulk.existing
    calls: list[int] = []

    def blind_once(model: Any, name: str, values: Any, **kw: Any) -> set[str]:
        calls.append(1)
        if name == "statement_id" and len(calls) == 1:
            return set()
        return real(model, name, values, **kw)

    monkeypatch.setattr(bulk, "existing", blind_once)
    fresh = _statement()
    assert statement_store(statements=[fresh, first], client=None, version="2.0.0") == [fresh["id"], first["id"]]
    assert Statement.objects.filter(statement_id__in=[first["id"], fresh["id"]]).count() == 2

    calls.clear()
    changed = {**first, "verb": {"id": V + "failed"}}
    other = _statement()
    with pytest.raises(Conflict):
        statement_store(statements=[other, changed], client=None, version="2.0.0")
    assert not Statement.objects.filter(statement_id=other["id"]).exists()


def test_fastjson_reads_what_json_reads() -> None:
    """orjson first, ``json`` for what orjson refuses (integers past 64 bits); bad text raises
    as ``json`` does."""
    import json

    from pilotage.lrs import fastjson

    for text in ['{"a": [1, 2.5, "é", null, true]}', b'{"big": 123456789012345678901234567890}', '"x"']:
        assert fastjson.loads(text) == json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        fastjson.loads("{not json")
