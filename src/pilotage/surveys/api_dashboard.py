"""/api/v1/dashboards/: the programme dashboard's figures."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["dashboards"])
