"""People API router (django-ninja): same queries as the web views."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["people"])
