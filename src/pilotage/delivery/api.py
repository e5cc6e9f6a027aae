"""The delivery area's REST API (/api/v1/delivery/), one sub-router per part."""

from __future__ import annotations

from ninja import Router

from pilotage.delivery.api_attendance import router as attendance_router
from pilotage.delivery.api_cohorts import router as cohorts_router
from pilotage.delivery.api_portal import router as portal_router
from pilotage.delivery.api_progress import router as progress_router

router = Router()
router.add_router("/", cohorts_router)
router.add_router("/", attendance_router)
router.add_router("/", progress_router)
router.add_router("/", portal_router)
