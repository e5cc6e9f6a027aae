"""Navigation entries of part "cohorts" (called from DeliveryConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.delivery import permissions


def register() -> None:
    navigation.register(
        "delivery.cohorts",
        _("Cohorts"),
        "delivery:cohort_list",
        order=40,
        visible=permissions.can_see_cohorts,
        group="delivery",
    )
