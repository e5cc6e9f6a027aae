"""The prioritisation score, as a pure function of the criteria and of a request's (or a
programme's) facts: no database access here, so that the backlog, the what-if panel, the
API and the tests all compute the same number the same way.

Each active criterion gives a value from 0 to 5, either scored by hand (``manual``) or read
from the data with the scales below; the total, on 0–100, is

    total = Σ weight × value / 5          (weights in %, summing to 100)

When weights do not sum to 100 (a what-if in progress), the total is scaled by 100 / Σ weight
so that it stays on 0–100 and ranks compare.

Scales of the automatic sources (documented in docs/prioritisation.md):

- objective (strategic alignment): the weight of the linked objective, 1 (minor) to 5
  (critical); none linked → 0.
- urgency: days from today to the wished date: already past or ≤ 30 days → 5, ≤ 90 → 4,
  ≤ 180 → 3, ≤ 365 → 2, later → 1; no date → 0.
- reach: people concerned: ≥ 1,000 → 5, ≥ 200 → 4, ≥ 50 → 3, ≥ 10 → 2, ≥ 1 → 1; unknown → 0.
- legal: a legal or regulatory obligation → 5, otherwise 0.
- cost (lower is better): budget ≤ 5,000 € → 5, ≤ 20,000 → 4, ≤ 50,000 → 3, ≤ 100,000 → 2,
  ≤ 250,000 → 1, more → 0; unknown → 3 (neither rewarded nor punished).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_VALUE = 5

MANUAL = "manual"
OBJECTIVE = "objective"
REACH = "reach"
LEGAL = "legal"
URGENCY = "urgency"
COST = "cost"

# (upper bound in days, value): the first bound the delay fits under gives the value.
URGENCY_SCALE: tuple[tuple[int, int], ...] = ((30, 5), (90, 4), (180, 3), (365, 2))
# (lower bound in people, value): the first bound the headcount reaches gives the value.
REACH_SCALE: tuple[tuple[int, int], ...] = ((1000, 5), (200, 4), (50, 3), (10, 2), (1, 1))
# (upper bound in euros, value)
COST_SCALE: tuple[tuple[int, int], ...] = ((5_000, 5), (20_000, 4), (50_000, 3), (100_000, 2), (250_000, 1))
COST_UNKNOWN = 3


@dataclass(frozen=True)
class CriterionSpec:
    """What the score needs to know of a criterion (built from ``Criterion`` rows)."""

    key: str
    name: str
    weight: int
    source: str = MANUAL


@dataclass(frozen=True)
class Facts:
    """What the score reads of a request or a programme."""

    objective_weight: int | None = None
    objective_title: str = ""
    headcount: int | None = None
    wished_date: dt.date | None = None
    legal_obligation: bool = False
    budget: Decimal | None = None
    manual: Mapping[str, int] = field(default_factory=dict)  # criterion key → 0..5


@dataclass(frozen=True)
class Line:
    key: str
    name: str
    value: int
    weight: int
    points: float
    why: str
    source: str = MANUAL
    scored: bool = True  # False: a manual criterion nobody scored yet (counted as 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.key,
            "name": self.name,
            "source": self.source,
            "value": self.value,
            "weight": self.weight,
            "points": self.points,
            "why": self.why,
            "scored": self.scored,
        }


@dataclass(frozen=True)
class Score:
    total: float
    lines: tuple[Line, ...]
    weight_sum: int

    @property
    def unscored(self) -> list[str]:
        """Names of the manual criteria still to score."""
        return [line.name for line in self.lines if not line.scored]

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "weight_sum": self.weight_sum, "breakdown": [x.as_dict() for x in self.lines]}


def spec_of(criterion: Any) -> CriterionSpec:
    """A ``strategy.Criterion`` (or anything with key/name/weight/source) as a spec."""
    return CriterionSpec(key=criterion.key, name=str(criterion.name), weight=criterion.weight, source=criterion.source)


def with_weights(specs: Iterable[CriterionSpec], weights: Mapping[str, int]) -> list[CriterionSpec]:
    """The same criteria with some weights replaced (the what-if panel); unknown keys are ignored."""
    return [replace(s, weight=int(weights[s.key])) if s.key in weights else s for s in specs]


def _money(value: Decimal | int) -> str:
    return number_format(Decimal(value).quantize(Decimal(1)), decimal_pos=0, force_grouping=True)


def _urgency(wished: dt.date | None, today: dt.date) -> tuple[int, str]:
    if wished is None:
        return 0, _("No wished date.")
    days = (wished - today).days
    if days < 0:
        return 5, _("Wished for %(date)s, already past.") % {"date": wished.isoformat()}
    for bound, value in URGENCY_SCALE:
        if days <= bound:
            return value, _("Wished in %(days)s days (≤ %(bound)s).") % {"days": days, "bound": bound}
    return 1, _("Wished in %(days)s days (more than a year).") % {"days": days}


def _reach(headcount: int | None) -> tuple[int, str]:
    if not headcount:
        return 0, _("Headcount unknown.")
    for bound, value in REACH_SCALE:
        if headcount >= bound:
            return value, _("%(n)s people concerned (≥ %(bound)s).") % {"n": headcount, "bound": bound}
    return 0, _("Headcount unknown.")  # pragma: no cover - REACH_SCALE ends at 1


def _cost(budget: Decimal | None) -> tuple[int, str]:
    if budget is None:
        return COST_UNKNOWN, _("Budget unknown: neutral value.")
    for bound, value in COST_SCALE:
        if budget <= bound:
            return value, _("Budget %(budget)s € (≤ %(bound)s €).") % {"budget": _money(budget), "bound": _money(bound)}
    return 0, _("Budget %(budget)s € (more than %(bound)s €).") % {
        "budget": _money(budget),
        "bound": _money(COST_SCALE[-1][0]),
    }


def criterion_value(spec: CriterionSpec, facts: Facts, *, today: dt.date) -> tuple[int, str, bool]:
    """(value 0–5, why in words, scored?) of one criterion for these facts."""
    if spec.source == OBJECTIVE:
        if facts.objective_weight is None:
            return 0, _("Linked to no objective."), True
        value = max(0, min(MAX_VALUE, int(facts.objective_weight)))
        return value, _("Objective “%(title)s”, weight %(w)s/5.") % {"title": facts.objective_title, "w": value}, True
    if spec.source == URGENCY:
        return (*_urgency(facts.wished_date, today), True)
    if spec.source == REACH:
        return (*_reach(facts.headcount), True)
    if spec.source == LEGAL:
        if facts.legal_obligation:
            return 5, _("Legal or regulatory obligation."), True
        return 0, _("No legal obligation."), True
    if spec.source == COST:
        return (*_cost(facts.budget), True)
    if spec.key in facts.manual:
        value = max(0, min(MAX_VALUE, int(facts.manual[spec.key])))
        return value, _("Scored %(v)s/5 by the L&D team.") % {"v": value}, True
    return 0, _("Not scored yet."), False


def score(criteria: Iterable[CriterionSpec], facts: Facts, *, today: dt.date) -> Score:
    """The total on 0–100 and its breakdown (one line per criterion, in the criteria's order)."""
    specs = list(criteria)
    weight_sum = sum(max(0, s.weight) for s in specs)
    scale = 100 / weight_sum if weight_sum else 0.0
    lines = []
    for spec in specs:
        value, why, scored = criterion_value(spec, facts, today=today)
        points = round(max(0, spec.weight) * value / MAX_VALUE * scale, 2)
        lines.append(
            Line(
                key=spec.key,
                name=spec.name,
                value=value,
                weight=spec.weight,
                points=points,
                why=why,
                source=spec.source,
                scored=scored,
            )
        )
    total = round(sum(line.points for line in lines), 1)
    return Score(total=total, lines=tuple(lines), weight_sum=weight_sum)


def rank(items: Iterable[tuple[Any, Score]]) -> list[tuple[int, Any, Score]]:
    """(rank, item, score) by total, highest first; ties share the order they came in."""
    ordered = sorted(items, key=lambda pair: -pair[1].total)
    return [(i, item, sc) for i, (item, sc) in enumerate(ordered, start=1)]
