"""The pure scoring module: scales, totals, breakdown, what-if weights, ranking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pilotage.strategy import scoring
from pilotage.strategy.scoring import CriterionSpec, Facts

TODAY = dt.date(2027, 1, 15)
DEFAULTS = [
    CriterionSpec("strategic_alignment", "Strategic alignment", 25, "objective"),
    CriterionSpec("business_impact", "Business impact", 20, "manual"),
    CriterionSpec("urgency", "Urgency", 15, "urgency"),
    CriterionSpec("reach", "Reach", 15, "reach"),
    CriterionSpec("legal_obligation", "Legal obligation", 15, "legal"),
    CriterionSpec("cost", "Cost", 10, "cost"),
]


def test_everything_at_five_is_100_and_the_breakdown_adds_up() -> None:
    facts = Facts(
        objective_weight=5,
        objective_title="Sécurité",
        headcount=4000,
        wished_date=TODAY,
        legal_obligation=True,
        budget=Decimal("3000"),
        manual={"business_impact": 5},
    )
    result = scoring.score(DEFAULTS, facts, today=TODAY)
    assert result.total == 100
    assert [line.points for line in result.lines] == [25, 20, 15, 15, 15, 10]
    assert result.weight_sum == 100
    assert result.unscored == []
    assert "Sécurité" in result.lines[0].why


def test_total_is_weight_times_value_over_five() -> None:
    facts = Facts(objective_weight=3, headcount=60, manual={"business_impact": 2})
    result = scoring.score(DEFAULTS, facts, today=TODAY)
    # 25×3/5 + 20×2/5 + 0 (no date) + 15×3/5 (60 people) + 0 + 10×3/5 (budget unknown)
    assert result.total == pytest.approx(15 + 8 + 0 + 9 + 0 + 6)
    assert result.lines[5].why == "Budget unknown: neutral value."


def test_unscored_manual_criterion_counts_zero_and_is_named() -> None:
    result = scoring.score(DEFAULTS, Facts(), today=TODAY)
    assert result.unscored == ["Business impact"]
    assert result.lines[1].value == 0 and not result.lines[1].scored


@pytest.mark.parametrize(("days", "value"), [(-3, 5), (0, 5), (30, 5), (31, 4), (90, 4), (180, 3), (365, 2), (366, 1)])
def test_urgency_scale(days: int, value: int) -> None:
    spec = CriterionSpec("urgency", "Urgency", 100, "urgency")
    got, why, _scored = scoring.criterion_value(spec, Facts(wished_date=TODAY + dt.timedelta(days=days)), today=TODAY)
    assert got == value and why


@pytest.mark.parametrize(
    ("headcount", "value"), [(None, 0), (0, 0), (1, 1), (9, 1), (10, 2), (50, 3), (200, 4), (1000, 5)]
)
def test_reach_scale(headcount: int | None, value: int) -> None:
    spec = CriterionSpec("reach", "Reach", 100, "reach")
    assert scoring.criterion_value(spec, Facts(headcount=headcount), today=TODAY)[0] == value


@pytest.mark.parametrize(
    ("budget", "value"),
    [
        (None, 3),
        ("0", 5),
        ("5000", 5),
        ("5000.01", 4),
        ("20000", 4),
        ("50000", 3),
        ("100000", 2),
        ("250000", 1),
        ("250001", 0),
    ],
)
def test_cost_scale_lower_is_better(budget: str | None, value: int) -> None:
    spec = CriterionSpec("cost", "Cost", 100, "cost")
    facts = Facts(budget=Decimal(budget) if budget is not None else None)
    assert scoring.criterion_value(spec, facts, today=TODAY)[0] == value


def test_out_of_range_inputs_are_clamped() -> None:
    facts = Facts(objective_weight=9, manual={"business_impact": 12})
    result = scoring.score(DEFAULTS[:2], facts, today=TODAY)
    assert [line.value for line in result.lines] == [5, 5]


def test_what_if_weights_are_scaled_to_100_and_change_the_ranking() -> None:
    legal = Facts(legal_obligation=True, headcount=5)
    big = Facts(headcount=5000, objective_weight=4)
    before = scoring.rank(
        [("legal", scoring.score(DEFAULTS, legal, today=TODAY)), ("big", scoring.score(DEFAULTS, big, today=TODAY))]
    )
    assert [item for _r, item, _s in before] == ["big", "legal"]
    heavy_legal = scoring.with_weights(DEFAULTS, {"legal_obligation": 90, "unknown": 3})
    assert sum(s.weight for s in heavy_legal) == 175
    after = scoring.rank(
        [
            ("legal", scoring.score(heavy_legal, legal, today=TODAY)),
            ("big", scoring.score(heavy_legal, big, today=TODAY)),
        ]
    )
    assert [item for _r, item, _s in after] == ["legal", "big"]
    assert all(0 <= s.total <= 100 for _r, _i, s in after)


def test_no_weight_at_all_gives_zero() -> None:
    zero = [CriterionSpec("x", "X", 0, "legal")]
    assert scoring.score(zero, Facts(legal_obligation=True), today=TODAY).total == 0


def test_as_dict_is_json_ready() -> None:
    data = scoring.score(DEFAULTS, Facts(), today=TODAY).as_dict()
    assert set(data) == {"total", "weight_sum", "breakdown"}
    assert set(data["breakdown"][0]) == {"criterion", "name", "source", "value", "weight", "points", "why", "scored"}
