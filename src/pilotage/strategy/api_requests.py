"""REST API of the strategy area: objectives and training requests (mounted under
/api/v1/strategy/ by strategy/api.py). Thin over the same services and selectors as the
web pages: same scoping (404 outside, 403 for a role without access), same messages.

Attachments are web-only (multipart uploads); the API lists them with their download URL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.people import queries as people_queries
from pilotage.people.models import User
from pilotage.strategy import permissions, queries, services_objectives, services_requests, workflow
from pilotage.strategy.models import Objective, RequestComment, TrainingRequest

router = Router(tags=["strategy: objectives and requests"])


def _attr(obj: Any, name: str) -> Any:
    """A field of a model instance, or of the dict already built for a detail answer."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _email(user: Any) -> str | None:
    """A user as their e-mail (the resolvers also see already-resolved dicts)."""
    if user is None or isinstance(user, str):
        return user
    return str(user.email)


# --- schemas ------------------------------------------------------------------------------------


class ObjectiveIn(Schema):
    title: str
    description: str = ""
    owner_email: str | None = Field(None, description="E-mail of the leader who carries it")
    horizon: dt.date | None = None
    business_indicator: str = ""
    indicator_baseline: str = ""
    indicator_target: str = ""
    weight: int = Field(3, description="1 (minor) to 5 (critical)")
    status: str = Field(Objective.Status.ACTIVE, description="draft, active, achieved or dropped")


class ObjectiveOut(Schema):
    id: int
    title: str
    description: str
    owner: str | None
    horizon: dt.date | None
    business_indicator: str
    indicator_baseline: str
    indicator_target: str
    weight: int
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Any) -> str | None:
        return _email(_attr(obj, "owner"))


class ObjectiveDetailOut(ObjectiveOut):
    request_ids: list[int]
    programme_ids: list[int]


class RequestIn(Schema):
    title: str
    business_need: str
    audience_id: int | None = None
    population_description: str = ""
    headcount: int | None = None
    wished_date: dt.date | None = None
    objective_id: int | None = None
    expected_impact: str = ""
    legal_obligation: bool = False
    legal_reference: str = ""
    budget_indication: Decimal | None = Field(None, description="In euros")


class TransitionOut(Schema):
    from_status: str
    to_status: str
    reason: str
    by: str | None
    at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str


class RequestOut(Schema):
    id: int
    reference: str
    title: str
    status: str
    status_reason: str
    requester: str
    org_unit_id: int | None
    objective_id: int | None
    audience_id: int | None
    headcount: int | None
    wished_date: dt.date | None
    legal_obligation: bool
    budget_indication: Decimal | None
    merged_into: str | None
    created_at: dt.datetime
    status_changed_at: dt.datetime | None

    @staticmethod
    def resolve_requester(obj: Any) -> str:
        return _email(_attr(obj, "requester")) or ""

    @staticmethod
    def resolve_merged_into(obj: Any) -> str | None:
        target = _attr(obj, "merged_into")
        return target if target is None or isinstance(target, str) else target.reference


class RequestDetailOut(RequestOut):
    business_need: str
    population_description: str
    expected_impact: str
    legal_reference: str
    allowed_next: list[str]
    history: list[TransitionOut]
    attachments: list[AttachmentOut]


class TransitionIn(Schema):
    to_status: str = Field(..., description="under_review, merged, parked, declined (accepted: via a programme)")
    reason: str = ""
    merged_into: str | None = Field(None, description="Reference of the request this one joins (for merged)")


class CommentIn(Schema):
    body: str
    internal: bool = Field(False, description="L&D team only: hidden from the requester")


class CommentOut(Schema):
    id: int
    author: str | None
    body: str
    internal: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: RequestComment) -> str | None:
        return obj.author.email if obj.author else None


class SimilarOut(Schema):
    id: int
    reference: str
    title: str
    status: str
    score: float


# --- helpers ------------------------------------------------------------------------------------


def _owner(email: str | None) -> Any:
    if not email:
        return None
    owner = User.objects.filter(email__iexact=email.strip()).first()
    if owner is None:
        raise ValidationFailed({"owner_email": [_("No user has the e-mail %(email)s.") % {"email": email}]})
    return owner


def _objective_detail(user: Any, objective: Objective) -> dict[str, Any]:
    data = ObjectiveOut.from_orm(objective).model_dump()
    data["request_ids"] = list(queries.objective_requests(user=user, objective=objective).values_list("pk", flat=True))
    data["programme_ids"] = list(
        queries.objective_programmes(user=user, objective=objective).values_list("pk", flat=True)
    )
    return data


def _request_detail(obj: TrainingRequest) -> dict[str, Any]:
    data = RequestOut.from_orm(obj).model_dump()
    data.update(
        business_need=obj.business_need,
        population_description=obj.population_description,
        expected_impact=obj.expected_impact,
        legal_reference=obj.legal_reference,
        allowed_next=workflow.allowed_next(obj),
        history=[
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "reason": t.reason,
                "by": t.by.email if t.by else None,
                "at": t.at,
            }
            for t in obj.transitions.select_related("by")
        ],
        attachments=[
            {
                "id": a.pk,
                "name": a.original_name,
                "size": a.size,
                "url": reverse("strategy:request_attachment", args=[obj.pk, a.pk]),
            }
            for a in obj.attachments.all()
        ],
    )
    return data


def _request_kwargs(user: Any, payload: RequestIn) -> dict[str, Any]:
    data = payload.model_dump()
    audience_id = data.pop("audience_id")
    objective_id = data.pop("objective_id")
    errors: dict[str, list[str]] = {}
    audience = None
    if audience_id is not None:
        audience = people_queries.audience_list(user=user).filter(pk=audience_id).first()
        if audience is None:
            errors["audience_id"] = [_("No audience %(id)s that you may use.") % {"id": audience_id}]
    objective = None
    if objective_id is not None:
        objective = queries.objective_list(user=user).filter(pk=objective_id).first()
        if objective is None:
            errors["objective_id"] = [_("No objective %(id)s.") % {"id": objective_id}]
    if errors:
        raise ValidationFailed(errors)
    return {**data, "audience": audience, "objective": objective}


def _require_triage(user: Any) -> None:
    if not permissions.can_triage(user):
        raise PermissionDenied(_("Only the L&D team may triage requests."))


# --- objectives ---------------------------------------------------------------------------------


@router.get(
    "/objectives",
    response=page_schema(ObjectiveOut),
    url_name="strategy_objective_list",
    summary="Objectives (internal clients: the active ones)",
)
def objective_list(
    request: HttpRequest,
    status: str = Query("", description="draft, active, achieved or dropped"),
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> Any:
    qs = queries.objective_list(user=request.user)
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, limit, offset)


@router.get(
    "/objectives/{int:objective_id}",
    response=ObjectiveDetailOut,
    url_name="strategy_objective_detail",
    summary="One objective, with the requests and programmes linked to it",
)
def objective_detail(request: HttpRequest, objective_id: int) -> Any:
    user = request.user
    return _objective_detail(user, queries.objective_get(user=user, pk=objective_id))


@router.post(
    "/objectives",
    response={201: ObjectiveDetailOut},
    url_name="strategy_objective_create",
    summary="Record an objective (L&D team)",
)
def objective_create(request: HttpRequest, payload: ObjectiveIn) -> Any:
    user = request.user
    queries.objective_list(user=user)  # 403 for roles that cannot even read them
    if not permissions.can_manage_objectives(user):
        raise PermissionDenied(_("Only the L&D team may change objectives."))
    data = payload.model_dump()
    data["owner"] = _owner(data.pop("owner_email"))
    objective = services_objectives.objective_create(actor=user, **data)
    return Status(201, _objective_detail(user, objective))


@router.put(
    "/objectives/{int:objective_id}",
    response=ObjectiveDetailOut,
    url_name="strategy_objective_update",
    summary="Replace an objective (L&D team)",
)
def objective_update(request: HttpRequest, objective_id: int, payload: ObjectiveIn) -> Any:
    user = request.user
    objective = queries.objective_get(user=user, pk=objective_id)
    if not permissions.can_manage_objectives(user):
        raise PermissionDenied(_("Only the L&D team may change objectives."))
    data = payload.model_dump()
    data["owner"] = _owner(data.pop("owner_email"))
    objective = services_objectives.objective_update(actor=user, objective=objective, **data)
    return _objective_detail(user, objective)


# --- requests ------------------------------------------------------------------------------------


@router.get(
    "/requests",
    response=page_schema(RequestOut),
    url_name="strategy_request_list",
    summary="Training requests (L&D team: all; others: their own)",
)
def request_list(
    request: HttpRequest,
    status: str = Query("", description="A status, or 'open' (submitted, under review, parked)"),
    objective: int | None = Query(None, description="Objective id"),
    org_unit: int | None = Query(None, description="Org unit id: the whole subtree"),
    q: str = Query("", description="Reference (exact), or words in the title, need or population"),
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> Any:
    params = {
        "status": status,
        "objective": str(objective) if objective is not None else "",
        "org_unit": str(org_unit) if org_unit is not None else "",
        "q": q,
    }
    return paginate(queries.request_search(user=request.user, params=params), limit, offset)


@router.get(
    "/requests/{int:request_id}",
    response=RequestDetailOut,
    url_name="strategy_request_detail",
    summary="One request with its history and attachments",
)
def request_detail(request: HttpRequest, request_id: int) -> Any:
    return _request_detail(queries.request_get(user=request.user, pk=request_id))


@router.post(
    "/requests",
    response={201: RequestDetailOut},
    url_name="strategy_request_create",
    summary="File a training request (internal clients, L&D team)",
)
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    user = request.user
    if not permissions.can_file_requests(user):
        raise PermissionDenied(_("Your role does not allow filing training requests."))
    obj = services_requests.request_create(actor=user, **_request_kwargs(user, payload))
    return Status(201, _request_detail(obj))


@router.post(
    "/requests/{int:request_id}/transition",
    response=RequestDetailOut,
    url_name="strategy_request_transition",
    summary="Triage decision (L&D team): under_review, merged, parked or declined, with a reason",
)
def request_transition(request: HttpRequest, request_id: int, payload: TransitionIn) -> Any:
    user = request.user
    obj = queries.request_get(user=user, pk=request_id)
    _require_triage(user)
    target = None
    if payload.merged_into:
        target = queries.request_list(user=user).filter(reference__iexact=payload.merged_into.strip()).first()
        if target is None:
            raise ValidationFailed(
                {"merged_into": [_("No request has the reference %(ref)s.") % {"ref": payload.merged_into}]}
            )
    obj = workflow.request_transition(
        actor=user, request=obj, to_status=payload.to_status, reason=payload.reason, merged_into=target
    )
    return _request_detail(queries.request_get(user=user, pk=obj.pk))


@router.get(
    "/requests/{int:request_id}/comments",
    response=page_schema(CommentOut),
    url_name="strategy_request_comments",
    summary="The comment thread (internal notes: L&D team only)",
)
def request_comments(
    request: HttpRequest, request_id: int, limit: int = limit_query(), offset: int = offset_query()
) -> Any:
    user = request.user
    obj = queries.request_get(user=user, pk=request_id)
    return paginate(queries.request_comments(user=user, request=obj), limit, offset)


@router.post(
    "/requests/{int:request_id}/comments",
    response={201: CommentOut},
    url_name="strategy_request_comment_add",
    summary="Add a comment (the requester and the L&D team)",
)
def request_comment_add(request: HttpRequest, request_id: int, payload: CommentIn) -> Any:
    user = request.user
    obj = queries.request_get(user=user, pk=request_id)
    if not permissions.can_triage(user) and obj.requester_id != user.pk:
        raise PermissionDenied(_("Only the requester and the L&D team take part in this thread."))
    comment = services_requests.request_comment_add(
        actor=user, request=obj, body=payload.body, internal=payload.internal
    )
    return Status(201, comment)


@router.get(
    "/requests/{int:request_id}/similar",
    response=list[SimilarOut],
    url_name="strategy_request_similar",
    summary="The open requests most similar to this one (L&D team), best first",
)
def request_similar(request: HttpRequest, request_id: int, limit: int = Query(5, ge=1, le=20)) -> Any:
    user = request.user
    obj = queries.request_get(user=user, pk=request_id)
    _require_triage(user)
    return [
        {
            "id": m.item.pk,
            "reference": m.item.reference,
            "title": m.item.title,
            "status": m.item.status,
            "score": m.score,
        }
        for m in queries.request_similar(user=user, request=obj, limit=limit)
    ]
