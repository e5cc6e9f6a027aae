"""REST API of the programmes area: programmes (mounted under /api/v1/programmes/ by programmes/api.py)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["programmes"])
