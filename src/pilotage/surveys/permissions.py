"""Who may do what with surveys. The builder, templates and dispatch rules: the DLM and the
L&D team. Results: the team (all), an internal client (the programmes they sponsor), a
facilitator (the responses about their cohorts and sessions). Answering: the invitation's
respondent only."""

from __future__ import annotations

from typing import Any

from pilotage.people.models import Role
from pilotage.people.permissions import has_role, is_staff_member


def can_build(user: Any) -> bool:
    """Create and edit surveys, templates and dispatch rules."""
    return is_staff_member(user)


def can_see_results(user: Any) -> bool:
    return has_role(user, Role.DLM, Role.LD, Role.CLIENT, Role.FACILITATOR)


def can_answer(user: Any) -> bool:
    """A signed-in user linked to an employee (invitations are addressed to employees)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "employee_id", None))
