"""The cast shared by every test: a small organisation and one user per persona.

    root (Groupe)
    ├── A  (Commercial)  ── A1 (Ventes Nord)
    └── B  (Industrie)

Personas: dlm, ld, client_a (scope A), client_b (scope B), manager (manages the A1 team),
learner (in A1, reports to manager), facilitator, approver_it / _purchasing / _finance,
vendor_a, vendor_b (contacts of two external organisations: cast.vendor_org_a / vendor_org_b), outsider (active, no role).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-42"


@dataclass
class Cast:
    root: Any
    unit_a: Any
    unit_a1: Any
    unit_b: Any
    site_paris: Any
    site_lyon: Any
    site_montreal: Any
    role_sales: Any
    role_tech: Any
    employees: dict[str, Any]
    users: dict[str, Any]
    vendor_org_a: Any
    vendor_org_b: Any

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def build_cast() -> Cast:
    from pilotage.people import services
    from pilotage.people.models import Employee, ExternalOrganisation, JobRole, Role, Site, User

    root = services.org_unit_create(actor="test", code="GRP", name="Groupe")
    unit_a = services.org_unit_create(actor="test", code="COM", name="Commercial", parent=root)
    unit_a1 = services.org_unit_create(actor="test", code="COM-N", name="Ventes Nord", parent=unit_a)
    unit_b = services.org_unit_create(actor="test", code="IND", name="Industrie", parent=root)
    paris = Site.objects.create(
        code="PAR", name="Paris La Défense", country="FR", city="Paris", timezone="Europe/Paris"
    )
    lyon = Site.objects.create(code="LYS", name="Lyon Part-Dieu", country="FR", city="Lyon", timezone="Europe/Paris")
    mtl = Site.objects.create(code="MTL", name="Montréal", country="CA", city="Montréal", timezone="America/Toronto")
    sales = JobRole.objects.create(code="SALES", name="Commercial terrain", family="Ventes")
    tech = JobRole.objects.create(code="TECH", name="Technicien", family="Production")

    def emp(number: str, first: str, last: str, unit: Any, site: Any, role: Any, manager: Any = None, **kw: Any) -> Any:
        e = Employee.objects.create(
            employee_number=number,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.com".lower(),
            org_unit=unit,
            site=site,
            job_role=role,
            manager=manager,
            manager_path=services.manager_path_for(manager),
            hire_date=kw.pop("hire_date", dt.date(2020, 1, 6)),
            **kw,
        )
        return e

    boss = emp("E001", "Claire", "Martin", root, paris, None)
    mgr = emp("E002", "Karim", "Benali", unit_a1, paris, sales, boss)
    learner = emp("E003", "Julie", "Petit", unit_a1, lyon, sales, mgr, hire_date=dt.date(2024, 3, 1))
    peer = emp("E004", "Hugo", "Roux", unit_a1, lyon, sales, mgr, language="en")
    tech1 = emp("E005", "Léa", "Garnier", unit_b, mtl, tech, boss, hire_date=dt.date(2019, 9, 2))
    client_a_emp = emp("E006", "Sophie", "Durand", unit_a, paris, sales, boss)
    client_b_emp = emp("E007", "Marc", "Lefèvre", unit_b, mtl, tech, boss, attributes={"contract": "CDI"})
    gone = emp("E008", "Paul", "Ancien", unit_b, lyon, tech, boss, active=False)

    vendor_a = ExternalOrganisation.objects.create(name="Studio Alpha")
    vendor_b = ExternalOrganisation.objects.create(name="Beta Formation")

    users: dict[str, Any] = {}

    def user(name: str, role: str | None, employee: Any = None, **scope: Any) -> Any:
        u = User.objects.create_user(
            f"{name}@example.com",
            PASSWORD,
            display_name=name,
            employee=employee,
            organisation=scope.get("organisation"),
        )
        if role:
            services.role_assign(actor="test", user=u, role=role, **scope)
        users[name] = u
        return u

    user("dlm", Role.DLM, boss)
    user("ld", Role.LD)
    user("client_a", Role.CLIENT, client_a_emp, org_units=[unit_a])
    user("client_b", Role.CLIENT, client_b_emp, org_units=[unit_b])
    user("manager", Role.MANAGER, mgr)
    user("learner", Role.LEARNER, learner)
    user("facilitator", Role.FACILITATOR)
    user("approver_it", Role.APPROVER_IT)
    user("approver_purchasing", Role.APPROVER_PURCHASING)
    user("approver_finance", Role.APPROVER_FINANCE)
    user("vendor_a", Role.VENDOR, organisation=vendor_a)
    user("vendor_b", Role.VENDOR, organisation=vendor_b)
    user("outsider", None)
    return Cast(
        root=root,
        unit_a=unit_a,
        unit_a1=unit_a1,
        unit_b=unit_b,
        site_paris=paris,
        site_lyon=lyon,
        site_montreal=mtl,
        role_sales=sales,
        role_tech=tech,
        employees={
            "boss": boss,
            "manager": mgr,
            "learner": learner,
            "peer": peer,
            "tech": tech1,
            "client_a": client_a_emp,
            "client_b": client_b_emp,
            "gone": gone,
        },
        users=users,
        vendor_org_a=vendor_a,
        vendor_org_b=vendor_b,
    )


@pytest.fixture
def cast(db: Any) -> Cast:
    return build_cast()


@pytest.fixture
def login(client: Any) -> Any:
    """``login(user)`` returns the test client logged in as that user."""

    def _login(user: Any) -> Any:
        client.force_login(user)
        return client

    return _login


# Reference data that data migrations create (default criteria, proficiency levels, the
# modality catalogue and rule set v1). A transactional test (``transaction=True``, the live
# server of the browser tests) ends with a flush that empties every table, so the next one
# in the same process would start without it: it is put back before each of them.
REFERENCE_DATA = [
    ("pilotage.strategy.migrations.0002_default_criteria", "create_criteria"),
    ("pilotage.programmes.migrations.0003_proficiency_levels", "create_levels"),
    ("pilotage.programmes.migrations.0004_recommender_defaults", "create_defaults"),
]


def restore_reference_data() -> None:
    import importlib

    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_after_flushes(request: Any) -> None:
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        restore_reference_data()


@pytest.fixture(autouse=True)
def _language_of_the_settings() -> Any:
    """Each test starts in the tests' language (``LANGUAGE_CODE``, English): a request in
    French by an earlier test in the same worker leaves French active in the thread (the
    locale middleware activates a language and nothing deactivates it), which made English
    assertions on service messages fail depending on the order under ``-n 2``."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
