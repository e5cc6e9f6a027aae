"""Navigation entries of part "dashboard" (called from SurveysConfig.ready)."""

from __future__ import annotations


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from pilotage.core import navigation
    from pilotage.programmes.permissions import can_see_programmes

    # The DLM, the L&D team and internal clients (the programmes they sponsor).
    navigation.register(
        "dashboards", _("Dashboards"), "dashboards:index", order=48, visible=can_see_programmes, group="delivery"
    )
