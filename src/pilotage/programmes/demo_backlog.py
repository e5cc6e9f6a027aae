"""Demo prioritisation of programmes for Groupe Orvalis: hand-given values on the manual
criteria for the programmes still in idea or design, so that the ranked backlog mixes
requests and programmes. Written through ``services_scores``; a programme already scored is
left alone, so running it twice adds nothing. Seed it after the programmes exist."""

from __future__ import annotations

import random

from django.db import transaction

from pilotage.people.models import Role
from pilotage.people.permissions import acting_dlm, has_role
from pilotage.programmes import services_scores
from pilotage.programmes.backlog import PROGRAMME_STATUSES
from pilotage.programmes.models import Programme, ProgrammeScore
from pilotage.strategy.models import Criterion


@transaction.atomic
def seed(*, rng: random.Random) -> dict[str, int]:
    """Score the early programmes on the manual criteria; counts of what was made."""
    actor = acting_dlm(None)
    manual = list(Criterion.objects.filter(active=True, source=Criterion.Source.MANUAL).values_list("key", flat=True))
    if not manual or not has_role(actor, Role.DLM):
        return {"programme_scores": 0}
    scored = ProgrammeScore.objects.values("programme_id")
    count = 0
    for programme in Programme.objects.filter(status__in=PROGRAMME_STATUSES).exclude(pk__in=scored).order_by("pk"):
        values = {key: rng.choices(range(6), weights=[1, 1, 2, 4, 4, 2])[0] for key in manual}
        services_scores.programme_scores_set(actor=actor, programme=programme, values=values)
        count += 1
    return {"programme_scores": count}
