"""The strategy area's REST API (/api/v1/strategy/), one sub-router per part."""

from __future__ import annotations

from ninja import Router

from pilotage.strategy.api_campaigns import router as campaigns_router
from pilotage.strategy.api_priorities import router as priorities_router
from pilotage.strategy.api_requests import router as requests_router

router = Router()
router.add_router("/", requests_router)
router.add_router("/", campaigns_router)
router.add_router("/", priorities_router)
