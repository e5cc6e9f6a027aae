"""The demo of needs campaigns and request scores, run on the test cast."""

from __future__ import annotations

import random
from typing import Any

from django.utils import timezone

from pilotage.strategy import demo_campaigns
from pilotage.strategy.models import Need, NeedsCampaign, RequestScore, TrainingRequest


def test_seed_makes_a_closed_partly_arbitrated_campaign_and_an_open_one(cast: Any) -> None:
    open_request = TrainingRequest.objects.create(
        reference="DEM-D-1", title="Sécurité", business_need="Besoin", requester=cast.client_a
    )
    counts = demo_campaigns.seed(rng=random.Random(4))
    main = NeedsCampaign.objects.get(title=demo_campaigns.MAIN_TITLE)
    small = NeedsCampaign.objects.get(title=demo_campaigns.SMALL_TITLE)
    assert main.status == "closed" and small.status == "open"
    assert main.closes_on < timezone.localdate() <= small.closes_on
    assert main.needs.count() == 40 and small.needs.count() >= 1
    decided = main.needs.exclude(decision=Need.Decision.PENDING).count()
    assert decided == counts["decisions"] == 26
    assert main.needs.filter(decision=Need.Decision.PENDING).count() == 14
    made = TrainingRequest.objects.filter(campaign_need__campaign=main)
    assert made.count() == counts["requests"] and all(r.status == "under_review" for r in made)
    assert all(n.decision_note for n in main.needs.exclude(decision__in=["pending", "retained"]))
    assert counts["campaigns"] == 2 and counts["needs"] == 40 + small.needs.count()
    # Open requests (the one filed above and those made from retained needs) get impact scores.
    assert counts["request_scores"] == RequestScore.objects.values("request").distinct().count() > 0
    assert open_request.status == "submitted"
    # Twice: nothing more.
    again = demo_campaigns.seed(rng=random.Random(4))
    assert again["campaigns"] == 0 and again["needs"] == 0
    assert NeedsCampaign.objects.count() == 2
