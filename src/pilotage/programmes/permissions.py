"""Who may do what with programmes, the recommender and learning paths."""

from __future__ import annotations

from typing import Any

from pilotage.people.models import Role
from pilotage.people.permissions import has_role, is_dlm, is_staff_member


def can_see_programmes(user: Any) -> bool:
    """The L&D team sees every programme; an internal client the programmes they sponsor."""
    return has_role(user, Role.DLM, Role.LD, Role.CLIENT)


def can_design(user: Any) -> bool:
    """Create and edit programmes, paths, run the recommender: the DLM and the L&D team."""
    return is_staff_member(user)


def can_manage_framework(user: Any) -> bool:
    """The skills framework and the modality catalogue: the L&D team edits."""
    return is_staff_member(user)


def can_edit_rules(user: Any) -> bool:
    """The recommender's rules and their versions: the DLM only (the team reads them)."""
    return is_dlm(user)


def can_export_plan(user: Any) -> bool:
    return is_staff_member(user)
