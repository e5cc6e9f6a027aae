"""The demo seed of programmes, run on the test cast (no demo company: it copes)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from pilotage.programmes import demo_programmes
from pilotage.programmes.models import Programme, Skill, SkillDomain
from pilotage.strategy.models import Objective, TrainingRequest

S = Programme.Status
pytestmark = pytest.mark.django_db


def test_seed_builds_the_framework_and_a_portfolio_across_the_lifecycle(cast: Any) -> None:
    safety = Objective.objects.create(title="Zéro accident grave sur nos sites industriels", weight=5)
    accepted = TrainingRequest.objects.create(
        reference="DEM-2026-001",
        title="Habilitation électrique",
        business_need="Besoin",
        requester=cast.client_b,
        status=TrainingRequest.Status.ACCEPTED,
        objective=safety,
    )
    counts = demo_programmes.seed(rng=random.Random(1))

    assert SkillDomain.objects.count() == 6 and Skill.objects.count() == 30
    assert counts["programmes"] == len(demo_programmes.PROGRAMMES) == Programme.objects.count() == 15
    statuses = set(Programme.objects.values_list("status", flat=True))
    assert statuses == set(S.values)
    habilitations = Programme.objects.get(title="Sécurité industrielle — habilitations")
    assert habilitations.status == S.RUNNING and habilitations.code.startswith("PRG-2026-")
    assert list(habilitations.objectives.all()) == [safety]
    assert accepted.programmes.count() == 1 and counts["requests linked"] == 1
    assert habilitations.competencies.count() == 3
    back = Programme.objects.get(title="Culture sécurité des chefs d'équipe")
    assert back.transitions.filter(from_status=S.PRODUCTION, to_status=S.DESIGN).exclude(note="").exists()
    abandoned = Programme.objects.get(title="Réalité virtuelle sécurité")
    assert abandoned.status == S.CLOSED and not abandoned.transitions.filter(to_status=S.RUNNING).exists()

    again = demo_programmes.seed(rng=random.Random(1))
    assert again["programmes"] == 0 and again["skills framework entries"] == 0
    assert Programme.objects.count() == 15
