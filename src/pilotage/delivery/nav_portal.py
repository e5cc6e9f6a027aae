"""Navigation entries of the learner portal (called from DeliveryConfig.ready): "My learning"
first for anyone with an employee record, and the approval inbox for managers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pilotage.core import navigation
from pilotage.delivery import permissions


def register() -> None:
    navigation.register("my_learning", _("My learning"), "portal:home", order=1, visible=permissions.has_learner_space)
    navigation.register("team_approvals", _("Approvals"), "portal:approvals", order=2, visible=permissions.is_manager)
