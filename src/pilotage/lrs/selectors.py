"""Scoped reads of learning records for people (the web browser, the REST API, exports).

The xAPI resource (``queries.py``) answers LRS *clients*; this module answers *users*, with
the one scoping rule of Pilotage:

- the DLM and the L&D team see every statement and every progress row;
- internal clients and managers see those of the employees in their scope
  (``pilotage.people.queries.employee_scope_q``) — and nothing of unmatched actors;
- every other role is refused (``PermissionDenied``, 403).

A statement belongs to a learner through its actor's matched employee (``Agent.employee``);
a progress row through its ``employee``. Anything outside the scope answers 404.

Statements are listed newest first with *keyset* pagination on the row id (``after`` /
``before``), never OFFSET: the cost of a page does not grow with its depth. There is no
total count of statements (a COUNT over a big table costs more than the page); the facets
are computed over a bounded sample of the latest matching statements.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pilotage.lrs import eras
from pilotage.lrs.models import Activity, Agent, LearnerProgress, Statement, Verb
from pilotage.lrs.queries import pick_language
from pilotage.people.models import Employee, Role
from pilotage.people.permissions import has_role, is_staff_member
from pilotage.people.queries import employee_scope_q, employee_text_q, org_unit_list

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
FACET_SAMPLE = 5000
FACET_TOP = 10
IFI_PREFIXES = ("mbox:", "mbox_sha1sum:", "openid:", "account:", "mailto:")
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"


# --- who may read ------------------------------------------------------------------------


def can_browse(user: Any) -> bool:
    """DLM, L&D, internal clients and managers read learning records (scoped)."""
    return is_staff_member(user) or has_role(user, Role.CLIENT, Role.MANAGER)


def require_browser(user: Any) -> None:
    if not can_browse(user):
        raise PermissionDenied(_("Your role does not give access to learning records."))


def scoped_employees(user: Any) -> QuerySet[Employee] | None:
    """The employees whose learning records ``user`` sees; None means every record,
    including those of unmatched actors."""
    require_browser(user)
    # employee_scope_q reads the user's org units (two queries): once per request is enough.
    cached = getattr(user, "_lrs_scope", None)
    if cached is None:
        cached = user._lrs_scope = (employee_scope_q(user),)
    scope = cached[0]
    if scope is None:
        return None
    return Employee.objects.filter(scope)


# --- labels in the user's language --------------------------------------------------------


def language_label(language_map: Any, default: str = "") -> str:
    """One text of an xAPI language map, in the active language if present."""
    if not isinstance(language_map, dict) or not language_map:
        return default
    picked = pick_language(language_map, [get_language() or "en", "en-US", "fr-FR"])
    value = next(iter(picked.values()), default)
    return value if isinstance(value, str) else default


def activity_name(activity: Activity | None) -> str:
    if activity is None:
        return ""
    definition = activity.definition if isinstance(activity.definition, dict) else {}
    return language_label(definition.get("name"), activity.iri)


def verb_label(verb: Verb) -> str:
    return language_label(verb.display, verb.iri.rstrip("/").rsplit("/", 1)[-1])


def agent_label(agent: Agent | None) -> str:
    if agent is None:
        return ""
    employee = agent.employee if agent.employee_id else None
    if employee is not None:
        return f"{employee.first_name} {employee.last_name}".strip()
    return agent.name or agent.ifi


# --- statement filters ------------------------------------------------------------------------


@dataclass
class StatementFilters:
    """The filters of the statement browser, its API and its exports (one parser)."""

    learner: str = ""  # employee search text, or an agent identifier (mbox:..., mailto:..., account:...)
    employee: int | None = None
    agent: int | None = None
    verb: str = ""  # id or IRI
    activity: str = ""  # id or IRI
    registration: str = ""
    since: dt.date | None = None  # on the statement's timestamp (when the learning happened)
    until: dt.date | None = None  # inclusive
    org_unit: int | None = None
    voided: str = ""  # "" all, "exclude", "only"
    errors: dict[str, list[str]] = field(default_factory=dict)

    FIELDS = (
        "learner",
        "employee",
        "agent",
        "verb",
        "activity",
        "registration",
        "since",
        "until",
        "org_unit",
        "voided",
    )

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def as_params(self) -> dict[str, str]:
        """The filters as query-string values (for links that keep them)."""
        out: dict[str, str] = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            if value in (None, ""):
                continue
            out[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out

    @property
    def active(self) -> bool:
        return bool(self.as_params())


def _int(filters: StatementFilters, params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        filters.error(name, _("%(name)s must be a whole number (an id).") % {"name": name})
        return None
    return int(raw)


def _date(filters: StatementFilters, params: Mapping[str, str], name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        filters.error(name, _("%(name)s must be a date written YYYY-MM-DD.") % {"name": name})
        return None


def parse_statement_filters(params: Mapping[str, str]) -> StatementFilters:
    """Read the filters from a query string; malformed values land in ``errors`` (by name)."""
    filters = StatementFilters()
    filters.learner = (params.get("learner") or "").strip()[:255]
    filters.employee = _int(filters, params, "employee")
    filters.agent = _int(filters, params, "agent")
    filters.verb = (params.get("verb") or "").strip()
    filters.activity = (params.get("activity") or "").strip()
    registration = (params.get("registration") or "").strip()
    if registration:
        try:
            filters.registration = str(uuid.UUID(registration))
        except ValueError:
            filters.error(
                "registration", _("registration must be a UUID, for example 6fa459ea-ee8a-3ca4-894e-db77e160355e.")
            )
    filters.since = _date(filters, params, "since")
    filters.until = _date(filters, params, "until")
    if filters.since and filters.until and filters.since > filters.until:
        filters.error("until", _("The end date is before the start date."))
    filters.org_unit = _int(filters, params, "org_unit")
    voided = (params.get("voided") or "").strip()
    if voided not in ("", "exclude", "only"):
        filters.error("voided", _("voided must be exclude or only (or empty for all)."))
    else:
        filters.voided = voided
    return filters


def _learner_ifi(text: str) -> str | None:
    """The canonical agent identifier written in a search box, if it is one."""
    if text.startswith("mailto:"):
        return "mbox:" + text
    if text.startswith(IFI_PREFIXES):
        return text
    return None


def _by_id_or_iri(model: type[Verb] | type[Activity], value: str) -> int | None:
    if value.isdigit():
        return model.objects.filter(pk=int(value)).values_list("pk", flat=True).first()
    return model.objects.filter(iri=value).values_list("pk", flat=True).first()


def _window(day: dt.date, *, end: bool) -> dt.datetime:
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    return timezone.make_aware(moment)


def _scoped_statements(user: Any) -> QuerySet[Statement]:
    employees = scoped_employees(user)
    qs = Statement.objects.all()
    if employees is not None:
        qs = qs.filter(actor_id__in=Agent.objects.filter(employee__in=employees.values("pk")).values("pk"))
    return qs


def statement_list(*, user: Any, filters: StatementFilters | None = None) -> QuerySet[Statement]:
    """Statements ``user`` may read that match ``filters``, newest first.

    Filters naming something unknown (a verb never used, an org unit outside the scope)
    leave an error in ``filters.errors`` and match nothing.
    """
    qs = _scoped_statements(user)
    filters = filters or StatementFilters()
    none = False
    if filters.learner:
        ifi = _learner_ifi(filters.learner)
        if ifi is not None:
            qs = qs.filter(actor__ifi=ifi)
        else:
            people = Employee.objects.filter(employee_text_q(filters.learner))
            qs = qs.filter(actor_id__in=Agent.objects.filter(employee__in=people.values("pk")).values("pk"))
    if filters.employee is not None:
        qs = qs.filter(actor_id__in=Agent.objects.filter(employee_id=filters.employee).values("pk"))
    if filters.agent is not None:
        qs = qs.filter(actor_id=filters.agent)
    if filters.verb:
        verb_id = _by_id_or_iri(Verb, filters.verb)
        if verb_id is None:
            filters.error("verb", _("No statement uses the verb “%(verb)s”.") % {"verb": filters.verb})
            none = True
        else:
            qs = qs.filter(verb_id=verb_id)
    if filters.activity:
        activity_id = _by_id_or_iri(Activity, filters.activity)
        if activity_id is None:
            filters.error(
                "activity", _("No statement has the activity “%(activity)s”.") % {"activity": filters.activity}
            )
            none = True
        else:
            qs = qs.filter(activity_id=activity_id)
    if filters.registration:
        qs = qs.filter(registration=filters.registration)
    if filters.since is not None:
        qs = qs.filter(timestamp__gte=_window(filters.since, end=False))
    if filters.until is not None:
        qs = qs.filter(timestamp__lt=_window(filters.until, end=True))
    if filters.org_unit is not None:
        unit = org_unit_list(user=user).filter(pk=filters.org_unit).only("path").first()
        if unit is None:
            filters.error("org_unit", _("No org unit with id %(id)s is visible to you.") % {"id": filters.org_unit})
            none = True
        else:
            agents = Agent.objects.filter(employee__org_unit__path__startswith=unit.path)
            qs = qs.filter(actor_id__in=agents.values("pk"))
    if filters.voided == "exclude":
        qs = qs.filter(voided=False)
    elif filters.voided == "only":
        # Through the (small, partially indexed) voiding statements, not a scan of the flag.
        targets = Statement.objects.filter(voided_target__isnull=False).values("voided_target")
        qs = qs.filter(voided=True, statement_id__in=targets)
    if none:
        return qs.none()
    return qs.order_by("-id")


def with_labels(qs: QuerySet[Statement]) -> QuerySet[Statement]:
    """What a list row or an export line shows, in the same query."""
    return qs.select_related("actor__employee", "verb", "activity")


@dataclass
class KeysetPage:
    items: list[Statement]
    after: int | None  # cursor of the next (older) page
    before: int | None  # cursor of the previous (newer) page


def _rows(ids: list[int]) -> list[Statement]:
    """The statements of ``ids`` with what a row shows, newest first.

    Two steps (ids, then rows by primary key) rather than one: joined to the agent, the
    employee, the verb and the activity, the filtered ``ORDER BY id DESC LIMIT n`` makes
    SQLite sort the whole match instead of walking the index (~90 ms against ~7 ms at
    200,000 statements)."""
    if not ids:
        return []
    return list(with_labels(Statement.objects.filter(id__in=ids)).order_by("-id"))


def statement_page(
    qs: QuerySet[Statement],
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
    newest_ids: list[int] | None = None,
) -> KeysetPage:
    """One page of ``qs`` newest first: older than ``after``, or newer than ``before``.

    ``newest_ids``: the ids of ``qs`` already read newest first (the facet sample), which
    spares the first page a second walk."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    id_qs = qs.values_list("id", flat=True)
    # Read era by era (``lrs.eras``): the actor, activity and registration indexes are per era.
    if before is not None:
        ids = eras.walk(id_qs, limit=limit + 1, descending=False, low=before + 1)
        newer = len(ids) > limit
        ids = ids[:limit][::-1]
        older = bool(ids) and bool(eras.walk(id_qs, limit=1, high=ids[-1] - 1))
    else:
        if after is None and newest_ids is not None and (len(newest_ids) > limit or len(newest_ids) < FACET_SAMPLE):
            ids = newest_ids[: limit + 1]
        else:
            ids = eras.walk(id_qs, limit=limit + 1, high=after - 1 if after is not None else None)
        older = len(ids) > limit
        ids = ids[:limit]
        newer = after is not None and bool(ids) and bool(eras.walk(id_qs, limit=1, descending=False, low=ids[0] + 1))
    return KeysetPage(
        items=_rows(ids),
        after=ids[-1] if older and ids else None,
        before=ids[0] if newer and ids else None,
    )


def get_statement_for_user(user: Any, statement_id: Any) -> Statement:
    """One statement by its xAPI id (voided ones included); 404 outside the scope."""
    try:
        sid = uuid.UUID(str(statement_id))
    except ValueError:
        raise Http404 from None
    statement = with_labels(_scoped_statements(user)).filter(statement_id=sid).first()
    if statement is None:
        raise Http404
    return statement


def voiding_statement_of(user: Any, statement: Statement) -> Statement | None:
    """The statement that voided ``statement`` (if visible)."""
    if not statement.voided:
        return None
    return (
        _scoped_statements(user)
        .filter(voided_target=statement.statement_id)
        .only("statement_id", "stored")
        .order_by("id")
        .first()
    )


# --- facets --------------------------------------------------------------------------------


@dataclass
class FacetEntry:
    key: str  # the filter value
    label: str
    count: int


@dataclass
class Facets:
    ids: list[int]  # the sampled statements, newest first (the first page reuses them)
    sampled: int  # statements counted
    complete: bool  # True: every matching statement was counted (sampled is the total)
    verbs: list[FacetEntry]
    activities: list[FacetEntry]
    actors: list[FacetEntry]


def statement_facets(qs: QuerySet[Statement], *, sample: int = FACET_SAMPLE, top: int = FACET_TOP) -> Facets:
    """Top verbs, activities and actors among the latest ``sample`` statements of ``qs``.

    One index walk over at most ``sample`` rows (three integers each) plus one query per
    facet for the names: the cost is bounded whatever the size of the store.
    """
    rows = eras.walk(qs.values_list("id", "verb_id", "activity_id", "actor_id"), limit=sample)
    verbs = Counter(r[1] for r in rows)
    activities = Counter(r[2] for r in rows if r[2] is not None)
    actors = Counter(r[3] for r in rows if r[3] is not None)
    top_verbs = verbs.most_common(top)
    top_activities = activities.most_common(top)
    top_actors = actors.most_common(top)
    verb_rows = Verb.objects.in_bulk([k for k, _n in top_verbs]) if top_verbs else {}
    activity_rows = Activity.objects.in_bulk([k for k, _n in top_activities]) if top_activities else {}
    actor_rows = Agent.objects.select_related("employee").in_bulk([k for k, _n in top_actors]) if top_actors else {}
    return Facets(
        ids=[r[0] for r in rows],
        sampled=len(rows),
        complete=len(rows) < sample,
        verbs=[FacetEntry(str(k), verb_label(verb_rows[k]), n) for k, n in top_verbs if k in verb_rows],
        activities=[
            FacetEntry(str(k), activity_name(activity_rows[k]), n) for k, n in top_activities if k in activity_rows
        ],
        actors=[FacetEntry(str(k), agent_label(actor_rows[k]), n) for k, n in top_actors if k in actor_rows],
    )


# --- flattened statement (list rows, CSV) ---------------------------------------------------


def _result(payload: dict[str, Any]) -> dict[str, Any]:
    result = payload.get("result")
    return result if isinstance(result, dict) else {}


def statement_flat(statement: Statement) -> dict[str, Any]:
    """The columns of a statement a person reads (the list, the CSV export)."""
    payload = statement.payload if isinstance(statement.payload, dict) else {}
    result = _result(payload)
    score = result.get("score") if isinstance(result.get("score"), dict) else {}
    actor = statement.actor
    employee = actor.employee if actor is not None and actor.employee_id else None
    raw_object = payload.get("object")
    obj: dict[str, Any] = raw_object if isinstance(raw_object, dict) else {}
    if statement.activity is not None:
        object_id, object_name = statement.activity.iri, activity_name(statement.activity)
    else:
        object_id = str(obj.get("id") or obj.get("objectType") or "")
        object_name = object_id
    return {
        "stored": statement.stored,
        "timestamp": statement.timestamp,
        "actor_name": agent_label(actor),
        "actor_ifi": actor.ifi if actor is not None else "",
        "employee": employee,
        "employee_number": employee.employee_number if employee is not None else "",
        "verb_iri": statement.verb.iri,
        "verb": verb_label(statement.verb),
        "activity_iri": object_id,
        "activity": object_name,
        "score_scaled": score.get("scaled") if isinstance(score, dict) else None,
        "score_raw": score.get("raw") if isinstance(score, dict) else None,
        "success": result.get("success"),
        "completion": result.get("completion"),
        "duration": result.get("duration") or "",
        "registration": str(statement.registration) if statement.registration else "",
        "voided": statement.voided,
        "voiding": statement.voided_target is not None,
    }


# --- activity catalogue ------------------------------------------------------------------


def _scoped_progress(user: Any) -> QuerySet[LearnerProgress]:
    employees = scoped_employees(user)
    qs = LearnerProgress.objects.all()
    if employees is not None:
        qs = qs.filter(employee__in=employees.values("pk"))
    return qs


def _visible_activities(user: Any) -> QuerySet[Activity]:
    qs = Activity.objects.all()
    if scoped_employees(user) is not None:
        qs = qs.filter(pk__in=_scoped_progress(user).values("activity_id"))
    return qs


def activity_choices(*, user: Any, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the activities ``user`` may filter on, by name (questions left out)."""
    qs = _visible_activities(user).exclude(definition__type=INTERACTION_TYPE).order_by("-last_seen")[:limit]
    return sorted(((a.pk, activity_name(a)) for a in qs), key=lambda item: item[1].lower())


def activity_list(*, user: Any, q: str = "", activity_type: str = "") -> QuerySet[Activity]:
    """Activities known from statements; for a scoped user, those their learners met.

    Annotated with ``learner_count`` (distinct learners in the scope) for sorting.
    """
    progress = _scoped_progress(user)
    qs = _visible_activities(user)
    q = q.strip()
    if q:
        qs = qs.filter(Q(iri__icontains=q) | Q(definition__name__icontains=q))
    if activity_type:
        qs = qs.filter(definition__type=activity_type)
    learners = (
        progress.filter(activity_id=OuterRef("pk"))
        .order_by()
        .values("activity_id")
        .annotate(n=Count("agent_id", distinct=True))
        .values("n")
    )
    return qs.annotate(learner_count=Coalesce(Subquery(learners, output_field=IntegerField()), 0))


def get_activity_for_user(user: Any, pk: Any) -> Activity:
    try:
        return activity_list(user=user).get(pk=pk)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def activity_types(*, user: Any) -> list[str]:
    """The activity types met (``definition.type``), for the catalogue's filter."""
    require_browser(user)
    types = Activity.objects.exclude(definition__type=None).values_list("definition__type", flat=True).distinct()
    return sorted({t for t in types if isinstance(t, str)})


@dataclass
class ActivityStats:
    learners: int = 0
    completed: int = 0
    passed: int = 0
    judged: int = 0
    attempts: int = 0
    average_score: float | None = None
    time_spent_seconds: float = 0
    last_activity: dt.datetime | None = None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.learners if self.learners else None

    @property
    def success_rate(self) -> float | None:
        """Learners who passed among those with a verdict (passed or failed)."""
        return self.passed / self.judged if self.judged else None


def activity_stats(*, user: Any, activity_ids: list[int]) -> dict[int, ActivityStats]:
    """Learners, completions, success and score per activity, from the progress projection
    (one grouped query; learners counted once however many attempts)."""
    if not activity_ids:
        return {}
    rows = (
        _scoped_progress(user)
        .filter(activity_id__in=activity_ids)
        .order_by()
        .values("activity_id")
        .annotate(
            learners=Count("agent_id", distinct=True),
            completed=Count("agent_id", distinct=True, filter=Q(completed_at__isnull=False)),
            passed=Count("agent_id", distinct=True, filter=Q(success=True)),
            judged=Count("agent_id", distinct=True, filter=Q(success__isnull=False)),
            attempts=Count("id"),
            average_score=Avg("best_score"),
            last_activity=Max("last_activity"),
        )
    )
    out: dict[int, ActivityStats] = {}
    for row in rows:
        out[row["activity_id"]] = ActivityStats(
            learners=row["learners"],
            completed=row["completed"],
            passed=row["passed"],
            judged=row["judged"],
            attempts=row["attempts"],
            average_score=row["average_score"],
            last_activity=row["last_activity"],
        )
    return out


# --- progress --------------------------------------------------------------------------------


def progress_list(
    *,
    user: Any,
    activity: Activity | int | None = None,
    employee: int | None = None,
    registration: str | None = None,
) -> QuerySet[LearnerProgress]:
    """Progress rows (per learner, activity and registration) ``user`` may read."""
    qs = _scoped_progress(user).select_related("agent__employee", "employee", "activity")
    if activity is not None:
        qs = qs.filter(activity_id=activity.pk if isinstance(activity, Activity) else activity)
    if employee is not None:
        qs = qs.filter(employee_id=employee)
    if registration is not None:
        qs = qs.filter(registration=registration)
    return qs
