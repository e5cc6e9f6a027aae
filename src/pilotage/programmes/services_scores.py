"""Prioritisation of programmes: the L&D team's hand-given scores on manual criteria, and
the facts the (shared, pure) ``strategy.scoring`` reads of a programme.

A programme's facts come from itself first, then from what it answers:
- strategic alignment: the highest weight among its objectives and its requests' objectives;
- reach: the headcount of its requests, else the live headcount of its target audiences;
- urgency: its planned start, else the earliest wished date of its requests;
- legal obligation: any of its requests carries one;
- cost: its estimated budget, else the sum of its requests' budget indications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.errors import PermissionDenied
from pilotage.people.audiences import audience_members
from pilotage.programmes.models import Programme, ProgrammeScore
from pilotage.strategy import permissions as strategy_permissions
from pilotage.strategy import scoring
from pilotage.strategy.models import TrainingRequest
from pilotage.strategy.services_priorities import apply_manual_scores, criterion_specs


def with_score_relations(qs: Any) -> Any:
    """Prefetch what ``programme_facts`` reads (objectives, requests with their objective, audiences)."""
    return qs.prefetch_related(
        "objectives",
        "audiences",
        Prefetch("requests", queryset=TrainingRequest.objects.select_related("objective")),
    )


def programme_facts(
    programme: Programme, manual: Mapping[str, int] | None = None, *, audience_sizes: Mapping[int, int] | None = None
) -> scoring.Facts:
    """The facts the score reads of a programme (use ``with_score_relations`` on the queryset)."""
    objectives = list(programme.objectives.all())
    requests = list(programme.requests.all())
    objectives += [r.objective for r in requests if r.objective is not None]
    best = max(objectives, key=lambda o: o.weight, default=None)
    headcount: int | None = sum(r.headcount or 0 for r in requests) or None
    if headcount is None:
        sizes = audience_sizes or {}
        total = 0
        for audience in programme.audiences.all():
            total += sizes[audience.pk] if audience.pk in sizes else audience_members(audience, user=None).count()
        headcount = total or None
    dates = [r.wished_date for r in requests if r.wished_date]
    wished: dt.date | None = programme.planned_start or (min(dates) if dates else None)
    budgets = [r.budget_indication for r in requests if r.budget_indication is not None]
    budget: Decimal | None = programme.budget_estimate
    if budget is None and budgets:
        budget = sum(budgets, Decimal(0))
    return scoring.Facts(
        objective_weight=best.weight if best is not None else None,
        objective_title=best.title if best is not None else "",
        headcount=headcount,
        wished_date=wished,
        legal_obligation=any(r.legal_obligation for r in requests),
        budget=budget,
        manual=manual or {},
    )


def programme_manual_scores(programmes: Iterable[Programme]) -> dict[int, dict[str, int]]:
    """Hand-given scores: programme id → {criterion key: value}. One query."""
    ids = [p.pk for p in programmes]
    out: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for programme_id, key, value in ProgrammeScore.objects.filter(programme_id__in=ids).values_list(
        "programme_id", "criterion__key", "value"
    ):
        out[programme_id][key] = value
    return out


def programme_score(
    programme: Programme, *, specs: list[scoring.CriterionSpec] | None = None, today: dt.date | None = None
) -> scoring.Score:
    """The score of one programme with its breakdown."""
    programme = with_score_relations(Programme.objects.filter(pk=programme.pk)).get()
    specs = specs if specs is not None else criterion_specs()
    manual = programme_manual_scores([programme])[programme.pk]
    return scoring.score(specs, programme_facts(programme, manual), today=today or timezone.localdate())


@transaction.atomic
def programme_scores_set(*, actor: Any, programme: Programme, values: Mapping[str, Any]) -> dict[str, int]:
    """Score ``programme`` by hand on manual criteria: criterion key → 0–5 (blank removes).
    Refused as a whole, naming the criterion, when a value is bad."""
    if not strategy_permissions.can_prioritise(actor) and actor != "system":
        raise PermissionDenied(_("Only the L&D team may score programmes."))
    apply_manual_scores(
        actor=actor, subject=programme, score_model=ProgrammeScore, subject_field="programme", values=values
    )
    return programme_manual_scores([programme])[programme.pk]
