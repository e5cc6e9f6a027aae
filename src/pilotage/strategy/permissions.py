"""Who may do what in the strategy area (web, API and CLI alike)."""

from __future__ import annotations

from typing import Any

from pilotage.people.models import Role
from pilotage.people.permissions import has_role, is_dlm, is_staff_member

REQUESTER_ROLES = frozenset({Role.DLM, Role.LD, Role.CLIENT})


def can_file_requests(user: Any) -> bool:
    """Internal clients file requests; the L&D team may file one on someone's behalf."""
    return has_role(user, *REQUESTER_ROLES)


def can_see_requests(user: Any) -> bool:
    """Anyone who filed one (a manager's retained need became a request) or the L&D team."""
    return has_role(user, *REQUESTER_ROLES, Role.MANAGER)


def can_triage(user: Any) -> bool:
    """Triage, comments marked internal, merges: the DLM and the L&D team."""
    return is_staff_member(user)


def can_read_objectives(user: Any) -> bool:
    """The L&D team, and internal clients (they link their requests to an objective)."""
    return has_role(user, Role.DLM, Role.LD, Role.CLIENT)


def can_manage_objectives(user: Any) -> bool:
    return is_staff_member(user)


def can_run_campaigns(user: Any) -> bool:
    return is_staff_member(user)


def can_submit_needs(user: Any) -> bool:
    return has_role(user, Role.MANAGER)


def can_see_campaigns(user: Any) -> bool:
    return can_run_campaigns(user) or can_submit_needs(user)


def can_prioritise(user: Any) -> bool:
    """Read the backlog and score requests: the L&D team."""
    return is_staff_member(user)


def can_configure_criteria(user: Any) -> bool:
    """Criteria and weights are the DLM's settings."""
    return is_dlm(user)


def can_edit_request(user: Any, request: Any) -> bool:
    """The requester edits while the request is still submitted (nobody has looked at it yet);
    the L&D team while it is open (submitted, under review, parked)."""
    if can_triage(user):
        return bool(request.is_open)
    return bool(request.requester_id == getattr(user, "pk", None) and request.status == "submitted")


def can_withdraw_request(user: Any, request: Any) -> bool:
    """The requester may withdraw their own request until it is decided (while it is open)."""
    return bool(request.requester_id == getattr(user, "pk", None) and request.is_open)
