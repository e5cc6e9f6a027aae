"""/api/v1/surveys/ endpoints of part "builder"."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["surveys"])
