"""The programmes area's REST API (/api/v1/programmes/), one sub-router per part."""

from __future__ import annotations

from ninja import Router

from pilotage.programmes.api_backlog import router as backlog_router
from pilotage.programmes.api_paths import router as paths_router
from pilotage.programmes.api_programmes import router as programmes_router
from pilotage.programmes.api_recommender import router as recommender_router

router = Router()
router.add_router("/", programmes_router)
router.add_router("/", recommender_router)
router.add_router("/", paths_router)
router.add_router("/", backlog_router)
