"""Reads of the LRS: the statement queries of the Statements resource (GET).

A query walks ``Statement`` by id (ids grow with ``stored``: the order of storage), newest
first unless ``ascending``. Every filter is an indexed ``(key, id)`` range: verb; actor,
activity and registration per era, read era by era (``lrs.eras``). ``related_agents`` /
``related_activities`` add the statements found through ``StatementRef``; a statement whose
object is a StatementRef also matches through its target (``ref_target``, XAPI-00162).

Pages (``more``): the cursor is a signed token carrying the query, the last id returned and
the highest id that existed when the first page was read (``until_id``). Later pages never
see statements stored after the first page, and never repeat or skip one, however many
statements arrive in between.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet

from pilotage.lrs import eras, validation
from pilotage.lrs.errors import NotFoundError, XapiError
from pilotage.lrs.models import Activity, Agent, Attachment, LrsClient, Statement, StatementRef, Verb

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
FORMATS = ("exact", "ids", "canonical")
QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}
SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}
CURSOR_SALT = "pilotage.lrs.statements.more"


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise XapiError(f"The {name} parameter must be true or false.", path=name, rule="boolean-param")
    return value == "true"


@dataclass
class StatementQuery:
    """A parsed, checked statement query (the parameters of GET /xapi/statements)."""

    agent_ifi: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = DEFAULT_LIMIT
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    # Paging state (from a ``more`` cursor).
    after_id: int | None = None
    until_id: int | None = None

    def as_cursor(self) -> str:
        return signing.dumps(self.__dict__, salt=CURSOR_SALT, compress=True)

    @classmethod
    def from_cursor(cls, cursor: str) -> StatementQuery:
        try:
            data = signing.loads(cursor, salt=CURSOR_SALT)
        except signing.BadSignature:
            raise NotFoundError("This more link is not valid (altered, or from another server).") from None
        return cls(**data)


def parse_format(params: dict[str, str]) -> str:
    value = params.get("format", "exact")
    if value not in FORMATS:
        raise XapiError("The format parameter must be ids, exact or canonical.", path="format", rule="format-param")
    return value


def parse_query(params: dict[str, str]) -> StatementQuery:
    unknown = sorted(set(params) - QUERY_PARAMS)
    if unknown:
        raise XapiError(f"Unknown query parameter: {unknown[0]}.", path=unknown[0], rule="unknown-param")
    query = StatementQuery(format=parse_format(params))
    if "agent" in params:
        try:
            agent = json.loads(params["agent"])
        except ValueError:
            raise XapiError("The agent parameter is not valid JSON.", path="agent", rule="agent-param") from None
        if not isinstance(agent, dict):
            raise XapiError("The agent parameter must be an Agent or Group object.", path="agent", rule="agent-param")
        ifi = validation.agent_ifi(agent)
        if ifi is None:
            raise XapiError(
                "The agent parameter must carry one inverse functional identifier.", path="agent", rule="agent-param"
            )
        query.agent_ifi = ifi
    query.verb = params.get("verb")
    query.activity = params.get("activity")
    if "registration" in params:
        try:
            query.registration = str(uuid.UUID(params["registration"]))
        except ValueError:
            raise XapiError("The registration parameter is not a UUID.", path="registration", rule="uuid") from None
    for name in ("since", "until"):
        if name in params:
            moment = validation.parse_timestamp(params[name], path=name)
            setattr(query, name, moment.isoformat())
    query.related_agents = _bool(params, "related_agents")
    query.related_activities = _bool(params, "related_activities")
    query.attachments = _bool(params, "attachments")
    query.ascending = _bool(params, "ascending")
    if "limit" in params:
        try:
            limit = int(params["limit"])
        except ValueError:
            limit = -1
        if limit < 0:
            raise XapiError("The limit parameter must be a whole number ≥ 0.", path="limit", rule="limit-param")
        query.limit = MAX_LIMIT if limit == 0 else min(limit, MAX_LIMIT)
    return query


def _scoped(client: LrsClient | None) -> QuerySet[Statement]:
    """Statements this client may read: all, or only its own with ``statements/read/mine``."""
    qs = Statement.objects.all()
    if client is not None:
        scopes = set(client.scopes or ())
        if not ({"all", "statements/read"} & scopes):
            qs = qs.filter(client=client)
    return qs


def statement_get(*, client: LrsClient | None, statement_id: str, voided: bool) -> Statement:
    """One statement by ``statementId`` (not voided) or ``voidedStatementId`` (voided only)."""
    try:
        sid = uuid.UUID(statement_id)
    except ValueError:
        raise XapiError("The statement id is not a UUID.", rule="uuid") from None
    statement = _scoped(client).filter(statement_id=sid, voided=voided).first()
    if statement is None:
        raise NotFoundError(f"No {'voided ' if voided else ''}statement with id {sid}.")
    return statement


@dataclass
class Page:
    statements: list[Statement]
    more: str  # "" when there is no next page


def statement_query(*, client: LrsClient | None, query: StatementQuery) -> Page:
    """One page of statements for ``query`` (voided statements excluded).

    A statement whose object is a StatementRef also matches when the statement it targets
    matches the agent, verb, activity and registration filters (XAPI-00162) — the voiding
    statement of a matching statement, for one: ``since``/``until`` and the page apply to the
    statement itself, the target may be voided. Those statements are walked on their own small
    partial index (``lrs_stmt_refs_idx``), so queries over stores without references pay an
    empty index probe.
    """
    qs = _scoped(client).filter(voided=False)
    if query.until_id is None:
        query.until_id = eras.last_id()
    qs = qs.filter(id__lte=query.until_id)
    # The id range the page lies in, for the era walks below.
    low, high = 1, query.until_id
    if query.after_id is not None:
        qs = qs.filter(id__gt=query.after_id) if query.ascending else qs.filter(id__lt=query.after_id)
        if query.ascending:
            low = query.after_id + 1
        else:
            high = min(high, query.after_id - 1)

    # The agent filter (and ``related_activities``) is "actor OR a reference": an OR over
    # two indexes that no database walks in id order. Each alternative ("branch") is run
    # on its own index-ordered ``(key, id)`` range (era by era: ``lrs.eras``) with the
    # page's limit, and the pages merged: a few index walks of at most limit + 1 rows
    # instead of a scan of the table.
    check_object_agent: int | None = None
    agent_branches: list[Q] = [Q()]
    content = Q()  # the filters on the statement's own content (verb, registration)
    if query.agent_ifi is not None:
        agent_id = Agent.objects.filter(ifi=query.agent_ifi).values_list("pk", flat=True).first()
        authorities = _authority_clients(query.agent_ifi) if query.related_agents else []
        if agent_id is None and not authorities:
            return Page([], "")
        agent_branches = []
        if agent_id is not None:
            agent_branches.append(Q(actor_id=agent_id))
            refs = StatementRef.objects.filter(agent_id=agent_id)
            if refs.exists():
                ref_ids = refs.values("statement_id")
                # Without related_agents, the references hold the candidates (checked below):
                # the object when it is this agent or group, and a Group actor or object that
                # has this agent among its members ("Groups that have members which match the
                # specified Agent ... are considered a match", Communication 2.1.3).
                agent_branches.append(Q(id__in=ref_ids))
            if not query.related_agents:
                check_object_agent = agent_id
        for client_id in authorities:
            agent_branches.append(Q(client__isnull=True) if client_id is None else Q(client_id=client_id))
    if query.verb is not None:
        verb_id = Verb.objects.filter(iri=query.verb).values_list("pk", flat=True).first()
        if verb_id is None:
            return Page([], "")
        content &= Q(verb_id=verb_id)
    activity_branches: list[Q] = [Q()]
    if query.activity is not None:
        activity_id = Activity.objects.filter(iri=query.activity).values_list("pk", flat=True).first()
        if activity_id is None:
            return Page([], "")
        activity_branches = [Q(activity_id=activity_id)]
        if query.related_activities:
            refs = StatementRef.objects.filter(activity_id=activity_id)
            if refs.exists():
                activity_branches.append(Q(id__in=refs.values("statement_id")))
    if query.registration is not None:
        content &= Q(registration=query.registration)
    if query.since is not None:
        since = dt.datetime.fromisoformat(query.since)
        qs = qs.filter(stored__gt=since)
        floor = _id_floor(since)
        if floor is not None:
            qs = qs.filter(id__gt=floor)
            low = max(low, floor + 1)
    if query.until is not None:
        qs = qs.filter(stored__lte=dt.datetime.fromisoformat(query.until))

    order = "id" if query.ascending else "-id"
    branches = [a & b for a in agent_branches for b in activity_branches]
    matching = qs.filter(content)
    filtered = any(f is not None for f in (query.agent_ifi, query.verb, query.activity, query.registration))
    if not filtered:  # nothing a target could match that the statement itself does not
        rows = list(matching.filter(branches[0]).order_by(order)[: query.limit + 1])
    else:
        # Each branch read era by era (the actor, activity and registration indexes are
        # per era, ``lrs.eras``), newest or oldest first, up to the page's limit.
        found: dict[int, Statement] = {}
        for branch in branches:
            for row in eras.walk(
                matching.filter(branch), limit=query.limit + 1, descending=not query.ascending, low=low, high=high
            ):
                found[row.pk] = row
        conditions = [_either(agent_branches), _either(activity_branches)]
        if query.verb is not None:
            conditions.append(Q(verb_id=verb_id))
        if query.registration is not None:
            conditions.append(Q(registration=query.registration))
        targeting = _targeting(qs, [c for c in conditions if c], order=order, limit=query.limit + 1)
        found.update((row.pk, row) for row in targeting)
        rows = sorted(found.values(), key=lambda row: row.pk, reverse=not query.ascending)[: query.limit + 1]
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    more = ""
    if has_more and rows:
        following = StatementQuery(**{**query.__dict__, "after_id": rows[-1].pk})
        more = following.as_cursor()
    if check_object_agent is not None:
        targets = _target_payloads(rows)
        rows = [
            row
            for row in rows
            if _about_agent(row.actor_id, row.payload, check_object_agent, query.agent_ifi)
            or (
                row.ref_target is not None
                and str(row.ref_target) in targets
                and _about_agent(*targets[str(row.ref_target)], check_object_agent, query.agent_ifi)
            )
        ]
    return Page(rows, more)


def _about_agent(actor_id: int | None, payload: dict[str, Any], agent_id: int, ifi: str | None) -> bool:
    """The plain ``agent`` filter: the statement's actor, or its actor or object is this agent
    or a group with this agent as a member."""
    return (
        actor_id == agent_id
        or _is_or_has_member(payload.get("actor"), ifi)
        or _is_or_has_member(payload.get("object"), ifi)
    )


def _either(branches: list[Q]) -> Q:
    """The alternatives of one filter as one condition (``Q()``: no filter)."""
    either = Q()
    for branch in branches:
        either |= branch
    return either


def _targeting(qs: QuerySet[Statement], conditions: list[Q], *, order: str, limit: int) -> list[Statement]:
    """Statements of ``qs`` whose object is a StatementRef and that meet each of the
    filter ``conditions`` themselves or through their target (voided or not).

    Each filter is read on its own, as the specification words it ("statements which
    target another statement ... will meet the filter condition if the targeted statement
    meets the filter condition", Communication 2.1.3): ``verb=voided&agent=<the learner>``
    returns the voiding statement an administrator made of the learner's statement (the
    verb holds on the voiding statement, the agent on its target). One level: the target's
    own target is not followed. The walk runs on the partial index of reference statements
    (``lrs_stmt_refs_idx``), which holds only those."""
    met = Q()
    for condition in conditions:
        target = Statement.objects.filter(statement_id=OuterRef("ref_target")).filter(condition)
        met &= condition | Q(Exists(target))
    return list(qs.filter(ref_target__isnull=False).filter(met).order_by(order)[:limit])


def _target_payloads(rows: list[Statement]) -> dict[str, tuple[int | None, dict[str, Any]]]:
    """The actor id and payload of the statements ``rows`` target (one query)."""
    ids = [row.ref_target for row in rows if row.ref_target is not None]
    if not ids:
        return {}
    return {
        str(sid): (actor_id, payload)
        for sid, actor_id, payload in Statement.objects.filter(statement_id__in=ids).values_list(
            "statement_id", "actor_id", "payload"
        )
    }


# How long a batch may take between stamping ``stored`` and drawing its ids (seconds): far
# more than any batch the request size limit lets through.
SINCE_MARGIN = dt.timedelta(minutes=10)


def _id_floor(since: dt.datetime) -> int | None:
    """An id every statement stored after ``since`` is above: that of the last statement
    (in ``stored`` order, one step of the ``stored`` index) stored ``SINCE_MARGIN`` before.

    A batch stamps ``stored`` and then draws its ids, within seconds; so a statement stamped
    before ``since - SINCE_MARGIN`` drew its id before ``since``, and any statement stamped
    after ``since`` draws a larger one (on SQLite, batches are serial and both orders agree
    anyway). The bound lets the ``(key, id)`` index walks of the agent, verb, activity and
    registration filters stop where ``since`` starts, instead of walking a key's whole
    history checking ``stored`` row by row (an agent with 5,000 statements and a ``since``
    near the end: 160 ms → a few ms at 10 M statements)."""
    return (
        Statement.objects.filter(stored__lte=since - SINCE_MARGIN)
        .order_by("-stored")
        .values_list("id", flat=True)
        .first()
    )


def _authority_clients(ifi: str) -> list[int | None]:
    """Clients whose statements carry this agent in their authority (``None``: statements
    stored by Pilotage itself). The authority is the same for all of a client's statements,
    so it is matched through ``Statement.client`` rather than one reference per statement."""
    from pilotage.lrs.services import default_authority, internal_authority

    found: list[int | None] = []
    candidates: list[tuple[int | None, dict[str, Any]]] = [(None, internal_authority())]
    candidates += [
        (c.pk, c.authority or default_authority(c)) for c in LrsClient.objects.only("pk", "key", "authority")
    ]
    for pk, authority in candidates:
        members = [authority, *(authority.get("member") or [])]
        if any(isinstance(m, dict) and validation.agent_ifi(m) == ifi for m in members):
            found.append(pk)
    return found


def _is_or_has_member(obj: Any, ifi: str | None) -> bool:
    """``obj`` (an actor or object) is this agent or identified group, or a Group with a
    member that is this agent."""
    if not isinstance(obj, dict):
        return False
    kind = obj.get("objectType") or "Agent"
    if kind not in ("Agent", "Group"):
        return False
    if validation.agent_ifi(obj) == ifi:
        return True
    if kind == "Group":
        return any(isinstance(m, dict) and validation.agent_ifi(m) == ifi for m in obj.get("member") or ())
    return False


# --- formats -----------------------------------------------------------------------------


def _agent_ids(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    slim: dict[str, Any] = {"objectType": agent.get("objectType", "Agent")}
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            slim[key] = agent[key]
    if slim["objectType"] == "Group" and len(slim) == 1 and "member" in agent:
        slim["member"] = [_agent_ids(m) for m in agent["member"]]
    return slim


def _object_ids(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": obj.get("id")}  # the minimum: objectType "Activity" is the default
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "SubStatement":
        return _statement_ids(obj)
    return obj


def _context_ids(context: Any) -> Any:
    if not isinstance(context, dict):
        return context
    out = dict(context)
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _agent_ids(out[key])
    if "contextActivities" in out:
        out["contextActivities"] = {
            name: [_object_ids(a) for a in group] for name, group in _context_activities(out).items()
        }
    if "contextAgents" in out:
        out["contextAgents"] = [{**e, "agent": _agent_ids(e.get("agent"))} for e in out["contextAgents"]]
    if "contextGroups" in out:
        out["contextGroups"] = [{**e, "group": _agent_ids(e.get("group"))} for e in out["contextGroups"]]
    return out


def _statement_ids(stmt: dict[str, Any]) -> dict[str, Any]:
    out = dict(stmt)
    out["actor"] = _agent_ids(stmt.get("actor"))
    out["verb"] = {"id": stmt["verb"]["id"]}
    out["object"] = _object_ids(stmt.get("object"))
    if "authority" in out:
        out["authority"] = _agent_ids(out["authority"])
    if "context" in out:
        out["context"] = _context_ids(out["context"])
    return out


def pick_language(language_map: dict[str, str], accepted: list[str]) -> dict[str, str]:
    """One entry of a language map: the first accepted language (or its primary subtag),
    else ``und``, else the first entry."""
    if not language_map:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in accepted:
        wanted = wanted.lower()
        if wanted in lowered:
            return {lowered[wanted]: language_map[lowered[wanted]]}
        for tag_lower, tag in lowered.items():
            if tag_lower.split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    if "und" in language_map:
        return {"und": language_map["und"]}
    first = next(iter(language_map))
    return {first: language_map[first]}


def parse_accept_language(header: str) -> list[str]:
    entries = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        entries.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(entries)]


def _canonical_definition(definition: dict[str, Any], accepted: list[str]) -> dict[str, Any]:
    out = dict(definition)
    for key in ("name", "description"):
        if isinstance(out.get(key), dict):
            out[key] = pick_language(out[key], accepted)
    for key in ("choices", "scale", "source", "target", "steps"):
        if isinstance(out.get(key), list):
            out[key] = [
                {**c, "description": pick_language(c["description"], accepted)}
                if isinstance(c, dict) and isinstance(c.get("description"), dict)
                else c
                for c in out[key]
            ]
    return out


def render_statements(statements: list[dict[str, Any]], *, fmt: str, accept_language: str = "") -> list[dict[str, Any]]:
    """The statements in the asked format: ``exact`` as stored, ``ids`` reduced to
    identifiers, ``canonical`` with the LRS's activity definitions and verb displays in one
    language each (chosen by ``Accept-Language``), wherever they appear: the statement's
    verb and object, its context activities, and the same inside a sub-statement."""
    if fmt == "ids":
        return [_statement_ids(s) for s in statements]
    if fmt != "canonical":
        return statements
    accepted = parse_accept_language(accept_language)
    iris: set[str] = set()
    verb_iris: set[str] = set()
    for stmt in statements:
        _collect_ids(stmt, iris, verb_iris)
    definitions = dict(Activity.objects.filter(iri__in=iris).values_list("iri", "definition"))
    displays = dict(Verb.objects.filter(iri__in=verb_iris).values_list("iri", "display"))
    return [_canonical_statement(stmt, definitions, displays, accepted) for stmt in statements]


def _context_activities(context: Any) -> dict[str, list[Any]]:
    """A context's activities by group (parent, grouping...), each group a list (1.0.x also
    allowed a single object)."""
    groups = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(groups, dict):
        return {}
    return {name: group if isinstance(group, list) else [group] for name, group in groups.items()}


def _activities(stmt: dict[str, Any]) -> list[Any]:
    """The statement's own activities: its object when it is one, its context activities."""
    found = [stmt.get("object")]
    for group in _context_activities(stmt.get("context")).values():
        found += group
    return [a for a in found if isinstance(a, dict) and a.get("objectType", "Activity") == "Activity"]


def _collect_ids(stmt: dict[str, Any], iris: set[str], verb_iris: set[str]) -> None:
    verb = stmt.get("verb")
    if isinstance(verb, dict) and isinstance(verb.get("id"), str):
        verb_iris.add(verb["id"])
    iris.update(a["id"] for a in _activities(stmt) if isinstance(a.get("id"), str))
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        _collect_ids(obj, iris, verb_iris)


def _canonical_activity(activity: Any, definitions: dict[str, Any], accepted: list[str]) -> Any:
    if not isinstance(activity, dict) or activity.get("objectType", "Activity") != "Activity":
        return activity
    definition = definitions.get(str(activity.get("id"))) or activity.get("definition")
    return {**activity, "definition": _canonical_definition(definition, accepted)} if definition else activity


def _canonical_statement(
    stmt: dict[str, Any], definitions: dict[str, Any], displays: dict[str, Any], accepted: list[str]
) -> dict[str, Any]:
    stmt = dict(stmt)
    verb = dict(stmt["verb"])
    display = displays.get(verb["id"]) or verb.get("display")
    if display:
        verb["display"] = pick_language(display, accepted)
    stmt["verb"] = verb
    obj = stmt["object"]
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        stmt["object"] = _canonical_statement(obj, definitions, displays, accepted)
    else:
        stmt["object"] = _canonical_activity(obj, definitions, accepted)
    groups = _context_activities(stmt.get("context"))
    if groups:
        stmt["context"] = {
            **stmt["context"],
            "contextActivities": {
                name: [_canonical_activity(a, definitions, accepted) for a in group] for name, group in groups.items()
            },
        }
    return stmt


def attachments_of(statements: list[dict[str, Any]]) -> list[Attachment]:
    """The stored attachment contents that ``statements`` declare (for ``attachments=true``)."""
    wanted = {a.get("sha2") for s in statements for a in s.get("attachments") or () if a.get("sha2")}
    if not wanted:
        return []
    return list(Attachment.objects.filter(sha2__in=wanted))
