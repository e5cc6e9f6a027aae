"""Roles of a user, and the checks every app uses (web, API, exports, CLI alike).

Roles are read once per user object and cached on it.
"""

from __future__ import annotations

from typing import Any

from pilotage.people.models import Role, RoleAssignment

STAFF_ROLES = frozenset({Role.DLM, Role.LD})
PEOPLE_READER_ROLES = frozenset({Role.DLM, Role.LD, Role.CLIENT, Role.MANAGER})
AUDIENCE_ROLES = frozenset({Role.DLM, Role.LD, Role.CLIENT})


def roles_of(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_pilotage_roles", None)
    if cached is None:
        cached = frozenset(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", flat=True))
        if user.is_superuser:
            cached = cached | {Role.DLM}
        user._pilotage_roles = cached
    return cached


def has_role(user: Any, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_dlm(user: Any) -> bool:
    return has_role(user, Role.DLM)


def is_staff_member(user: Any) -> bool:
    """DLM or L&D team: sees everything in the learning domain."""
    return has_role(user, *STAFF_ROLES)


def can_read_people(user: Any) -> bool:
    return has_role(user, *PEOPLE_READER_ROLES)


def can_manage_people(user: Any) -> bool:
    """Imports, org tree changes, role assignments: the DLM only."""
    return is_dlm(user)


def can_use_audiences(user: Any) -> bool:
    return has_role(user, *AUDIENCE_ROLES)


def scope_org_unit_ids(user: Any, role: str) -> list[int]:
    return list(
        RoleAssignment.org_units.through.objects.filter(
            roleassignment__user_id=user.pk, roleassignment__role=role
        ).values_list("orgunit_id", flat=True)
    )


def acting_dlm(email: str | None) -> Any:
    """The user a CLI import acts as: the DLM named by ``email``, else the first active DLM
    (or superuser), else "system". Raises ``LookupError``/``PermissionError`` with a message."""
    from pilotage.people.models import User

    if email:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise LookupError(f"No user with the e-mail {email}.")
        if not is_dlm(user):
            raise PermissionError(f"{email} may not import: only a DLM may.")
        return user
    dlm = (
        User.objects.filter(is_active=True, role_assignments__role=Role.DLM).order_by("pk").first()
        or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    )
    return dlm or "system"
