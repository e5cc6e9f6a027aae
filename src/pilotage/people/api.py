"""People API router (django-ninja): same selectors, same scoping as the web views.

Read-only: employees, org units, sites and job roles are written by the HRIS import and
the admin pages, not by the API.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.people import queries
from pilotage.people.models import Employee, JobRole
from pilotage.people.permissions import can_read_people, roles_of
from pilotage.people.schemas import EmployeeOut, JobRoleOut, MeOut, OrgUnitOut, SiteOut

router = Router(tags=["people"])

EmployeeOrdering = Literal[
    "last_name", "-last_name", "employee_number", "-employee_number", "hire_date", "-hire_date", "id", "-id"
]
_ORDERING_FIELDS: dict[str, list[str]] = {
    "last_name": ["last_name", "first_name", "id"],
    "employee_number": ["employee_number"],
    "hire_date": ["hire_date", "id"],
    "id": ["id"],
}


def _require_people_reader(request: HttpRequest) -> None:
    if not can_read_people(request.user):
        raise PermissionDenied(_("Your role does not give access to the people directory."))


@router.get("/me", response=MeOut, summary="The authenticated user, their roles and employee record")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    employee = None
    if user.employee_id:
        employee = (
            Employee.objects.select_related("org_unit", "site", "job_role", "manager")
            .filter(pk=user.employee_id)
            .first()
        )
    token = getattr(request, "api_token", None)
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.get_full_name(),
        "language": user.language,
        "roles": sorted(roles_of(user)),
        "employee": employee,
        "organisation": user.organisation,
        "auth": token.scope if token is not None else "session",
    }


@router.get("/people", response=page_schema(EmployeeOut), summary="Employees in your scope")
def people_list(
    request: HttpRequest,
    q: str = Query("", description="Search in last name, first name, e-mail; exact employee number."),
    org_unit: int | None = Query(None, description="Org unit id: the whole subtree is included."),
    site: int | None = Query(None, description="Site id."),
    job_role: int | None = Query(None, description="Job role id."),
    active: bool | None = Query(None, description="true or false; omitted means both."),
    manager: int | None = Query(None, description="Employee id of a manager: their direct reports."),
    ordering: EmployeeOrdering = Query("last_name", description="Sort key; '-' prefix: descending."),  # noqa: B008
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> dict[str, Any]:
    """Paginated employees visible to you, exactly as on the People page."""
    _require_people_reader(request)
    qs: QuerySet[Employee] = queries.employee_list(user=request.user)
    q = q.strip()
    if q:
        qs = qs.filter(queries.employee_text_q(q))
    if org_unit is not None:
        unit = queries.org_unit_list(user=request.user).filter(pk=org_unit).only("path").first()
        if unit is None:
            raise ValidationFailed(
                {"org_unit": [_("No org unit with id %(id)s is visible to you.") % {"id": org_unit}]}
            )
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if site is not None:
        qs = qs.filter(site_id=site)
    if job_role is not None:
        qs = qs.filter(job_role_id=job_role)
    if active is not None:
        qs = qs.filter(active=active)
    if manager is not None:
        qs = qs.filter(manager_id=manager)
    descending = ordering.startswith("-")
    fields = _ORDERING_FIELDS[ordering.lstrip("-")]
    qs = qs.order_by(*[f"-{f}" if descending else f for f in fields])
    return paginate(qs, limit, offset)


@router.get("/people/{employee_id}", response=EmployeeOut, summary="One employee")
def people_detail(request: HttpRequest, employee_id: int) -> Employee:
    """404 when the employee does not exist or is outside your scope (learners: only themselves)."""
    return queries.get_employee_for_user(request.user, employee_id)


@router.get("/org-units", response=page_schema(OrgUnitOut), summary="Org units in your scope (flat, by path)")
def org_unit_list(request: HttpRequest, limit: int = limit_query(500), offset: int = offset_query()) -> dict[str, Any]:
    """The org tree as a flat list ordered by path: rebuild it with ``parent_id`` or ``path``."""
    _require_people_reader(request)
    return paginate(queries.org_unit_list(user=request.user).order_by("path"), limit, offset)


@router.get("/org-units/{org_unit_id}", response=OrgUnitOut, summary="One org unit")
def org_unit_detail(request: HttpRequest, org_unit_id: int) -> Any:
    _require_people_reader(request)
    return queries.get_org_unit_for_user(request.user, org_unit_id)


@router.get("/sites", response=page_schema(SiteOut), summary="Sites")
def site_list(request: HttpRequest, limit: int = limit_query(500), offset: int = offset_query()) -> dict[str, Any]:
    _require_people_reader(request)
    return paginate(queries.site_list(user=request.user), limit, offset)


@router.get("/job-roles", response=page_schema(JobRoleOut), summary="Job roles")
def job_role_list(request: HttpRequest, limit: int = limit_query(500), offset: int = offset_query()) -> dict[str, Any]:
    _require_people_reader(request)
    return paginate(JobRole.objects.order_by("name", "pk"), limit, offset)
