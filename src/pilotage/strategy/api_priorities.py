"""REST API of the strategy area: prioritisation criteria and request scores (mounted under
/api/v1/strategy/ by strategy/api.py). Programme scores and the ranked backlog are in
``programmes.api_backlog`` (they read programmes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from pilotage.strategy import permissions, queries, services_priorities

router = Router(tags=["prioritisation"])


class CriterionIn(Schema):
    key: str | None = Field(None, description="An existing criterion's key; omit to create one")
    name_en: str
    name_fr: str = ""
    description: str = ""
    weight: int = Field(description="Weight in %; the active weights sum to 100")
    source: str = Field("manual", description="manual, objective, reach, legal, urgency or cost")
    active: bool = True


class CriterionOut(Schema):
    id: int
    key: str
    name_en: str
    name_fr: str
    description: str
    weight: int
    source: str
    active: bool
    position: int


class CriteriaIn(Schema):
    criteria: list[CriterionIn] = Field(description="The whole set, in order; absent criteria are deactivated")


class LineOut(Schema):
    criterion: str
    name: str
    source: str
    value: int
    weight: int
    points: float
    why: str
    scored: bool


class ScoreOut(Schema):
    total: float = Field(description="0–100: Σ weight × value / 5")
    weight_sum: int
    breakdown: list[LineOut]
    manual: dict[str, int] = Field(description="Hand-given values, criterion key → 0–5")


class ScoresIn(Schema):
    scores: dict[str, int | None] = Field(description="Manual criterion key → 0–5 (null removes the score)")


def _scorer(request: HttpRequest) -> Any:
    if not permissions.can_prioritise(request.user):
        raise PermissionDenied(_("Only the L&D team scores and ranks requests."))
    return request.user


@router.get("/criteria", response=list[CriterionOut], summary="Prioritisation criteria", url_name="criteria_list")
def criteria_list(request: HttpRequest) -> Any:
    """Every criterion, active or not, in order (the L&D team)."""
    return list(queries.criterion_list(user=request.user))


@router.put(
    "/criteria",
    response=list[CriterionOut],
    summary="Replace the criteria set (the DLM; active weights must sum to 100)",
    url_name="criteria_replace",
)
def criteria_replace(request: HttpRequest, payload: CriteriaIn) -> Any:
    """Errors name the JSON path, e.g. ``criteria[2].weight``; nothing is saved on error."""
    if not permissions.can_configure_criteria(request.user):
        raise PermissionDenied(_("Only the DLM may change the prioritisation criteria and their weights."))
    services_priorities.criteria_save(actor=request.user, rows=[c.model_dump() for c in payload.criteria])
    return list(queries.criterion_list(user=request.user))


def _score_out(req: Any) -> dict[str, Any]:
    return {
        **services_priorities.request_score(req).as_dict(),
        "manual": services_priorities.manual_scores([req])[req.pk],
    }


@router.get(
    "/requests/{int:request_id}/score",
    response=ScoreOut,
    summary="Priority score of a request, with its breakdown",
    url_name="request_score",
)
def request_score(request: HttpRequest, request_id: int) -> Any:
    user = _scorer(request)
    return _score_out(queries.request_get(user=user, pk=request_id))


@router.put(
    "/requests/{int:request_id}/score",
    response=ScoreOut,
    summary="Score a request on the manual criteria",
    url_name="request_score_set",
)
def request_score_set(request: HttpRequest, request_id: int, payload: ScoresIn) -> Any:
    user = _scorer(request)
    req = queries.request_get(user=user, pk=request_id)
    services_priorities.request_scores_set(actor=user, request=req, values=payload.scores)
    return _score_out(req)
