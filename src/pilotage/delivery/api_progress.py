"""/api/v1/delivery/ endpoints of part "progress"."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["delivery"])
