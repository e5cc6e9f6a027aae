"""Who may do what in delivery. Scopes (``queries.py``): the L&D team sees everything; a
facilitator the cohorts and sessions they facilitate; a manager their team's enrolments; a
learner their own; an internal client the cohorts of the programmes they sponsor (read only)."""

from __future__ import annotations

from typing import Any

from pilotage.people.models import Role
from pilotage.people.permissions import has_role, is_staff_member


def can_manage_delivery(user: Any) -> bool:
    """Create cohorts and sessions, enrol, set reminder rules: the DLM and the L&D team."""
    return is_staff_member(user)


def can_see_cohorts(user: Any) -> bool:
    """The cohort pages: the team, facilitators and internal clients (their programmes)."""
    return has_role(user, Role.DLM, Role.LD, Role.FACILITATOR, Role.CLIENT)


def is_facilitator(user: Any) -> bool:
    return has_role(user, Role.FACILITATOR)


def can_take_attendance(user: Any) -> bool:
    return has_role(user, Role.DLM, Role.LD, Role.FACILITATOR)


def is_manager(user: Any) -> bool:
    return has_role(user, Role.MANAGER) and bool(getattr(user, "employee_id", None))


def has_learner_space(user: Any) -> bool:
    """The learner portal: any signed-in user linked to an employee."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "employee_id", None))


def has_role_client(user: Any) -> bool:
    return has_role(user, Role.CLIENT)
