from __future__ import annotations

from typing import Any

import pytest

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.people import services
from pilotage.people.models import Employee, OrgUnit, OrgUnitMove, Role


def test_org_unit_paths_follow_the_tree(cast: Any) -> None:
    assert cast.root.path == f"/{cast.root.pk}/"
    assert cast.unit_a1.path == f"/{cast.root.pk}/{cast.unit_a.pk}/{cast.unit_a1.pk}/"
    assert cast.unit_a1.depth == 2


def test_move_subtree_rewrites_descendants_and_keeps_history(cast: Any) -> None:
    services.org_unit_move(actor=cast.dlm, unit=cast.unit_a, new_parent=cast.unit_b)
    a1 = OrgUnit.objects.get(pk=cast.unit_a1.pk)
    a = OrgUnit.objects.get(pk=cast.unit_a.pk)
    assert a.parent_id == cast.unit_b.pk
    assert a.path == f"{cast.unit_b.path}{a.pk}/"
    assert a1.path == f"{cast.unit_b.path}{a.pk}/{a1.pk}/"
    assert (a.depth, a1.depth) == (2, 3)
    move = OrgUnitMove.objects.get(org_unit=a)
    assert move.old_parent_id == cast.root.pk and move.new_parent_id == cast.unit_b.pk
    assert move.old_path_names == "Groupe / Commercial"
    assert AuditEvent.objects.filter(object_type="people.orgunit", object_id=str(a.pk), action="move").exists()
    # The B subtree now holds the A1 people.
    assert (
        Employee.objects.filter(org_unit__path__startswith=cast.unit_b.path)
        .filter(pk=cast.employees["learner"].pk)
        .exists()
    )


def test_move_under_own_descendant_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.org_unit_move(actor=cast.dlm, unit=cast.unit_a, new_parent=cast.unit_a1)
    assert "parent" in exc.value.errors
    assert OrgUnit.objects.get(pk=cast.unit_a.pk).parent_id == cast.root.pk


def test_move_to_root(cast: Any) -> None:
    services.org_unit_move(actor=cast.dlm, unit=cast.unit_a1, new_parent=None)
    a1 = OrgUnit.objects.get(pk=cast.unit_a1.pk)
    assert (a1.path, a1.depth, a1.parent_id) == (f"/{a1.pk}/", 0, None)


def test_duplicate_org_unit_code_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.org_unit_create(actor=cast.dlm, code="COM", name="Doublon")
    assert "code" in exc.value.errors


def test_manager_change_rewrites_the_chain_below(cast: Any) -> None:
    mgr = cast.employees["manager"]
    services.employee_update(actor=cast.dlm, employee=mgr, manager=cast.employees["tech"])
    learner = Employee.objects.get(pk=cast.employees["learner"].pk)
    boss, tech = cast.employees["boss"], cast.employees["tech"]
    assert learner.manager_path == f"/{boss.pk}/{tech.pk}/{mgr.pk}/"
    event = AuditEvent.objects.get(object_type="people.employee", object_id=str(mgr.pk), action="update")
    assert event.changes["manager"] == [boss.pk, tech.pk]


def test_manager_cycle_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.employee_update(actor=cast.dlm, employee=cast.employees["manager"], manager=cast.employees["learner"])
    assert "manager" in exc.value.errors


def test_role_assign_requires_scope(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.role_assign(actor=cast.dlm, user=cast.outsider, role=Role.CLIENT, org_units=[])
    assert "org_units" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.role_assign(actor=cast.dlm, user=cast.outsider, role=Role.VENDOR)
    assert "organisation" in exc.value.errors


def test_user_create_and_revoke(cast: Any) -> None:
    user = services.user_create(actor=cast.dlm, email="Formateur@Externe.fr", display_name="Anne Formatrice")
    assert user.email == "formateur@externe.fr" and not user.has_usable_password()
    with pytest.raises(ValidationFailed):
        services.user_create(actor=cast.dlm, email="formateur@externe.fr")
    services.role_assign(actor=cast.dlm, user=user, role=Role.FACILITATOR)
    services.role_revoke(actor=cast.dlm, user=user, role=Role.FACILITATOR)
    with pytest.raises(ValidationFailed):
        services.role_revoke(actor=cast.dlm, user=user, role=Role.FACILITATOR)


def test_cannot_block_self(cast: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.user_set_active(actor=cast.dlm, user=cast.dlm, active=False)
