"""Writes of the LRS: storing statements (``statement_store``), the one path by which
learning data enters Pilotage — the xAPI resource, the player, LMS imports and the demo all
call it.

One call is one transaction for the whole batch:

1. every statement is validated before anything is written (a bad one rejects the batch,
   with the JSON path of the offending element);
2. ids are assigned, ``stored``, ``authority``, ``version`` and a missing ``timestamp`` set;
3. re-sent ids are compared with what is stored: the same content is accepted and not
   stored again, different content is a 409 (inside the batch: a 400);
4. agents, verbs and activities are interned in bulk (a few queries per batch, whatever its
   size; safe under concurrency on SQLite and PostgreSQL: missing rows are inserted with
   ``ignore_conflicts`` then selected again);
5. new agents are matched to employees (one query per batch, see ``_match_employees``);
6. statements, their references (for ``related_agents`` / ``related_activities``) and
   attachments are inserted with ``bulk_create``; voiding statements mark their targets;
7. the projections run (``projections.run``) in the same transaction: if one raises, the
   whole batch is rolled back.

Statements are xAPI traffic, not configuration: they are not written to the audit trail
(the statement itself, with its authority and ``stored`` time, is the record).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from pilotage.core import gcpause
from pilotage.lrs import bulk, projections, validation
from pilotage.lrs.errors import Conflict, XapiError
from pilotage.lrs.models import (
    Activity,
    Agent,
    Attachment,
    LrsClient,
    Statement,
    StatementRef,
    Verb,
    activity_sort_name,
)
from pilotage.people.models import Employee

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
STATEMENT_FIELDS = [
    "statement_id",
    "stored",
    "timestamp",
    "actor",
    "verb",
    "activity",
    "registration",
    "voided_target",
    "ref_target",
    "voided",
    "client",
    "version",
    "payload",
    "content_hash",
]
CHUNK = 900  # ids per IN (...) clause: under SQLite's historical 999-variable limit


def _chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def iso_timestamp(moment: dt.datetime) -> str:
    """xAPI text of a time: UTC, milliseconds, ``Z``."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str, path: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = validation.parse_timestamp(value, path=path)
    if moment.tzinfo is None:  # validation accepts no naive time; belt and braces
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def default_authority(client: LrsClient) -> dict[str, Any]:
    """The authority stamped on statements of a client that has none configured."""
    return {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": client.key}}


def internal_authority() -> dict[str, Any]:
    """The authority of statements stored by Pilotage itself (player, imports, demo)."""
    return {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": "pilotage"}}


# --- interning ---------------------------------------------------------------------------------


def _intern(
    model: type[models.Model],
    key: str,
    wanted: dict[str, dict[str, Any]],
    *,
    fields: tuple[str, ...] = (),
    on_create: Callable[[dict[str, dict[str, Any]]], None] | None = None,
) -> dict[str, SimpleNamespace]:
    """``pk`` and ``fields`` of the row of ``model`` for each value of its unique ``key`` in
    ``wanted`` (value → create defaults), inserting the missing ones. Concurrent batches may
    insert the same key: the insert ignores conflicts and the rows are selected again, so
    both see the same row. Rows are read as plain values, not model instances (a thousand
    agents a batch: half the cost)."""
    found: dict[str, SimpleNamespace] = {}
    names = ("pk", *fields)

    def select(values: list[str]) -> None:
        for row in bulk.rows_in(model, key, values, names):
            found[row[0]] = SimpleNamespace(**dict(zip(names, row[1:], strict=True)))

    values = list(wanted)
    select(values)
    # Sorted: concurrent batches inserting overlapping new keys take the index locks in
    # the same order (in batch order, PostgreSQL found deadlocks at 4 workers).
    missing = {value: wanted[value] for value in sorted(values) if value not in found}
    if missing:
        if on_create is not None:
            on_create(missing)
        model._default_manager.bulk_create(
            [model(**{key: value, **defaults}) for value, defaults in missing.items()],
            ignore_conflicts=True,
            batch_size=500,
        )
        select(list(missing))
    return found


def _name_activities(new_activities: dict[str, dict[str, Any]]) -> None:
    """The catalogue's sort name of new activities, from their definition."""
    for iri, defaults in new_activities.items():
        defaults["sort_name"] = activity_sort_name(defaults.get("definition"), iri)


def _match_employees(new_agents: dict[str, dict[str, Any]]) -> None:
    """Set ``employee_id`` in the create defaults of new agents (one query for the batch).

    - ``mbox``: the employee whose e-mail is the mailbox (as written, or lower-cased);
    - ``account``: the employee whose employee number is the account name, when the
      account's homePage is this Pilotage (``SITE_URL``, as the built-in player and LMS
      imports write it) or one listed in ``LRS_EMPLOYEE_ACCOUNT_HOMEPAGES`` (an HR portal
      whose account names are employee numbers). Accounts of other systems are not guessed
      from: a name "1234" on some tool is not employee 1234.
    Agents met before are not matched again here: linking them is the identity page's job.
    """
    homepages = {settings.SITE_URL.rstrip("/"), *settings.LRS_EMPLOYEE_ACCOUNT_HOMEPAGES}
    homepages = {h.rstrip("/") for h in homepages}
    emails: dict[str, list[str]] = {}
    numbers: dict[str, list[str]] = {}
    for ifi in new_agents:
        if ifi.startswith("mbox:mailto:"):
            address = ifi[len("mbox:mailto:") :]
            emails.setdefault(address, []).append(ifi)
            emails.setdefault(address.lower(), []).append(ifi)
        elif ifi.startswith("account:"):
            homepage, _, name = ifi[len("account:") :].rpartition("|")
            if homepage.rstrip("/") in homepages and name:
                numbers.setdefault(name, []).append(ifi)
    if not emails and not numbers:
        return
    condition = models.Q(email__in=list(emails)) if emails else models.Q(pk__in=[])
    if numbers:
        condition |= models.Q(employee_number__in=list(numbers))
    for pk, email, number in Employee.objects.filter(condition).values_list("pk", "email", "employee_number"):
        for ifi in emails.get(email, []) + emails.get(email.lower(), []) + numbers.get(number, []):
            new_agents[ifi].setdefault("employee_id", pk)


# --- what a statement mentions ---------------------------------------------------------------


@dataclass
class _Prepared:
    """One statement of the batch, ready to insert."""

    statement_id: str
    payload: dict[str, Any]
    content_hash: str
    timestamp: dt.datetime
    actor_ifi: str | None
    verb_iri: str
    activity_iri: str | None
    registration: str | None
    voided_target: str | None
    ref_target: str | None = None
    related_agents: set[str] = field(default_factory=set)
    related_activities: set[str] = field(default_factory=set)
    voided: bool = False
    timestamp_defaulted: bool = False  # no timestamp sent: it is the ``stored`` time


def _agent_name(agent: dict[str, Any]) -> str:
    name = agent.get("name")
    return name[:255] if isinstance(name, str) else ""


def _collect_agent(agent: Any, into: set[str], agents: dict[str, dict[str, Any]]) -> str | None:
    """Intern an agent or group (and a group's members) mentioned by a statement."""
    if not isinstance(agent, dict):
        return None
    ifi = validation.agent_ifi(agent)
    if ifi is not None:
        into.add(ifi)
        agents.setdefault(ifi, {"name": _agent_name(agent)})
    for member in agent.get("member") or ():
        _collect_agent(member, into, agents)
    return ifi


def _collect_activity(obj: Any, activities: dict[str, dict[str, Any]]) -> str | None:
    if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity" and isinstance(obj.get("id"), str):
        iri: str = obj["id"]
        definition = obj.get("definition")
        current = activities.setdefault(iri, {"definition": {}})
        # Most statements of a batch repeat their activity's definition: nothing to merge.
        if isinstance(definition, dict) and definition and definition != current["definition"]:
            current["definition"] = _merge_definition(current["definition"], definition)
        return iri
    return None


def _merge_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An activity definition seen again: the new values win, language maps are merged."""
    merged = dict(old)
    for key, value in new.items():
        if key in ("name", "description") and isinstance(value, dict) and isinstance(old.get(key), dict):
            merged[key] = {**old[key], **value}
        else:
            merged[key] = value
    return merged


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_uuid(value: str) -> str:
    """Lower-case dashed UUID text (already so in nearly every statement: no UUID object)."""
    return value if _CANONICAL_UUID.fullmatch(value) else str(uuid.UUID(value))


def _context_refs(context: Any, prepared: _Prepared, agents: dict[str, Any], activities: dict[str, Any]) -> None:
    if not isinstance(context, dict):
        return
    for key in ("instructor", "team"):
        _collect_agent(context.get(key), prepared.related_agents, agents)
    for entry in context.get("contextAgents") or ():
        if isinstance(entry, dict):
            _collect_agent(entry.get("agent"), prepared.related_agents, agents)
    for entry in context.get("contextGroups") or ():
        if isinstance(entry, dict):
            _collect_agent(entry.get("group"), prepared.related_agents, agents)
    for group in (context.get("contextActivities") or {}).values():
        for activity in group if isinstance(group, list) else [group]:
            iri = _collect_activity(activity, activities)
            if iri:
                prepared.related_activities.add(iri)


def _prepare(
    stmt: dict[str, Any],
    *,
    index: int,
    stored: str,
    authority: dict[str, Any],
    version: str,
    agents: dict[str, dict[str, Any]],
    verbs: dict[str, dict[str, Any]],
    activities: dict[str, dict[str, Any]],
) -> _Prepared:
    original_hash = hashlib.sha256(validation.canonical_json(stmt).encode()).hexdigest()
    payload = validation.normalise_context_activities(dict(stmt))  # single values become arrays
    payload["id"] = _canonical_uuid(str(payload["id"]))
    payload["stored"] = stored
    payload["authority"] = authority
    payload.setdefault("version", version)
    timestamp_defaulted = "timestamp" not in payload
    payload.setdefault("timestamp", stored)
    timestamp = _parse_time(payload["timestamp"], f"statements[{index}].timestamp")

    actor = payload["actor"]
    actor_related: set[str] = set()
    actor_ifi = validation.agent_ifi(actor)
    if actor_ifi is not None:
        agents.setdefault(actor_ifi, {"name": _agent_name(actor)})
    for member in actor.get("member") or ():  # group members: related agents
        _collect_agent(member, actor_related, agents)

    verb = payload["verb"]
    verb_entry = verbs.setdefault(verb["id"], {"display": {}})
    if isinstance(verb.get("display"), dict):
        verb_entry["display"] = {**verb_entry["display"], **verb["display"]}

    obj = payload["object"]
    object_type = obj.get("objectType", "Activity")
    activity_iri = _collect_activity(obj, activities)
    voided_target = None
    context = payload.get("context")
    registration = context.get("registration") if isinstance(context, dict) else None
    prepared = _Prepared(
        statement_id=payload["id"],
        payload=payload,
        content_hash=original_hash,
        timestamp=timestamp,
        actor_ifi=actor_ifi,
        verb_iri=verb["id"],
        activity_iri=activity_iri,
        registration=_canonical_uuid(registration) if registration else None,
        voided_target=None,
        timestamp_defaulted=timestamp_defaulted,
    )
    prepared.related_agents |= actor_related
    if object_type in ("Agent", "Group"):
        # Found by the plain ``agent`` filter too (see queries: actor or object).
        _collect_agent(obj, prepared.related_agents, agents)
    elif object_type == "StatementRef":
        prepared.ref_target = _canonical_uuid(obj["id"])
        if verb["id"] == VOIDED_VERB:
            voided_target = _canonical_uuid(obj["id"])
    elif object_type == "SubStatement":
        _collect_agent(obj.get("actor"), prepared.related_agents, agents)
        sub_object = obj.get("object") or {}
        if sub_object.get("objectType", "Activity") in ("Agent", "Group"):
            _collect_agent(sub_object, prepared.related_agents, agents)
        sub_iri = _collect_activity(sub_object, activities)
        if sub_iri:
            prepared.related_activities.add(sub_iri)
        _context_refs(obj.get("context"), prepared, agents, activities)
    prepared.voided_target = voided_target
    _context_refs(context, prepared, agents, activities)
    # The authority is not referenced per statement (it is the same for a whole client's
    # statements): ``related_agents`` queries find it through ``Statement.client``.
    return prepared


def _same_statement(stored: Statement, new: _Prepared, received: dict[str, Any]) -> bool:
    """Whether a re-sent id carries the statement already stored (Statement Comparison
    Requirements: LRS-set properties, a filled-in timestamp, key order... do not count)."""
    return stored.content_hash == new.content_hash or validation.statements_equivalent(stored.payload, received)


# --- the service ---------------------------------------------------------------------------------


@gcpause.paused()  # ~100,000 objects a batch of 1,000: see core.gcpause
def statement_store(
    *,
    statements: list[dict[str, Any]],
    client: LrsClient | None,
    version: str,
    statement_id: str | None = None,
    attachments: dict[str, tuple[str, bytes]] | None = None,
) -> list[str]:
    """Store a batch of statements whole or not at all; return their ids in order.

    Validation and preparation (pure Python, about half of the time) run before the
    transaction opens: on SQLite a transaction holds the database's one write lock, so
    concurrent requests validate in parallel and queue for the writes only. The writes
    (``_write``) are one transaction: the batch is stored whole or not at all.

    ``statement_id`` is the PUT case (one statement, its id given by the query string).
    ``attachments`` maps a SHA-256 to (content type, bytes) for the parts of a multipart
    request. Raises ``XapiError`` (400, with the JSON path), ``Conflict`` (409).
    """
    if not statements:
        return []
    if statement_id is not None and len(statements) == 1:
        statements = validation.validate_statements(statements[0], version=version)  # errors at "statement..."
    else:
        statements = validation.validate_statements(statements, version=version)
    stored = iso_timestamp(timezone.now())  # provisional: stamped again inside the transaction
    stmt_version = "2.0.0" if version.startswith("2.") else "1.0.0"
    authority = internal_authority() if client is None else (client.authority or default_authority(client))

    if statement_id is not None:
        wanted_id = str(uuid.UUID(statement_id))
        body_id = statements[0].get("id")
        if body_id is not None and str(uuid.UUID(str(body_id))) != wanted_id:
            raise XapiError(
                "The statement's id differs from the statementId parameter.", path="statement.id", rule="put-id"
            )
        statements[0] = {**statements[0], "id": wanted_id}

    agents: dict[str, dict[str, Any]] = {}
    verbs: dict[str, dict[str, Any]] = {}
    activities: dict[str, dict[str, Any]] = {}
    ids: list[str] = []
    batch: dict[str, _Prepared] = {}
    received: dict[str, dict[str, Any]] = {}
    for index, stmt in enumerate(statements):
        if "id" not in stmt:
            stmt = {**stmt, "id": str(uuid.uuid4())}
        prepared = _prepare(
            stmt,
            index=index,
            stored=stored,
            authority=authority,
            version=stmt_version,
            agents=agents,
            verbs=verbs,
            activities=activities,
        )
        ids.append(prepared.statement_id)
        if prepared.statement_id in batch:
            first = received[prepared.statement_id]
            if prepared.content_hash != batch[prepared.statement_id].content_hash and not (
                validation.statements_equivalent(first, stmt)
            ):
                raise XapiError(
                    f"Statement id {prepared.statement_id} appears twice in the batch with different content.",
                    path=f"statements[{index}].id",
                    rule="duplicate-id",
                )
            continue
        batch[prepared.statement_id] = prepared
        received[prepared.statement_id] = stmt

    _check_attachments(statements, attachments or {})
    _check_signatures(statements, attachments or {})

    def write(known: set[str] | None) -> list[str]:
        return _write(
            batch=batch,
            received=received,
            ids=ids,
            agents=agents,
            verbs=verbs,
            activities=activities,
            client=client,
            attachments=attachments,
            known=known,
        )

    # Ids already stored, read before the transaction: on SQLite, outside the write lock,
    # in parallel with the other requests (at 700,000 statements this probe of the
    # statement-id index took 23 ms of a batch's serial part). A request that stores one
    # of these ids in between makes the insert fail on the unique index: the batch is then
    # written again, checking inside the transaction (on PostgreSQL, a concurrent request
    # storing the same new id now gets its statement accepted rather than an error).
    known = bulk.existing(Statement, "statement_id", list(batch))
    with _writer_turn():
        try:
            stored_ids = write(known)
        except IntegrityError:
            stored_ids = write(None)
    _sync_log()
    _checkpoint()
    return stored_ids


def _sqlite_file_between_transactions() -> bool:
    """A SQLite database file (not in memory), with no transaction open on it."""
    return (
        connection.vendor == "sqlite"
        and not connection.in_atomic_block
        and not connection.creation.is_in_memory_db(connection.settings_dict["NAME"])  # type: ignore[attr-defined]
    )


@contextlib.contextmanager
def _writer_turn() -> Iterator[None]:
    """SQLite: batches take the database's one write lock in turn, woken by the kernel
    rather than by SQLite's sleeps (0041).

    A request that finds the write lock taken is put to sleep by SQLite's busy handler for
    1, 2, 5... then 25, 50 and 100 ms at a time, and does not notice when the lock is
    released: under sustained concurrent ingest the lock is the bottleneck (taken 100 % of
    the time, measured), and each hand-over could leave it free for tens of milliseconds.
    Here the batches of all processes queue on an exclusive ``flock`` of a file beside the
    database, taken before the transaction opens and released after it commits: the kernel
    wakes the next one at once.

    Only outside any transaction (one already open may hold the database lock: waiting for
    the file then could stall the holder of the file) and for a database file."""
    if not _sqlite_file_between_transactions():
        yield
        return
    try:
        # Group-writable (less the umask): a web process and a worker running as two users
        # of one group share the database, and so the lock.
        fd = os.open(f"{connection.settings_dict['NAME']}-ingest-lock", os.O_RDWR | os.O_CREAT, 0o660)
    except OSError:  # no lock file to be had (read-only directory, another owner): SQLite's queue
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _sync_log() -> None:
    """SQLite: flush the write-ahead log to disk once the batch is committed, outside its
    turn, before the request is answered (0042).

    With ``synchronous=NORMAL`` a commit only writes its pages into the log, in the
    operating system's cache: a power loss could take back batches already acknowledged,
    and the next checkpoint flushes ~400 MB of log at once, inside the turn of the batch
    that crosses the threshold while every other batch waits. Here each request flushes the
    log (one ``fdatasync``: its own pages and any other process's) after releasing its
    turn, while the next batch writes."""
    if not _sqlite_file_between_transactions():
        return
    try:
        fd = os.open(f"{connection.settings_dict['NAME']}-wal", os.O_RDONLY)
    except OSError:  # no log (not in WAL mode)
        return
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


WAL_BYTES = 1024 * 1024 * 1024  # SQLite write-ahead log size beyond which it is truncated (0040)


def _checkpoint() -> None:
    """SQLite: keep the write-ahead log short under sustained concurrent ingest.

    SQLite's automatic checkpoint copies the log into the database at commit but can only
    start the log over when no reader is using it; with several processes writing without
    pause one always is, and the log grows without end (measured: 12 GB after 900,000
    statements, ingest at half speed as every page read searches the log's index). After
    each batch, outside any transaction, when the log file is past ``WAL_BYTES`` (a
    ``stat``: no query), a ``TRUNCATE`` checkpoint waits (busy timeout) for the readers to
    move to the database file and empties the log."""
    if not _sqlite_file_between_transactions():
        return
    try:
        size = os.path.getsize(f"{connection.settings_dict['NAME']}-wal")
    except OSError:  # no log (in-memory database, or not in WAL mode)
        return
    if size > WAL_BYTES:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@transaction.atomic
def _write(
    *,
    batch: dict[str, _Prepared],
    received: dict[str, dict[str, Any]],
    ids: list[str],
    agents: dict[str, dict[str, Any]],
    verbs: dict[str, dict[str, Any]],
    activities: dict[str, dict[str, Any]],
    client: LrsClient | None,
    attachments: dict[str, tuple[str, bytes]] | None,
    known: set[str] | None,
) -> list[str]:
    """The database part of ``statement_store``: one transaction for the batch.

    ``known``: the ids of the batch found stored just before the transaction (``None``:
    look inside it). Running twice on the same batch gives the same result.

    ``stored`` is stamped here, inside the transaction (on SQLite: holding the write lock),
    so that ``stored`` follows the order of the commits as closely as the database allows
    (a ``since`` poll must not miss a statement committed after a later-stamped one)."""
    stored_at = timezone.now()
    stored = iso_timestamp(stored_at)
    for p in batch.values():
        p.payload["stored"] = stored
        if p.timestamp_defaulted:
            p.payload["timestamp"] = stored
            p.timestamp = stored_at
    # Ids already stored: the same statement is accepted (and not stored twice). Only the
    # ids are read for the batch; payloads just for the (rare) ids found.
    if known is None:
        known = bulk.existing(Statement, "statement_id", list(batch))
    known &= set(batch)
    for chunk in _chunks(sorted(known)):
        for existing in Statement.objects.filter(statement_id__in=chunk).only(
            "statement_id", "payload", "content_hash"
        ):
            sid = str(existing.statement_id)
            if not _same_statement(existing, batch[sid], received[sid]):
                raise Conflict(
                    f"A different statement with id {sid} is already stored.",
                    path=f"statements[{ids.index(sid)}].id",
                    rule="conflict",
                )
            del batch[sid]
    if not batch:
        return ids

    newly_voided = _void(batch)

    agent_rows = _intern(Agent, "ifi", agents, fields=("employee_id",), on_create=_match_employees)
    verb_rows = _intern(Verb, "iri", verbs, fields=("display",))
    activity_rows = _intern(
        Activity,
        "iri",
        {iri: {**d, "first_seen": stored_at, "last_seen": stored_at} for iri, d in activities.items()},
        fields=("definition", "last_seen"),
        on_create=_name_activities,
    )
    _refresh_definitions(verb_rows, verbs, activity_rows, activities, stored_at)

    client_id = client.pk if client is not None else None
    todo = list(batch.values())
    actor_ids = [agent_rows[p.actor_ifi].pk if p.actor_ifi else None for p in todo]
    activity_ids = [activity_rows[p.activity_iri].pk if p.activity_iri else None for p in todo]
    pks = bulk.insert(
        Statement,
        STATEMENT_FIELDS,
        [
            (
                p.statement_id,
                stored_at,
                p.timestamp,
                actor_id,
                verb_rows[p.verb_iri].pk,
                activity_id,
                p.registration,
                p.voided_target,
                p.ref_target,
                p.voided,
                client_id,
                p.payload["version"],
                p.payload,
                p.content_hash,
            )
            for p, actor_id, activity_id in zip(todo, actor_ids, activity_ids, strict=True)
        ],
        returning=True,
    )
    refs: list[tuple[int, int | None, int | None]] = []
    for pk, p in zip(pks, todo, strict=True):
        refs += [(pk, agent_rows[ifi].pk, None) for ifi in p.related_agents]
        refs += [(pk, None, activity_rows[iri].pk) for iri in p.related_activities]
    bulk.insert(StatementRef, ["statement", "agent", "activity"], refs)

    if attachments:
        Attachment.objects.bulk_create(
            [
                Attachment(sha2=sha2, content_type=ctype, length=len(content), content=content)
                for sha2, (ctype, content) in attachments.items()
            ],
            ignore_conflicts=True,
        )
    projections.run(
        projections.Batch(
            statements=[
                projections.StoredStatement(
                    pk=pk,
                    statement_id=p.statement_id,
                    payload=p.payload,
                    actor_id=actor_id,
                    verb_iri=p.verb_iri,
                    activity_id=activity_id,
                    registration=p.registration,
                    employee_id=agent_rows[p.actor_ifi].employee_id if p.actor_ifi else None,
                    voided=p.voided,
                )
                for pk, p, actor_id, activity_id in zip(pks, todo, actor_ids, activity_ids, strict=True)
            ],
            voided=newly_voided,
        )
    )
    # Last: every batch of a client updates this one row, and holds its lock until commit.
    if client is not None:
        LrsClient.objects.filter(pk=client.pk).update(statement_count=F("statement_count") + len(pks))
    return ids


def _void(batch: dict[str, _Prepared]) -> list[projections.StoredStatement]:
    """Mark the targets of voiding statements (stored ones and those of this batch), and
    the statements of this batch that a stored voiding statement already targets.

    A voiding statement may not target another voiding statement (400). Its target need not
    be stored yet: the voiding statement is kept, and when the target arrives later it is
    stored voided (one query per batch on the partial index ``lrs_stmt_voided_target_idx``,
    which holds the voiding statements only). A voiding statement that turns out to be the
    target of an earlier one is not voided: a voiding statement cannot be voided.

    Returns the statements stored earlier that this batch voids, for the projections to
    take them back out (``projections.Batch.voided``).
    """
    plain = [sid for sid, p in batch.items() if not p.voided_target]
    for sid in bulk.existing(Statement, "voided_target", plain, index_only=True):
        batch[sid].voided = True
    targets = {p.voided_target for p in batch.values() if p.voided_target}
    if not targets:
        return []
    for target in targets:
        in_batch = batch.get(target)
        if in_batch is not None:
            if in_batch.voided_target:
                raise XapiError(
                    "A voiding statement cannot void another voiding statement.",
                    path="object.id",
                    rule="void-voiding",
                )
            in_batch.voided = True
    stored_targets = [t for t in targets if t not in batch]
    newly_voided: list[projections.StoredStatement] = []
    for chunk in _chunks(stored_targets):
        voiding_targets = Statement.objects.filter(statement_id__in=chunk, voided_target__isnull=False)
        if voiding_targets.exists():
            raise XapiError(
                "A voiding statement cannot void another voiding statement.",
                path="object.id",
                rule="void-voiding",
            )
        # A voided statement stays voided: only the flag is set, never cleared.
        targeted = Statement.objects.filter(statement_id__in=chunk, voided=False)
        found = projections.stored_statements(targeted)
        Statement.objects.filter(pk__in=[s.pk for s in found]).update(voided=True)
        newly_voided += [replace(s, voided=True) for s in found]
    return newly_voided


LAST_SEEN_PRECISION = 60  # seconds


def _refresh_definitions(
    verb_rows: dict[str, SimpleNamespace],
    verbs: dict[str, dict[str, Any]],
    activity_rows: dict[str, SimpleNamespace],
    activities: dict[str, dict[str, Any]],
    stored_at: dt.datetime,
) -> None:
    """Keep the canonical verb displays and activity definitions up to date (the latest
    definition wins, language maps merged) and the activities' ``last_seen`` (to the minute)."""
    changed_verbs = []
    for iri, wanted in verbs.items():
        row = verb_rows[iri]
        merged = {**row.display, **wanted["display"]}
        if merged != row.display:
            row.display = merged
            changed_verbs.append(Verb(pk=row.pk, iri=iri, display=merged))
    if changed_verbs:  # in id order, like every row lock of the ingest (no deadlock)
        changed_verbs.sort(key=lambda row: row.pk)
        Verb.objects.bulk_update(changed_verbs, ["display"], batch_size=500)
    changed = []
    for iri, wanted in activities.items():
        activity = activity_rows[iri]
        merged = (
            _merge_definition(activity.definition, wanted["definition"])
            if wanted["definition"]
            else activity.definition
        )
        if merged != activity.definition:
            activity.definition = merged
            changed.append(
                Activity(pk=activity.pk, iri=iri, definition=merged, sort_name=activity_sort_name(merged, iri))
            )
    if changed:
        changed.sort(key=lambda row: row.pk)
        Activity.objects.bulk_update(changed, ["definition", "sort_name"], batch_size=500)
    # ``last_seen`` to the minute: updating it on every batch would lock the same activity
    # rows in every concurrent batch until commit (the batches would queue on PostgreSQL).
    stale = stored_at - dt.timedelta(seconds=LAST_SEEN_PRECISION)
    seen = sorted(row.pk for row in activity_rows.values() if row.last_seen < stale)
    for chunk in _chunks(seen):
        Activity.objects.filter(pk__in=chunk).update(last_seen=stored_at)


def _check_signatures(statements: list[dict[str, Any]], parts: dict[str, tuple[str, bytes]]) -> None:
    """Signed statements (validated): the JWS is well formed, uses RS256/384/512, its RSA
    signature verifies with the key of its ``x5c`` certificate when it carries one, and its
    payload is the statement (``validation.verify_jws``, ``validation.signed_payload_matches``)."""
    for index, stmt in enumerate(statements):
        for number, attachment in enumerate(stmt.get("attachments") or ()):
            if attachment.get("usageType") != validation.SIGNATURE_USAGE:
                continue
            path = f"statements[{index}].attachments[{number}]"
            if attachment.get("contentType") != "application/octet-stream":
                raise XapiError(
                    "A signature attachment has contentType application/octet-stream.", path=path, rule="signature"
                )
            part = parts.get(attachment.get("sha2", ""))
            if part is None:
                raise XapiError("The signature's part is missing.", path=path, rule="signature")
            payload = validation.verify_jws(part[1], path=path)
            if not validation.signed_payload_matches(payload, stmt):
                raise XapiError("The signed payload differs from the statement.", path=path, rule="signature")


def _check_attachments(statements: Iterable[dict[str, Any]], parts: dict[str, tuple[str, bytes]]) -> None:
    """Every declared attachment without a ``fileUrl`` has its part, and every part is declared."""
    declared: set[str] = set()
    for index, stmt in enumerate(statements):
        for number, attachment in enumerate(stmt.get("attachments") or ()):
            sha2 = attachment.get("sha2")
            declared.add(sha2)
            if not attachment.get("fileUrl") and sha2 not in parts:
                raise XapiError(
                    "This attachment has no fileUrl and no part of the request carries its content.",
                    path=f"statements[{index}].attachments[{number}].sha2",
                    rule="attachment-missing",
                )
    extra = sorted(set(parts) - declared)
    if extra:
        raise XapiError(
            f"The request carries an attachment part that no statement declares (hash {extra[0]}).",
            rule="attachment-undeclared",
        )
