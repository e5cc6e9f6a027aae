"""The ranked backlog: open training requests and programmes still in idea or design, ranked
by their prioritisation score, with a what-if on the weights that saves nothing.

It lives in ``programmes`` because it ranks both (``strategy`` may not import programmes).
Scores come from the pure ``strategy.scoring``; a what-if ranks twice — with the saved
weights and with the proposed ones — and reports how far each item moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from pilotage.programmes import queries as programme_queries
from pilotage.programmes.models import Programme
from pilotage.programmes.services_scores import programme_facts, programme_manual_scores, with_score_relations
from pilotage.strategy import queries as strategy_queries
from pilotage.strategy import scoring
from pilotage.strategy.services_priorities import criterion_specs, manual_scores, open_requests, request_facts

PROGRAMME_STATUSES = (Programme.Status.IDEA, Programme.Status.DESIGN)
KINDS = ("request", "programme")
MAX_ITEMS = 500


@dataclass
class Item:
    kind: str  # "request" | "programme"
    pk: int
    reference: str
    title: str
    status: str
    status_label: str
    url: str
    facts: scoring.Facts
    score: scoring.Score
    rank: int = 0
    saved_rank: int = 0
    saved_total: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def movement(self) -> int:
        """Places gained (positive) or lost (negative) against the saved weights."""
        return self.saved_rank - self.rank

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.pk,
            "reference": self.reference,
            "title": self.title,
            "status": self.status,
            "rank": self.rank,
            "saved_rank": self.saved_rank,
            "movement": self.movement,
            "total": self.score.total,
            "saved_total": self.saved_total,
            "breakdown": [line.as_dict() for line in self.score.lines],
        }


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the detail pages belong to other parts; tolerate their absence
        return ""


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    objective: int | None = None
    status: str = ""
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Filters:
        kind = str(params.get("kind") or "")
        objective = str(params.get("objective") or "")
        return cls(
            kind=kind if kind in KINDS else "",
            objective=int(objective) if objective.isdigit() else None,
            status=str(params.get("status") or "").strip(),
            q=str(params.get("q") or "").strip()[:100],
        )


def _requests(user: Any, filters: Filters) -> list[Any]:
    qs = open_requests(strategy_queries.request_list(user=user))
    if filters.objective:
        qs = qs.filter(objective_id=filters.objective)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(reference__icontains=filters.q))
    return list(qs.order_by("pk")[:MAX_ITEMS])


def _programmes(user: Any, filters: Filters) -> list[Programme]:
    qs = programme_queries.programme_list(user=user).filter(status__in=PROGRAMME_STATUSES)
    if filters.objective:
        qs = qs.filter(objectives=filters.objective).distinct()
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(code__icontains=filters.q))
    return list(with_score_relations(qs).order_by("pk")[:MAX_ITEMS])


def backlog_items(
    *,
    user: Any,
    filters: Filters | None = None,
    weights: Mapping[str, int] | None = None,
    today: dt.date | None = None,
) -> tuple[list[Item], list[scoring.CriterionSpec]]:
    """The backlog in the user's scope, ranked by score (saved weights, or ``weights`` as a
    what-if); each item also carries its rank and total with the saved weights."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    saved_specs = criterion_specs()
    specs = scoring.with_weights(saved_specs, weights) if weights else saved_specs
    items: list[Item] = []
    if filters.kind in ("", "request"):
        requests = _requests(user, filters)
        manual = manual_scores(requests)
        for req in requests:
            facts = request_facts(req, manual[req.pk])
            items.append(
                Item(
                    kind="request",
                    pk=req.pk,
                    reference=req.reference,
                    title=req.title,
                    status=req.status,
                    status_label=str(req.get_status_display()),
                    url=_url("strategy:request_detail", req.pk),
                    facts=facts,
                    score=scoring.score(specs, facts, today=today),
                )
            )
    if filters.kind in ("", "programme"):
        programmes = _programmes(user, filters)
        manual = programme_manual_scores(programmes)
        for programme in programmes:
            facts = programme_facts(programme, manual[programme.pk])
            items.append(
                Item(
                    kind="programme",
                    pk=programme.pk,
                    reference=programme.code,
                    title=programme.title,
                    status=programme.status,
                    status_label=str(programme.get_status_display()),
                    url=_url("programmes:programme_detail", programme.pk),
                    facts=facts,
                    score=scoring.score(specs, facts, today=today),
                )
            )
    for position, (_rank, item, _score) in enumerate(scoring.rank((i, i.score) for i in items), start=1):
        item.rank = position
    saved = scoring.rank((i, scoring.score(saved_specs, i.facts, today=today)) for i in items) if weights else None
    for item in items:
        item.saved_rank, item.saved_total = item.rank, item.score.total
    if saved is not None:
        for position, item, sc in saved:
            item.saved_rank, item.saved_total = position, sc.total
    items.sort(key=lambda i: i.rank)
    return items, specs
