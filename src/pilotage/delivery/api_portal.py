"""/api/v1/delivery/ endpoints of the learner portal ("me")."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["delivery"])
