"""/api/v1/surveys/ endpoints of part "answers"."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["surveys"])
