"""Learning records in the REST API (/api/v1/lrs/..., mounted in config/api.py): statements, the activity catalogue
and learner progress, read-only, with the same scoped selectors as the web browser
(``pilotage.lrs.selectors``).

Statements are paged by *keyset*: ``after`` (the cursor given as ``next``) and ``limit``;
the envelope is ``{items, next}`` **without a total count** — counting every matching
statement of a large store costs more than the page itself. Activities and progress use
the usual ``{count, limit, offset, items}``.

This is the people-facing API (personal access tokens, scoped by role). Tools that send or
read xAPI statements use the xAPI resource at /xapi/ with LRS client credentials.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.lrs import selectors
from pilotage.lrs.models import Activity, LearnerProgress, Statement

router = Router(tags=["learning records"])


class AgentOut(Schema):
    id: int
    name: str
    ifi: str
    employee_id: int | None
    employee_number: str | None


class StatementOut(Schema):
    id: uuid.UUID
    stored: dt.datetime
    timestamp: dt.datetime
    actor: AgentOut | None
    verb: str
    verb_display: str
    activity: str
    activity_id: int | None
    activity_name: str
    registration: uuid.UUID | None
    voided: bool
    statement: dict[str, Any]


class StatementPage(Schema):
    items: list[StatementOut]
    next: str | None


class ActivityOut(Schema):
    id: int
    iri: str
    name: str
    description: str
    type: str | None
    first_seen: dt.datetime
    learners: int
    completed: int
    completion_rate: float | None
    success_rate: float | None
    average_score: float | None
    last_activity: dt.datetime | None


class ProgressOut(Schema):
    id: int
    activity_id: int
    activity: str
    agent: AgentOut
    employee_id: int | None
    registration: uuid.UUID | None
    first_launch: dt.datetime | None
    last_activity: dt.datetime
    completed_at: dt.datetime | None
    success: bool | None
    best_score: float | None
    time_spent_seconds: float
    statement_count: int


def _agent(agent: Any) -> dict[str, Any] | None:
    if agent is None:
        return None
    employee = agent.employee if agent.employee_id else None
    return {
        "id": agent.pk,
        "name": selectors.agent_label(agent),
        "ifi": agent.ifi,
        "employee_id": agent.employee_id,
        "employee_number": employee.employee_number if employee is not None else None,
    }


def _statement(statement: Statement) -> dict[str, Any]:
    flat = selectors.statement_flat(statement)
    return {
        "id": statement.statement_id,
        "stored": statement.stored,
        "timestamp": statement.timestamp,
        "actor": _agent(statement.actor),
        "verb": statement.verb.iri,
        "verb_display": flat["verb"],
        "activity": flat["activity_iri"],
        "activity_id": statement.activity_id,
        "activity_name": flat["activity"],
        "registration": statement.registration,
        "voided": statement.voided,
        "statement": statement.payload,
    }


@router.get("/statements", response=StatementPage, summary="Statements in your scope, newest first")
def lrs_statement_list(
    request: HttpRequest,
    learner: str = Query("", description="Employee search (name, e-mail, number) or an agent identifier (mailto:…)."),
    employee: int | None = Query(None, description="Employee id."),
    agent: int | None = Query(None, description="Agent (actor) id."),
    verb: str = Query("", description="Verb id or IRI."),
    activity: str = Query("", description="Activity id or IRI (the statement's object)."),
    registration: str = Query("", description="Registration (attempt) UUID."),
    since: str = Query("", description="From this day (YYYY-MM-DD, on the statement's timestamp)."),
    until: str = Query("", description="Up to this day, inclusive (YYYY-MM-DD)."),
    org_unit: int | None = Query(None, description="Org unit id: learners of its whole subtree."),
    voided: str = Query("", description="'exclude', 'only', or empty for all."),
    after: int | None = Query(None, description="The cursor from the previous page's `next`."),
    limit: int = limit_query(50),
) -> dict[str, Any]:
    """Keyset-paged: follow `next` (a URL) until it is null. No total count is given:
    counting every matching statement of a large store costs more than the page."""
    params = {
        "learner": learner,
        "employee": "" if employee is None else str(employee),
        "agent": "" if agent is None else str(agent),
        "verb": verb,
        "activity": activity,
        "registration": registration,
        "since": since,
        "until": until,
        "org_unit": "" if org_unit is None else str(org_unit),
        "voided": voided,
    }
    filters = selectors.parse_statement_filters(params)
    if filters.errors:
        raise ValidationFailed(filters.errors)
    qs = selectors.statement_list(user=request.user, filters=filters)
    if "org_unit" in filters.errors:
        raise ValidationFailed({"org_unit": filters.errors["org_unit"]})
    page = selectors.statement_page(qs, after=after, limit=limit)
    next_url = None
    if page.after is not None:
        query = request.GET.copy()
        query["after"] = str(page.after)
        next_url = f"{request.path}?{query.urlencode()}"
    return {"items": [_statement(s) for s in page.items], "next": next_url}


@router.get("/statements/{statement_id}", response=StatementOut, summary="One statement")
def lrs_statement_detail(request: HttpRequest, statement_id: str) -> dict[str, Any]:
    """By its xAPI id (voided statements included, flagged); 404 outside your scope."""
    return _statement(selectors.get_statement_for_user(request.user, statement_id))


def _activity(activity: Activity, stats: selectors.ActivityStats | None) -> dict[str, Any]:
    stats = stats or selectors.ActivityStats()
    definition = activity.definition if isinstance(activity.definition, dict) else {}
    return {
        "id": activity.pk,
        "iri": activity.iri,
        "name": selectors.activity_name(activity),
        "description": selectors.language_label(definition.get("description")),
        "type": definition.get("type"),
        "first_seen": activity.first_seen,
        "learners": stats.learners,
        "completed": stats.completed,
        "completion_rate": stats.completion_rate,
        "success_rate": stats.success_rate,
        "average_score": stats.average_score,
        "last_activity": stats.last_activity,
    }


@router.get("/activities", response=page_schema(ActivityOut), summary="The activity catalogue")
def lrs_activity_list(
    request: HttpRequest,
    q: str = Query("", description="Search in the identifier and the name."),
    type: str = Query("", description="Activity type IRI (definition.type)."),  # noqa: A002
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> dict[str, Any]:
    """Activities met in your scope's statements, most followed first, with learners,
    completions and success from the progress projection."""
    qs = selectors.activity_list(user=request.user, q=q, activity_type=type).order_by("-learner_count", "pk")  # type: ignore[misc]
    page = paginate(qs, limit, offset)
    stats = selectors.activity_stats(user=request.user, activity_ids=[a.pk for a in page["items"]])
    page["items"] = [_activity(a, stats.get(a.pk)) for a in page["items"]]
    return page


@router.get("/activities/{activity_id}", response=ActivityOut, summary="One activity")
def lrs_activity_detail(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    activity = selectors.get_activity_for_user(request.user, activity_id)
    stats = selectors.activity_stats(user=request.user, activity_ids=[activity.pk])
    return _activity(activity, stats.get(activity.pk))


def _progress(row: LearnerProgress) -> dict[str, Any]:
    return {
        "id": row.pk,
        "activity_id": row.activity_id,
        "activity": row.activity.iri,
        "agent": _agent(row.agent),
        "employee_id": row.employee_id,
        "registration": None if row.registration.int == 0 else row.registration,
        "first_launch": row.first_launch,
        "last_activity": row.last_activity,
        "completed_at": row.completed_at,
        "success": row.success,
        "best_score": row.best_score,
        "time_spent_seconds": row.time_spent_seconds,
        "statement_count": row.statement_count,
    }


@router.get("/progress", response=page_schema(ProgressOut), summary="Learner progress in your scope")
def lrs_progress_list(
    request: HttpRequest,
    activity: str = Query("", description="Activity id or IRI."),
    employee: int | None = Query(None, description="Employee id."),
    registration: str = Query("", description="Registration (attempt) UUID."),
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> dict[str, Any]:
    """One row per learner, activity and registration: first launch, completion, success,
    best score (scaled), time spent. Latest activity first."""
    activity_id: int | None = None
    if activity:
        found = (
            Activity.objects.filter(pk=int(activity)) if activity.isdigit() else Activity.objects.filter(iri=activity)
        )
        activity_id = found.values_list("pk", flat=True).first()
        if activity_id is None:
            raise ValidationFailed(
                {"activity": [_("No activity %(activity)s is known.") % {"activity": repr(activity)}]}
            )
    wanted: str | None = None
    if registration:
        try:
            wanted = str(uuid.UUID(registration))
        except ValueError:
            raise ValidationFailed({"registration": ["registration must be a UUID."]}) from None
    qs = selectors.progress_list(
        user=request.user, activity=activity_id, employee=employee, registration=wanted
    ).order_by("-last_activity", "pk")
    page = paginate(qs, limit, offset)
    page["items"] = [_progress(row) for row in page["items"]]
    return page
