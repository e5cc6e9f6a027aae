"""Multi-row INSERT and upsert for the ingest path: one statement per table and batch.

- SQLite (≥ 3.35): ``INSERT ... VALUES (...), (...)`` (and ``ON CONFLICT ... DO UPDATE``),
  up to 1,000 rows per statement.
- PostgreSQL: a thousand-row ``VALUES`` list is slow there (psycopg binds client-side: the
  server parses 13,000 literals; measured 14 round trips of 76 rows ~100 ms per batch of
  statements, one statement of 1,000 rows ~170 ms). Plain inserts use ``COPY ... FROM
  STDIN`` (ids taken from the sequence first when the caller needs them); upserts send one
  array per column and read them back with ``unnest`` (11 parameters whatever the rows).

Why not ``bulk_create``: for a batch of 1,000 statements it builds some 3,000 model
instances and prepares every value through the field machinery — about half the CPU time of
the whole ingest. Here the values are adapted once per column type with the backend's own
adapters (the same text Django would write), and an upsert can merge with the stored row in
SQL (``ON CONFLICT ... DO UPDATE SET count = t.count + excluded.count``), which
``bulk_create(update_conflicts=True)`` cannot express.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

from pilotage.lrs import fastjson


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What ``adapt_datetimefield_value`` writes on SQLite (naive text in the connection's
    time zone), without its per-value checks: ~3x faster, and it runs 5 times a statement."""
    if value is None:
        return None
    tz = value.tzinfo
    if tz is not None:
        target = connection.timezone
        value = (value if tz is target else value.astimezone(target)).replace(tzinfo=None)
    return str(value)


def _sqlite_uuid(value: Any) -> str | None:
    """32 hex digits, as Django stores a UUID on SQLite. The ingest passes canonical text
    (``str(uuid.UUID(...))``): dropping the dashes is enough, no ``UUID`` object needed."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, str) and len(value) == 36:
        return value.replace("-", "").lower()
    return uuid.UUID(str(value)).hex


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """A function turning a Python value into the parameter Django would send."""
    ops = connection.ops
    kind = field.get_internal_type()
    native = connection.vendor != "sqlite"
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value if native else _sqlite_datetime
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "UUIDField":
        if connection.features.has_native_uuid_field:
            return lambda v: None if v is None else (v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)))
        return _sqlite_uuid
    if kind == "JSONField":
        encoder = getattr(field, "encoder", None)
        if encoder is None and not native:
            return lambda v: None if v is None else fastjson.dumps(v)
        return lambda v: ops.adapt_json_value(v, encoder)
    return lambda v: v  # integers, floats, booleans, text, foreign key ids


class _PgCursor:
    """A psycopg cursor with server-side binding on Django's connection (same transaction).

    Django's backend binds client-side (``ClientCursor``): a thousand-element array becomes
    an SQL literal quoted value by value in Python — ~35 ms of a batch's CPU in the
    projections' upserts. Bound server-side, the arrays go as parameters. Queries are logged
    like Django's own when it logs them (``DEBUG``, ``CaptureQueriesContext``), with errors
    as Django's (``IntegrityError``...)."""

    def __init__(self) -> None:
        import psycopg

        connection.ensure_connection()
        self.cursor = psycopg.Cursor(connection.connection)

    def __enter__(self) -> _PgCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        began = time.monotonic()
        try:
            with connection.wrap_database_errors:
                self.cursor.execute(sql, params)
        finally:
            if connection.queries_logged:
                connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - began:.3f}"})

    def fetchall(self) -> list[Any]:
        return self.cursor.fetchall()


def _json_value(value: Any, expression: Any, connection: Any) -> Any:
    """``JSONField.from_db_value`` with ``fastjson.loads`` (text that is not JSON comes back
    as it is, as there)."""
    if not isinstance(value, (str, bytes)):
        return value
    try:
        return fastjson.loads(value)
    except json.JSONDecodeError:
        return value


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field behind ``name`` (a field name, a foreign key's ``<name>_id``, or ``pk``)."""
    if name == "pk":
        assert model._meta.pk is not None
        return model._meta.pk
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    raise LookupError(f"{model.__name__} has no column {name!r}")


def rows_in(
    model: type[models.Model],
    key: str,
    values: Sequence[Any],
    fields: Sequence[str] = (),
    *,
    extra: str = "",
    index_only: bool = False,
) -> list[tuple[Any, ...]]:
    """``(key, *fields)`` of the rows of ``model`` whose column ``key`` is one of ``values``
    (``extra``: an SQL condition added with ``AND``). Columns are named by field name,
    foreign key ``<name>_id`` or ``pk``; values come back as the ORM gives them (the field's
    database converters applied: UUID, datetime, JSON).

    Why not ``filter(key__in=values)``: the ORM prepares each of a thousand values through
    its lookup and field machinery (~10 µs each: 25 ms a batch of the ingest path), and on
    PostgreSQL Django quotes them into the SQL text client-side. Here: PostgreSQL gets one
    array parameter bound server-side (``= ANY``); SQLite ``IN`` lists of 900 values adapted
    once per column type.

    ``index_only``: on PostgreSQL, no sequential scan (below)."""
    if not values:
        return []
    quote = connection.ops.quote_name
    columns = [_column(model, name) for name in (key, *fields)]
    select = ", ".join(quote(str(f.column)) for f in columns)
    column = quote(str(columns[0].column))
    table = quote(model._meta.db_table)
    tail = f" AND ({extra})" if extra else ""
    converters = []
    for i, f in enumerate(columns):
        col = f.get_col(model._meta.db_table)
        found_converters = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
        if isinstance(f, models.JSONField) and f.decoder is None:
            # JSON text read with orjson rather than ``json.loads`` (the definitions of a
            # batch's activities: ~3 ms of a batch), the same values.
            found_converters = [_json_value if c == f.from_db_value else c for c in found_converters]
        if found_converters:
            converters.append((i, col, found_converters))

    def convert(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if not converters:
            return [tuple(row) for row in rows]
        out = []
        for row in rows:
            converted = list(row)
            for i, col, functions in converters:
                for function in functions:
                    converted[i] = function(converted[i], col, connection)
            out.append(tuple(converted))
        return out

    if connection.vendor == "postgresql":
        with _PgCursor() as pg:
            # ``index_only``: an index probe per key whatever the statistics say. Before
            # autovacuum has analysed a table that grows fast, the planner assumes no NULLs
            # and ~0.5 % of rows per key: for the ingest's check against the partial index
            # of voiding statements it chose a sequential scan of the whole store (64 ms a
            # batch at 100,000 statements, growing with the store). ``SET LOCAL``: this
            # transaction only, set back at once. Two round trips, so only for more than 100
            # keys: up to 100 the planner picks the index on its own even without statistics
            # (EXPLAIN at 100,000 statements: bitmap index scans for 1 to 100 keys, a
            # sequential scan for 1,000), and a single-statement POST stays short.
            forced = index_only and len(values) > 100 and not connection.get_autocommit()
            if forced:
                pg.execute("SET LOCAL enable_seqscan = off")
            pg.execute(
                f"SELECT {select} FROM {table} WHERE {column} = ANY(%b::{columns[0].db_type(connection)}[]){tail}",
                [list(values)],
            )
            rows = pg.fetchall()
            if forced:
                pg.execute("SET LOCAL enable_seqscan = on")
            return convert(rows)
    adapt = _adapter(columns[0])
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), 900):
            chunk = [adapt(v) for v in values[start : start + 900]]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {select} FROM {table} WHERE {column} IN ({marks}){tail}", chunk)
            found += convert(cursor.fetchall())
    return found


def existing(model: type[models.Model], name: str, values: Sequence[str], *, index_only: bool = False) -> set[str]:
    """Which of ``values`` (canonical UUID text) a row of ``model`` holds in UUID column
    ``name`` (``IS NOT NULL`` is spelled out so that a partial index on the column applies:
    20 ms a batch of 1,000 → 2 ms on PostgreSQL with the array parameter of ``rows_in``).
    ``index_only``: see ``rows_in``."""
    column = connection.ops.quote_name(str(_column(model, name).column))
    return {str(row[0]) for row in rows_in(model, name, values, extra=f"{column} IS NOT NULL", index_only=index_only)}


def _rows_per_statement(columns: int) -> int:
    """Rows per INSERT: a batch of 1,000 in one statement when the parameter limit allows
    (PostgreSQL has no ``max_query_params`` in Django but a protocol limit of 65,535)."""
    limit = connection.features.max_query_params or 65_535
    return max(1, min(5_000, limit // columns))


def _pg_text(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """PostgreSQL: the value as ``COPY`` text input understands it (psycopg writes str,
    int, float, bool, UUID and aware datetimes itself; JSON is sent as its text)."""
    if field.get_internal_type() == "JSONField":
        encoder = getattr(field, "encoder", None)
        if encoder is None:
            return lambda v: None if v is None else fastjson.dumps(v)
        return lambda v: None if v is None else json.dumps(v, cls=encoder)
    return lambda v: v


def _pg_copy(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], returning: bool
) -> list[int]:
    columns = [_column(model, name) for name in fields]
    adapters = [_pg_text(f) for f in columns]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    names = [quote(str(f.column)) for f in columns]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            pk = str(model._meta.pk.column) if model._meta.pk else "id"
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(rows)]
            )
            ids = [row[0] for row in cursor.fetchall()]
            names.insert(0, quote(pk))
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        # Errors as Django's (IntegrityError on a unique index), as from any other query.
        with connection.wrap_database_errors, raw.copy(f"COPY {quote(table)} ({', '.join(names)}) FROM STDIN") as copy:
            if returning:
                for pk_value, row in zip(ids, rows, strict=True):
                    copy.write_row([pk_value, *(adapt(value) for adapt, value in zip(adapters, row, strict=True))])
            else:
                for row in rows:
                    copy.write_row([adapt(value) for adapt, value in zip(adapters, row, strict=True)])
    return ids


def insert(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *, returning: bool = False
) -> list[int]:
    """Insert ``rows`` (tuples in the order of ``fields``); the new ids, in row order, when
    ``returning``."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _pg_copy(model, fields, rows, returning)
    columns = [_column(model, name) for name in fields]
    adapters = [_adapter(f) for f in columns]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in columns)}) VALUES "
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = f" RETURNING {quote(str(model._meta.pk.column))}" if returning and model._meta.pk else ""
    ids: list[int] = []
    per = _rows_per_statement(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [adapt(value) for row in chunk for adapt, value in zip(adapters, row, strict=True)]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def upsert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    merge: str,
) -> None:
    """``INSERT ... ON CONFLICT (conflict) DO UPDATE SET <merge>``; in ``merge``, ``{t}`` is
    the table (the stored row) and ``excluded`` the row proposed."""
    if not rows:
        return
    # Rows in conflict-key order: concurrent batches updating overlapping keys lock them in
    # the same order (no deadlock on PostgreSQL).
    # The key is text, so that values of mixed types (None, UUID or its text) still order,
    # and the same whatever type a caller passes; one string a row rather than a tuple
    # built by a generator (~4 ms a batch of 1,000 on the two projections' upserts).
    positions = [list(fields).index(name) for name in conflict]
    rows = sorted(rows, key=lambda row: "\x1f".join([str(row[i]) for i in positions]))
    columns = [_column(model, name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = ", ".join(quote(str(_column(model, name).column)) for name in conflict)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in columns)
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(str(f.column)) for f in columns)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT ({keys}) DO UPDATE SET {merge.format(t=table)}"
        )
        texts = [_pg_text(f) for f in columns]
        with _PgCursor() as pg:
            pg.execute(sql, [[adapt(row[i]) for row in rows] for i, adapt in enumerate(texts)])
        return
    adapters = [_adapter(f) for f in columns]
    head = f"INSERT INTO {table} ({', '.join(quote(str(f.column)) for f in columns)}) VALUES "
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = f" ON CONFLICT ({keys}) DO UPDATE SET {merge.format(t=table)}"
    per = _rows_per_statement(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [adapt(value) for row in chunk for adapt, value in zip(adapters, row, strict=True)]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
