"""The demo of programme scores, run on the test cast."""

from __future__ import annotations

import random
from typing import Any

from pilotage.programmes import demo_backlog
from pilotage.programmes.models import Programme, ProgrammeScore


def test_seed_scores_early_programmes_once(cast: Any) -> None:
    idea = Programme.objects.create(code="PRG-D-1", title="Onboarding", status=Programme.Status.IDEA)
    Programme.objects.create(code="PRG-D-2", title="Running", status=Programme.Status.RUNNING)
    assert demo_backlog.seed(rng=random.Random(1)) == {"programme_scores": 1}
    assert set(ProgrammeScore.objects.values_list("programme_id", flat=True)) == {idea.pk}
    assert all(0 <= s.value <= 5 for s in ProgrammeScore.objects.all())
    assert demo_backlog.seed(rng=random.Random(1)) == {"programme_scores": 0}
