"""Audiences in the REST API: thin over ``pilotage.people.audiences`` and the scoped queries.

Mounted by ``pilotage.config.api`` (imported lazily from the URLconf: ninja needs settings).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.people import audiences, queries
from pilotage.people.models import Audience
from pilotage.people.permissions import can_use_audiences
from pilotage.people.schemas import EmployeeOut

router = Router(tags=["audiences"])


class AudienceIn(Schema):
    name: str
    description: str = ""
    rules: dict[str, Any] = Field(default_factory=dict, description="Rules tree; see docs/audiences.md")
    included_ids: list[int] = Field(default_factory=list, description="Employees always included")
    excluded_ids: list[int] = Field(default_factory=list, description="Employees always excluded (wins)")


class PreviewIn(Schema):
    rules: dict[str, Any] = Field(default_factory=dict)
    included_ids: list[int] = Field(default_factory=list)
    excluded_ids: list[int] = Field(default_factory=list)


class AudienceOut(Schema):
    id: int
    name: str
    description: str
    owner: str | None
    rules: dict[str, Any]
    rules_text: list[str]
    included_ids: list[int]
    excluded_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


class AudienceSummaryOut(Schema):
    id: int
    name: str
    description: str
    owner: str | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Audience) -> str | None:
        return _owner(obj)


class PreviewOut(Schema):
    count: int
    items: list[EmployeeOut]
    rules_text: list[str]


def _require(request: HttpRequest) -> Any:
    user = request.user
    if not can_use_audiences(user):
        raise PermissionDenied(_("Your role does not give access to audiences."))
    return user


def _owner(audience: Audience) -> str | None:
    return audience.owner.email if audience.owner else None


def _out(audience: Audience) -> dict[str, Any]:
    return {
        "id": audience.pk,
        "name": audience.name,
        "description": audience.description,
        "owner": _owner(audience),
        "rules": audience.rules or {},
        "rules_text": audiences.describe_rules(audience.rules),
        "included_ids": sorted(audience.included.values_list("pk", flat=True)),
        "excluded_ids": sorted(audience.excluded.values_list("pk", flat=True)),
        "created_at": audience.created_at,
        "updated_at": audience.updated_at,
    }


@router.get("/audiences", response=page_schema(AudienceSummaryOut), summary="Audiences you may use")
def list_audiences(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    """All audiences for DLM and L&D; internal clients see their own."""
    return paginate(queries.audience_list(user=_require(request)), limit, offset)


@router.post("/audiences", response={201: AudienceOut}, summary="Create an audience")
def create_audience(request: HttpRequest, payload: AudienceIn) -> Any:
    user = _require(request)
    audience = audiences.audience_create(actor=user, **payload.model_dump())
    return Status(201, _out(audience))


@router.get("/audiences/{int:audience_id}", response=AudienceOut, summary="One audience")
def get_audience(request: HttpRequest, audience_id: int) -> Any:
    user = _require(request)
    return _out(queries.get_audience_for_user(user, audience_id))


@router.put("/audiences/{int:audience_id}", response=AudienceOut, summary="Replace an audience")
def update_audience(request: HttpRequest, audience_id: int, payload: AudienceIn) -> Any:
    user = _require(request)
    audience = queries.get_audience_for_user(user, audience_id)
    return _out(audiences.audience_update(actor=user, audience=audience, **payload.model_dump()))


@router.delete("/audiences/{int:audience_id}", response={204: None}, summary="Delete an audience")
def delete_audience(request: HttpRequest, audience_id: int) -> Any:
    user = _require(request)
    audiences.audience_delete(actor=user, audience=queries.get_audience_for_user(user, audience_id))
    return Status(204, None)


@router.get("/audiences/{int:audience_id}/members", response=page_schema(EmployeeOut), summary="Members of an audience")
def audience_members(
    request: HttpRequest, audience_id: int, limit: int = limit_query(20), offset: int = offset_query()
) -> Any:
    """Member count and one page, limited to the members inside your own scope."""
    user = _require(request)
    audience = queries.get_audience_for_user(user, audience_id)
    count, items = audiences.members_page(
        audiences.audience_members(audience, user=user).select_related("manager"), limit=limit, offset=offset
    )
    return {"count": count, "limit": limit, "offset": offset, "items": items}


@router.post("/audiences/preview", response=PreviewOut, summary="Count and preview unsaved rules")
def preview_audience(request: HttpRequest, payload: PreviewIn) -> Any:
    """Count and first 20 members of unsaved rules (400 naming the JSON path when invalid)."""
    user = _require(request)
    qs = audiences.preview_members(
        rules=payload.rules, included_ids=payload.included_ids, excluded_ids=payload.excluded_ids, user=user
    ).select_related("manager")
    count, items = audiences.members_page(qs)
    return {"count": count, "items": items, "rules_text": audiences.describe_rules(payload.rules)}
