"""The demo company: deterministic, coherent, and only ever in an empty database."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from pilotage.core.errors import ValidationFailed
from pilotage.people import demo, queries
from pilotage.people.audiences import audience_members
from pilotage.people.models import Audience, Employee, OrgUnit, Role, RoleAssignment, Site, User
from pilotage.people.permissions import roles_of


def _snapshot(seed: int) -> list[tuple[Any, ...]]:
    """Build the small company, read it back by business keys, then roll it back."""
    with transaction.atomic():
        demo.demo_company_create(actor="test", seed=seed, size="small")
        rows = list(
            Employee.objects.order_by("employee_number").values_list(
                "employee_number",
                "first_name",
                "last_name",
                "email",
                "manager__employee_number",
                "org_unit__code",
                "site__code",
                "hire_date",
                "language",
                "active",
                "attributes",
            )
        )
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def company(db: Any) -> demo.DemoSummary:
    return demo.demo_company_create(actor="test", size="small")


def test_same_seed_same_company_other_seed_other_company(db: Any) -> None:
    first = _snapshot(7)
    assert len(first) > 150
    assert _snapshot(7) == first
    other = _snapshot(8)
    assert [r[1:4] for r in other] != [r[1:4] for r in first]


def test_small_company_shape(company: demo.DemoSummary) -> None:
    assert 180 <= company.employees == Employee.objects.count() <= 260
    # Groupe → Directions → Départements → Équipes
    assert sorted(set(OrgUnit.objects.values_list("depth", flat=True))) == [0, 1, 2, 3]
    assert OrgUnit.objects.filter(depth=0).count() == 1
    assert set(OrgUnit.objects.filter(depth=1).values_list("name", flat=True)) >= {
        "Direction Commerciale",
        "Direction Industrie",
        "Direction Supply Chain",
        "Direction Financière",
        "Direction des Ressources Humaines",
        "Direction des Systèmes d'Information",
        "Direction Marketing",
    }
    for unit in OrgUnit.objects.exclude(parent=None).select_related("parent"):
        assert unit.path == f"{unit.parent.path}{unit.pk}/"
        assert unit.depth == unit.parent.depth + 1
    zones = dict(Site.objects.values_list("city", "timezone"))
    assert len(zones) == 8
    assert set(Site.objects.values_list("country", flat=True)) == {"FR", "BE", "CA"}
    assert zones["Paris"] == "Europe/Paris"
    assert zones["Bruxelles"] == "Europe/Brussels"
    assert zones["Montréal"] == "America/Toronto"
    contracts = set(Employee.objects.values_list("attributes__contract", flat=True))
    assert {"CDI", "CDD"} <= contracts
    assert Employee.objects.filter(active=False).exists()
    assert Employee.objects.filter(language="en").exists()


def test_every_team_has_its_manager(company: demo.DemoSummary) -> None:
    for team in OrgUnit.objects.filter(depth=3):
        members = Employee.objects.filter(org_unit=team)
        leads = members.filter(job_role__code__in=["MGR", "CHEF"])
        assert leads.count() == 1, team.name
        lead = leads.get()
        assert set(members.exclude(pk=lead.pk).values_list("manager_id", flat=True)) == {lead.pk}


def test_manager_paths_follow_the_management_chain(company: demo.DemoSummary) -> None:
    managers = dict(Employee.objects.values_list("pk", "manager_id"))
    paths = dict(Employee.objects.values_list("pk", "manager_path"))
    assert list(managers.values()).count(None) == 1  # the CEO
    for pk, path in paths.items():
        chain: list[int] = []
        manager = managers[pk]
        while manager is not None:
            chain.append(manager)
            manager = managers[manager]
        expected = "/" + "/".join(str(m) for m in reversed(chain)) + "/" if chain else ""
        assert path == expected


def test_personas_have_their_roles_and_scopes(company: demo.DemoSummary) -> None:
    assert company.personas == [p.email for p in demo.PERSONAS]
    users = {p.key: User.objects.get(email=p.email) for p in demo.PERSONAS}
    for persona in demo.PERSONAS:
        user = users[persona.key]
        assert roles_of(user) == {persona.role}, persona.key
        assert user.check_password(demo.DEMO_PASSWORD)
    commercial = OrgUnit.objects.get(name="Direction Commerciale")
    industrie = OrgUnit.objects.get(name="Direction Industrie")

    def scope(key: str, role: str) -> set[str]:
        assignment = RoleAssignment.objects.get(user=users[key], role=role)
        return set(assignment.org_units.values_list("name", flat=True))

    assert scope("client_commercial", Role.CLIENT) == {commercial.name}
    assert scope("client_industrie", Role.CLIENT) == {industrie.name}
    assert users["vendor"].organisation is not None
    assert users["vendor"].organisation.name == "Studio Pixel Learning"
    assert users["vendor"].employee is None
    assert users["facilitator"].employee is None
    assert users["facilitator"].organisation is None
    # The manager manages a real team, and the learner is in it.
    manager, learner = users["manager"].employee, users["learner"].employee
    assert manager is not None and learner is not None
    assert learner.manager_id == manager.pk and learner.active
    assert scope("manager", Role.MANAGER) == {manager.org_unit.name}
    visible = queries.employee_list(user=users["manager"])
    assert learner in visible and visible.count() == Employee.objects.filter(manager=manager).count() + 1
    # The internal client of Commercial sees the Commercial direction, not Industrie.
    client_view = queries.employee_list(user=users["client_commercial"])
    assert client_view.filter(org_unit__path__startswith=commercial.path).count() == client_view.count()
    assert not client_view.filter(org_unit__path__startswith=industrie.path).exists()


def test_saved_audiences_select_people(company: demo.DemoSummary) -> None:
    dlm = User.objects.get(email=demo.PERSONAS[0].email)
    audiences = list(Audience.objects.all())
    assert len(audiences) == company.audiences == 4
    for audience in audiences:
        assert audience.owner == dlm
        assert audience_members(audience, user=dlm).exists(), audience.name


def test_refuses_a_non_empty_database(cast: Any) -> None:
    with pytest.raises(ValidationFailed):
        demo.demo_company_create(actor="test", size="small")
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--size", "small", stdout=StringIO())
    assert not User.objects.filter(email=demo.PERSONAS[0].email).exists()


@pytest.mark.django_db(transaction=True)  # flush (TRUNCATE on PostgreSQL) cannot run inside the test's transaction
def test_reset_flushes_then_builds(cast: Any) -> None:
    out = StringIO()
    call_command("demo", "--size", "small", "--reset", stdout=out)
    assert not User.objects.filter(email=cast.dlm.email).exists()
    assert Employee.objects.filter(email__endswith="@orvalis.example").count() == Employee.objects.count()
    assert "dlm@orvalis.example" in out.getvalue()
    assert demo.DEMO_PASSWORD in out.getvalue()


@override_settings(PILOTAGE_ENV="production")
def test_never_in_production(db: Any) -> None:
    with pytest.raises(CommandError, match="production"):
        call_command("demo", "--size", "small", stdout=StringIO())
    with pytest.raises(ValidationFailed):
        demo.demo_company_create(actor="test", size="small")
    assert not Employee.objects.exists()
