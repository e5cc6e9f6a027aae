"""Navigation entries of part "builder" (called from SurveysConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.surveys import permissions


def register() -> None:
    navigation.register(
        "surveys", _("Surveys"), "surveys:survey_list", order=46, visible=permissions.can_build, group="delivery"
    )
