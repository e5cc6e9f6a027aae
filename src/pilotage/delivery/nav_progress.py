"""Navigation entries of part "progress" (called from DeliveryConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.delivery import permissions


def register() -> None:
    # The team, facilitators and sponsors (a manager's at-risk learners are on their team page).
    navigation.register(
        "delivery.at_risk",
        _("Learners at risk"),
        "delivery:at_risk",
        order=45,
        visible=permissions.can_see_cohorts,
        group="delivery",
    )
    # A manager's first stop: their team (ungrouped, near the top).
    navigation.register(
        "delivery.team", _("My team's learning"), "delivery:team", order=12, visible=permissions.is_manager
    )
