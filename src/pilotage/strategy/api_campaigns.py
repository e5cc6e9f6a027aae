"""REST API of the strategy area: needs campaigns, needs and their arbitration
(mounted under /api/v1/strategy/ by strategy/api.py). Thin over ``services_campaigns`` and
the scoped selectors: the L&D team runs campaigns and decides; an invited manager reads
the campaign and creates or changes their own needs while it is open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.people import queries as people_queries
from pilotage.people.models import Audience
from pilotage.strategy import permissions, queries
from pilotage.strategy import services_campaigns as services
from pilotage.strategy.models import Need, NeedsCampaign

router = Router(tags=["needs campaigns"])


class CampaignIn(Schema):
    title: str
    instructions: str = ""
    opens_on: dt.date
    closes_on: dt.date
    audience_id: int | None = Field(None, description="The audience of invited managers")


class CampaignOut(Schema):
    id: int
    title: str
    instructions: str
    opens_on: dt.date
    closes_on: dt.date
    audience_id: int | None
    status: str
    next_statuses: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_next_statuses(obj: NeedsCampaign) -> list[str]:
        return services.allowed_next(obj)


class TransitionIn(Schema):
    to_status: str = Field(description="open, closed or arbitrated")


class TransitionOut(Schema):
    campaign: CampaignOut
    job_id: int | None = Field(None, description="The invitation job, when the campaign opened for the first time")


class NeedIn(Schema):
    title: str
    description: str = ""
    theme: str = ""
    headcount: int = 1
    priority: str = Field("medium", description="low, medium or high")
    wished_quarter: str = Field("", description="e.g. 2027-Q2")
    estimated_cost: Decimal | None = None


class NeedOut(Schema):
    id: int
    campaign_id: int
    manager: str
    org_unit: str | None
    title: str
    description: str
    theme: str
    headcount: int
    priority: str
    wished_quarter: str
    estimated_cost: Decimal | None
    decision: str
    decision_note: str
    decided_at: dt.datetime | None
    request_id: int | None
    request_reference: str | None

    @staticmethod
    def resolve_manager(obj: Need) -> str:
        return obj.manager.email

    @staticmethod
    def resolve_org_unit(obj: Need) -> str | None:
        return obj.org_unit.name if obj.org_unit else None

    @staticmethod
    def resolve_request_id(obj: Need) -> int | None:
        request = _request_of(obj)
        return request.pk if request else None

    @staticmethod
    def resolve_request_reference(obj: Need) -> str | None:
        request = _request_of(obj)
        return request.reference if request else None


class DecisionIn(Schema):
    decision: str = Field(description="pending, retained, merged, postponed or rejected")
    note: str = ""
    create_request: bool = Field(False, description="With retained: make a training request under review")


class DecisionOut(Schema):
    need: NeedOut
    request_id: int | None
    request_reference: str | None


class ThemeTotalOut(Schema):
    theme: str
    needs: int
    people: int
    cost: Decimal


class TotalsOut(Schema):
    by_theme: list[ThemeTotalOut]
    needs: int
    people: int
    cost: Decimal


def _request_of(need: Need) -> Any:
    try:
        return need.request
    except Need.request.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def _runner(request: HttpRequest) -> Any:
    if not permissions.can_run_campaigns(request.user):
        raise PermissionDenied(_("Only the L&D team may run needs campaigns."))
    return request.user


def _audience(user: Any, audience_id: int | None) -> Audience | None:
    if audience_id is None:
        return None
    audience = people_queries.audience_list(user=user).filter(pk=audience_id).first()
    if audience is None:
        raise ValidationFailed({"audience_id": [_("No audience with id %(id)s.") % {"id": audience_id}]})
    return audience


@router.get(
    "/campaigns", response=page_schema(CampaignOut), summary="Needs campaigns you may see", url_name="campaign_list"
)
def campaign_list(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    """The L&D team: every campaign. A manager: the campaigns they are invited to."""
    return paginate(queries.campaign_list(user=request.user).order_by("-opens_on", "-pk"), limit, offset)


@router.post("/campaigns", response={201: CampaignOut}, summary="Create a campaign (draft)", url_name="campaign_create")
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Any:
    user = _runner(request)
    data = payload.model_dump()
    audience = _audience(user, data.pop("audience_id"))
    return Status(201, services.campaign_create(actor=user, audience=audience, **data))


@router.get("/campaigns/{int:campaign_id}", response=CampaignOut, summary="One campaign", url_name="campaign_detail")
def campaign_detail(request: HttpRequest, campaign_id: int) -> Any:
    return queries.campaign_get(user=request.user, pk=campaign_id)


@router.put(
    "/campaigns/{int:campaign_id}", response=CampaignOut, summary="Change a campaign", url_name="campaign_update"
)
def campaign_update(request: HttpRequest, campaign_id: int, payload: CampaignIn) -> Any:
    user = _runner(request)
    campaign = queries.campaign_get(user=user, pk=campaign_id)
    data = payload.model_dump()
    audience = _audience(user, data.pop("audience_id"))
    return services.campaign_update(actor=user, campaign=campaign, audience=audience, **data)


@router.post(
    "/campaigns/{int:campaign_id}/transition",
    response=TransitionOut,
    summary="Open, close, reopen or mark a campaign arbitrated",
    url_name="campaign_transition",
)
def campaign_transition(request: HttpRequest, campaign_id: int, payload: TransitionIn) -> Any:
    """Opening a draft e-mails the invited managers from a background job (its id is returned)."""
    user = _runner(request)
    campaign = queries.campaign_get(user=user, pk=campaign_id)
    campaign, job = services.campaign_transition(actor=user, campaign=campaign, to_status=payload.to_status)
    return {"campaign": campaign, "job_id": job.pk if job else None}


@router.get(
    "/campaigns/{int:campaign_id}/needs",
    response=page_schema(NeedOut),
    summary="Needs of a campaign (a manager: their own)",
    url_name="campaign_needs",
)
def campaign_needs(
    request: HttpRequest,
    campaign_id: int,
    org_unit: int | None = None,
    theme: str = "",
    priority: str = "",
    decision: str = "",
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> Any:
    """Filters as on the consolidated table: org unit (with its sub-units), theme, priority, decision."""
    campaign = queries.campaign_get(user=request.user, pk=campaign_id)
    needs = queries.need_list(user=request.user, campaign=campaign).select_related("request")
    params = {"org_unit": str(org_unit or ""), "theme": theme, "priority": priority, "decision": decision}
    needs, _kept = services.need_filter(needs, params)
    return paginate(needs.order_by("theme", "pk"), limit, offset)


@router.get(
    "/campaigns/{int:campaign_id}/totals",
    response=TotalsOut,
    summary="Needs, people and cost per theme",
    url_name="campaign_totals",
)
def campaign_totals(request: HttpRequest, campaign_id: int) -> Any:
    user = _runner(request)
    campaign = queries.campaign_get(user=user, pk=campaign_id)
    totals = services.need_totals(queries.need_list(user=user, campaign=campaign))
    return {
        "by_theme": [{**row, "theme": row["theme"] or ""} for row in totals["by_theme"]],
        **totals["overall"],
    }


@router.post(
    "/campaigns/{int:campaign_id}/needs",
    response={201: NeedOut},
    summary="Submit a need (an invited manager, while the campaign is open)",
    url_name="need_create",
)
def need_create(request: HttpRequest, campaign_id: int, payload: NeedIn) -> Any:
    user = request.user
    if not permissions.can_submit_needs(user):
        raise PermissionDenied(_("Only managers submit needs to a campaign."))
    campaign = queries.campaign_get(user=user, pk=campaign_id)
    return Status(201, services.need_create(actor=user, campaign=campaign, **payload.model_dump()))


@router.get("/needs/{int:need_id}", response=NeedOut, summary="One need", url_name="need_detail")
def need_detail(request: HttpRequest, need_id: int) -> Any:
    return queries.need_get(user=request.user, pk=need_id)


@router.put(
    "/needs/{int:need_id}",
    response=NeedOut,
    summary="Change a need (its manager while open; the L&D team until arbitrated)",
    url_name="need_update",
)
def need_update(request: HttpRequest, need_id: int, payload: NeedIn) -> Any:
    need = queries.need_get(user=request.user, pk=need_id)
    return services.need_update(actor=request.user, need=need, **payload.model_dump())


@router.post(
    "/needs/{int:need_id}/decision",
    response=DecisionOut,
    summary="Arbitrate a need (campaign closed)",
    url_name="need_decide",
)
def need_decide(request: HttpRequest, need_id: int, payload: DecisionIn) -> Any:
    user = _runner(request)
    need = queries.need_get(user=user, pk=need_id)
    need, created = services.need_decide(actor=user, need=need, **payload.model_dump())
    return {
        "need": need,
        "request_id": created.pk if created else None,
        "request_reference": created.reference if created else None,
    }
