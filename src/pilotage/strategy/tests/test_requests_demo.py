"""The demo seed of objectives and requests: every status, histories, reasons, comments."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from pilotage.people import services
from pilotage.people.models import Role, User
from pilotage.strategy import demo_requests
from pilotage.strategy.models import Objective, RequestComment, TrainingRequest

pytestmark = pytest.mark.django_db
S = TrainingRequest.Status


def _demo_users(cast: Any) -> None:
    for prefix, role, scope in (
        ("dlm", Role.DLM, {}),
        ("ld", Role.LD, {}),
        ("client.commercial", Role.CLIENT, {"org_units": [cast.unit_a]}),
        ("client.industrie", Role.CLIENT, {"org_units": [cast.unit_b]}),
    ):
        user = User.objects.create_user(f"{prefix}@orvalis.example", None, display_name=prefix)
        services.role_assign(actor="test", user=user, role=role, **scope)


def test_seed_makes_every_status_with_history(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    _demo_users(cast)
    with django_capture_on_commit_callbacks(execute=True):
        counts = demo_requests.seed(rng=random.Random(7))
    assert counts["objectives"] == 12 and Objective.objects.count() == 12
    total = len(demo_requests.REQUESTS) + len(demo_requests.ECHOES)
    assert 55 <= total <= 65
    assert counts["requests"] == total and TrainingRequest.objects.count() == total
    assert mail.outbox == []  # the demo tells a past story: no e-mail
    by_status = {s: TrainingRequest.objects.filter(status=s).count() for s in S.values}
    assert all(n >= 5 for n in by_status.values()), by_status
    assert {o.status for o in Objective.objects.all()} >= {"active", "draft", "achieved"}
    # Both internal clients and the team filed requests; references are unique per year.
    requesters = set(TrainingRequest.objects.values_list("requester__email", flat=True))
    assert {"client.commercial@orvalis.example", "client.industrie@orvalis.example", "ld@orvalis.example"} <= requesters
    # Every decided request has its reason and a dated history, in the past, in order.
    now = timezone.now()
    for req in TrainingRequest.objects.exclude(status__in=[S.SUBMITTED, S.UNDER_REVIEW]):
        assert req.status_reason, req.reference
        history = list(req.transitions.order_by("id"))
        assert history[0].to_status == S.SUBMITTED and history[-1].to_status == req.status
        assert [t.at for t in history] == sorted(t.at for t in history)
        assert history[-1].at <= now and history[0].at >= now - timezone.timedelta(days=310)
    merged = TrainingRequest.objects.filter(status=S.MERGED)
    assert all(m.merged_into is not None and m.merged_into.status not in {S.MERGED, S.DECLINED} for m in merged)
    withdrawn = TrainingRequest.objects.filter(
        status=S.DECLINED, status_reason__startswith="Withdrawn by the requester"
    )
    assert counts["withdrawn"] >= 1 and withdrawn.count() == counts["withdrawn"]
    assert all(w.transitions.order_by("-id")[0].by == w.requester for w in withdrawn)
    assert (
        RequestComment.objects.filter(internal=True).exists() and RequestComment.objects.filter(internal=False).exists()
    )
    assert counts["comments"] == RequestComment.objects.count()
    spread = TrainingRequest.objects.order_by("created_at")
    first, last = spread.first(), spread.last()
    assert first is not None and last is not None and (last.created_at - first.created_at).days > 150


def test_seed_runs_once_and_copes_without_demo_users(cast: Any) -> None:
    assert demo_requests.seed(rng=random.Random(1))["requests"] == 0
    _demo_users(cast)
    made = demo_requests.seed(rng=random.Random(1))["requests"]
    assert made > 50
    assert demo_requests.seed(rng=random.Random(1)) == {
        "objectives": 0,
        "requests": 0,
        "transitions": 0,
        "comments": 0,
        "withdrawn": 0,
    }
    assert TrainingRequest.objects.count() == made
