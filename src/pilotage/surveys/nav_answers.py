"""Navigation entries of part "answers" (called from SurveysConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.surveys import permissions


def _results(user: Any) -> bool:
    """Everyone who reads results: the team (DLM, L&D), sponsors and facilitators."""
    return permissions.can_see_results(user)


def register() -> None:
    navigation.register(
        "survey_results",
        _("Survey results"),
        "surveys:results_index",
        order=47,
        visible=_results,
        group="delivery",
    )
