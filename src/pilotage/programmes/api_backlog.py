"""REST API of the programmes area: the ranked backlog (with a what-if on the weights) and
programme scores (mounted under /api/v1/programmes/ by programmes/api.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from pilotage.core.errors import ValidationFailed
from pilotage.programmes import backlog, queries, services_scores
from pilotage.strategy import permissions as strategy_permissions
from pilotage.strategy.api_priorities import LineOut, ScoreOut, ScoresIn
from pilotage.strategy.services_priorities import criterion_specs, parse_weights

router = Router(tags=["prioritisation"])


class BacklogItemOut(Schema):
    kind: str = Field(description="request or programme")
    id: int
    reference: str
    title: str
    status: str
    rank: int
    saved_rank: int = Field(description="Rank with the saved weights")
    movement: int = Field(description="Places gained (+) or lost (−) against the saved weights")
    total: float
    saved_total: float
    breakdown: list[LineOut]


class BacklogOut(Schema):
    what_if: bool
    weights: dict[str, int]
    weight_sum: int
    count: int
    items: list[BacklogItemOut]


def _scorer(request: HttpRequest) -> Any:
    if not strategy_permissions.can_prioritise(request.user):
        raise PermissionDenied(_("Only the L&D team scores and ranks the backlog."))
    return request.user


def _parse_weights_param(raw: str) -> dict[str, str]:
    """``"urgency:30,cost:0"`` → {"w_urgency": "30", "w_cost": "0"}; a malformed pair is a 400."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = part.partition(":")
        if not sep or not key.strip():
            raise ValidationFailed({"weights": [_("Write the weights as key:percent pairs, e.g. urgency:30,cost:0.")]})
        out[f"w_{key.strip()}"] = value.strip()
    return out


@router.get(
    "/backlog", response=BacklogOut, summary="The ranked backlog (optionally with what-if weights)", url_name="backlog"
)
def backlog_get(
    request: HttpRequest,
    weights: str = Query("", description="What-if weights, e.g. urgency:30,cost:0 (nothing is saved)"),
    kind: str = Query("", description="request or programme"),
    objective: int | None = None,
    status: str = "",
    q: str = "",
) -> Any:
    """Open requests and programmes in idea or design, ranked by score. With ``weights`` the
    ranking uses them (scaled to 100 when they do not sum to 100) and each item tells how
    many places it moved against the saved weights."""
    user = _scorer(request)
    specs = criterion_specs()
    parsed, errors = parse_weights(_parse_weights_param(weights), specs)
    if errors:
        raise ValidationFailed(errors)
    filters = backlog.Filters.from_params({"kind": kind, "objective": objective or "", "status": status, "q": q})
    items, used = backlog.backlog_items(user=user, filters=filters, weights=parsed or None)
    return {
        "what_if": bool(parsed),
        "weights": {s.key: s.weight for s in used},
        "weight_sum": sum(s.weight for s in used),
        "count": len(items),
        "items": [item.as_dict() for item in items],
    }


def _programme_score_out(programme: Any) -> dict[str, Any]:
    return {
        **services_scores.programme_score(programme).as_dict(),
        "manual": services_scores.programme_manual_scores([programme])[programme.pk],
    }


@router.get(
    "/programmes/{int:programme_id}/score",
    response=ScoreOut,
    summary="Priority score of a programme, with its breakdown",
    url_name="programme_score",
)
def programme_score(request: HttpRequest, programme_id: int) -> Any:
    user = _scorer(request)
    return _programme_score_out(queries.programme_get(user=user, pk=programme_id))


@router.put(
    "/programmes/{int:programme_id}/score",
    response=ScoreOut,
    summary="Score a programme on the manual criteria",
    url_name="programme_score_set",
)
def programme_score_set(request: HttpRequest, programme_id: int, payload: ScoresIn) -> Any:
    user = _scorer(request)
    programme = queries.programme_get(user=user, pk=programme_id)
    services_scores.programme_scores_set(actor=user, programme=programme, values=payload.scores)
    return _programme_score_out(programme)
