"""API schemas (django-ninja) of the people domain: what the REST API returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class Ref(Schema):
    """A related object, enough to display it and follow it."""

    id: int
    code: str
    name: str


class PersonRef(Schema):
    id: int
    name: str


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    path: str
    depth: int


class SiteOut(Schema):
    id: int
    code: str
    name: str
    country: str
    city: str
    timezone: str


class JobRoleOut(Schema):
    id: int
    code: str
    name: str
    family: str


class EmployeeOut(Schema):
    id: int
    employee_number: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    active: bool
    hire_date: dt.date | None
    language: str
    org_unit: Ref | None
    site: Ref | None
    job_role: Ref | None
    manager: PersonRef | None
    attributes: dict[str, Any]

    @staticmethod
    def resolve_manager(obj: Any) -> dict[str, Any] | None:
        if obj.manager_id is None or obj.manager is None:
            return None
        return {"id": obj.manager.pk, "name": obj.manager.full_name}


class OrganisationOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    language: str
    roles: list[str]
    employee: EmployeeOut | None
    organisation: OrganisationOut | None
    # How the request was authenticated: "session" or the token's scope ("read"/"write").
    auth: str
