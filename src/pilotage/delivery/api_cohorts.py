"""/api/v1/delivery/ endpoints of part "cohorts"."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["delivery"])
