"""The parts of the strategy area meet on the request page: triage, score card, acceptance."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from pilotage.strategy.models import TrainingRequest

pytestmark = pytest.mark.django_db


def _request(cast: Any) -> TrainingRequest:
    return TrainingRequest.objects.create(
        reference="DEM-2026-0900", title="Habilitations électriques", business_need="B1V", requester=cast.client_a
    )


def test_the_team_sees_the_score_card_and_the_accept_link(cast: Any, login: Any) -> None:
    req = _request(cast)
    html = login(cast.ld).get(reverse("strategy:request_detail", args=[req.pk])).content.decode()
    assert reverse("strategy:request_scores", args=[req.pk]) in html
    assert reverse("programmes:from_request", args=[req.pk]) in html


def test_the_requester_sees_neither(cast: Any, login: Any) -> None:
    req = _request(cast)
    html = login(cast.client_a).get(reverse("strategy:request_detail", args=[req.pk])).content.decode()
    assert reverse("strategy:request_scores", args=[req.pk]) not in html
    assert reverse("programmes:from_request", args=[req.pk]) not in html
