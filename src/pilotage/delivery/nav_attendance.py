"""Navigation entries of part "attendance" (called from DeliveryConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.delivery import permissions


def register() -> None:
    # A facilitator's first stop (on a phone, before a session): their sessions.
    navigation.register(
        "delivery.facilitate",
        _("My sessions"),
        "delivery:facilitator_home",
        order=41,
        visible=permissions.is_facilitator,
        group="delivery",
    )
