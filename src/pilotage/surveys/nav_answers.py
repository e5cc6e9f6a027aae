"""Navigation entries of part "answers" (called from SurveysConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.people.permissions import is_staff_member
from pilotage.surveys import permissions


def _results_only(user: Any) -> bool:
    """Sponsors and facilitators read results; the team reaches them from "Surveys"."""
    return permissions.can_see_results(user) and not is_staff_member(user)


def register() -> None:
    navigation.register(
        "survey_results",
        _("Survey results"),
        "surveys:results_index",
        order=47,
        visible=_results_only,
        group="delivery",
    )
