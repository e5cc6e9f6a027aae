"""The surveys area's REST API (/api/v1/surveys/), one sub-router per part."""

from __future__ import annotations

from ninja import Router

from pilotage.surveys.api_answers import router as answers_router
from pilotage.surveys.api_builder import router as builder_router

router = Router()
router.add_router("/", builder_router)
router.add_router("/", answers_router)
