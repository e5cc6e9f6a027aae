"""Every write of the people domain: one function per use case, one transaction each."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import ValidationFailed
from pilotage.people.models import Employee, OrgUnit, OrgUnitMove, Role, RoleAssignment, User

EMPLOYEE_AUDIT_FIELDS = [
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "manager",
    "org_unit",
    "site",
    "job_role",
    "hire_date",
    "language",
    "active",
    "attributes",
]


def _path_for(unit: OrgUnit) -> str:
    parent_path = unit.parent.path if unit.parent_id and unit.parent else "/"
    return f"{parent_path}{unit.pk}/"


@transaction.atomic
def org_unit_create(*, actor: Any, code: str, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Create an org unit under ``parent`` (or as a root)."""
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationFailed({"code": [_("An org unit with code %(code)s already exists.") % {"code": code}]})
    unit = OrgUnit.objects.create(code=code, name=name, parent=parent)
    unit.path = _path_for(unit)
    unit.depth = unit.path.count("/") - 2
    unit.save(update_fields=["path", "depth"])
    audit_record(actor=actor, action="create", instance=unit)
    return unit


@transaction.atomic
def org_unit_move(*, actor: Any, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Move a unit and its whole subtree under ``new_parent``, keeping the move in history."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationFailed({"parent": [_("An org unit cannot move under itself or one of its descendants.")]})
    old_parent = unit.parent
    old_names = " / ".join(
        OrgUnit.objects.filter(pk__in=_ids(unit.path)).order_by("depth").values_list("name", flat=True)
    )
    old_path = unit.path
    unit.parent = new_parent
    new_path = _path_for(unit)
    depth_delta = (new_path.count("/") - 2) - unit.depth
    # Rewrite the prefix of every descendant's path in one UPDATE.
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    unit.refresh_from_db(fields=["path", "depth"])
    unit.parent = new_parent
    unit.save(update_fields=["parent", "updated_at"])
    OrgUnitMove.objects.create(
        org_unit=unit,
        old_parent=old_parent,
        new_parent=new_parent,
        old_path_names=old_names[:1000],
        moved_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="move",
        instance=unit,
        changes={"parent": [str(old_parent) if old_parent else None, str(new_parent) if new_parent else None]},
    )
    return unit


def _ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


def manager_path_for(manager: Employee | None) -> str:
    if manager is None:
        return ""
    return f"{manager.manager_path or '/'}{manager.pk}/"


@transaction.atomic
def employee_update(*, actor: Any, employee: Employee, **fields: Any) -> Employee:
    """Change an employee's fields; a new manager rewrites the management chain below."""
    before = snapshot(employee, EMPLOYEE_AUDIT_FIELDS)
    manager_changed = "manager" in fields and fields["manager"] != employee.manager
    if manager_changed:
        manager = fields["manager"]
        if manager is not None and (manager.pk == employee.pk or f"/{employee.pk}/" in (manager.manager_path or "")):
            raise ValidationFailed({"manager": [_("This manager would create a cycle in the management chain.")]})
    for name, value in fields.items():
        setattr(employee, name, value)
    if manager_changed:
        old_prefix = f"{employee.manager_path or '/'}{employee.pk}/"
        employee.manager_path = manager_path_for(employee.manager)
        new_prefix = f"{employee.manager_path or '/'}{employee.pk}/"
        Employee.objects.filter(manager_path__startswith=old_prefix).update(
            manager_path=Concat(Value(new_prefix), Substr("manager_path", len(old_prefix) + 1))
        )
    employee.save()
    changes = diff(before, snapshot(employee, EMPLOYEE_AUDIT_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", instance=employee, changes=changes)
    return employee


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: str, org_units: list[OrgUnit] | None = None, organisation: Any = None
) -> RoleAssignment:
    """Give ``role`` to ``user`` with its scope; re-assigning replaces the scope."""
    if role not in Role.values:
        raise ValidationFailed({"role": [_("Unknown role %(role)s.") % {"role": role}]})
    if role in (Role.CLIENT,) and not org_units:
        raise ValidationFailed({"org_units": [_("An internal client needs at least one org unit in scope.")]})
    if role == Role.VENDOR and organisation is None:
        raise ValidationFailed({"organisation": [_("A vendor contact needs the vendor they belong to.")]})
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user,
        role=role,
        defaults={
            "organisation": organisation,
            "granted_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    assignment.org_units.set(org_units or [])
    audit_record(
        actor=actor,
        action="grant_role",
        instance=user,
        changes={
            "role": [None, role],
            "scope": [None, [u.code for u in org_units or []] or (str(organisation) if organisation else None)],
        },
    )
    if hasattr(user, "_pilotage_roles"):
        del user._pilotage_roles
    return assignment


@transaction.atomic
def org_unit_rename(*, actor: Any, unit: OrgUnit, name: str) -> OrgUnit:
    """Give an org unit a new name (its code, the HRIS key, does not change)."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": [_("The name cannot be empty.")]})
    old = unit.name
    unit.name = name
    unit.save(update_fields=["name", "updated_at"])
    audit_record(actor=actor, action="rename", instance=unit, changes={"name": [old, name]})
    return unit


@transaction.atomic
def role_revoke(*, actor: Any, user: User, role: str) -> None:
    """Take a role away from a user."""
    deleted, _rows = RoleAssignment.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise ValidationFailed({"role": [_("This user does not have this role.")]})
    audit_record(actor=actor, action="revoke_role", instance=user, changes={"role": [role, None]})


@transaction.atomic
def user_create(
    *,
    actor: Any,
    email: str,
    display_name: str = "",
    employee: Employee | None = None,
    organisation: Any = None,
    language: str = "fr",
) -> User:
    """Create a login, linked to an employee or standalone (vendor contact, external facilitator).

    No password is set: the person chooses one through "forgotten password".
    """
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed({"email": [_("A user with this e-mail address already exists.")]})
    if employee is not None and User.objects.filter(employee=employee).exists():
        raise ValidationFailed({"employee": [_("This employee already has a login.")]})
    user = User.objects.create_user(
        email,
        None,
        display_name=display_name.strip() or (employee.full_name if employee else ""),
        employee=employee,
        organisation=organisation,
        language=language,
    )
    audit_record(actor=actor, action="create", instance=user)
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    """Allow or block a login (history is kept; users are never deleted)."""
    if getattr(actor, "pk", None) == user.pk and not active:
        raise ValidationFailed({"active": [_("You cannot block your own login.")]})
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="activate" if active else "block", instance=user)
    return user
