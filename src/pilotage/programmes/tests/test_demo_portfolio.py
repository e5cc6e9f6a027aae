"""`pilotage demo` fills strategy and programmes after the company: the whole chain, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from pilotage.people import demo as people_demo
from pilotage.programmes.models import LearningPath, Programme, Recommendation
from pilotage.strategy.models import Need, Objective, TrainingRequest

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_part_of_the_portfolio() -> None:
    people_demo.demo_company_create(actor="test", size="small")
    out = StringIO()
    call_command("demo-portfolio", stdout=out)

    assert Objective.objects.count() >= 10
    statuses = set(TrainingRequest.objects.values_list("status", flat=True))
    assert statuses == set(TrainingRequest.Status.values)
    assert Need.objects.exclude(decision=Need.Decision.PENDING).exists()
    assert set(Programme.objects.values_list("status", flat=True)) >= {"idea", "design", "running", "closed"}
    assert Recommendation.objects.exclude(chosen_modality=None).count() >= 10
    assert LearningPath.objects.filter(steps__isnull=False).distinct().count() >= 10
    assert TrainingRequest.objects.filter(status="accepted", programmes__isnull=False).exists()
    for label in ("objectives and requests", "needs campaigns", "programmes", "learning paths"):
        assert label in out.getvalue()

    # Run again: nothing added twice.
    counts = (TrainingRequest.objects.count(), Programme.objects.count(), LearningPath.objects.count())
    call_command("demo-portfolio", stdout=StringIO())
    assert (TrainingRequest.objects.count(), Programme.objects.count(), LearningPath.objects.count()) == counts


def test_the_portfolio_demo_needs_the_company() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="pilotage demo"):
        call_command("demo-portfolio", stdout=StringIO())
