"""REST API of the strategy area: requests (mounted under /api/v1/strategy/ by strategy/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["strategy"])
