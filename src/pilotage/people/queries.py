"""Reads of the people domain, scoped to the user: the one read path.

``employee_list(user=...)`` is what the web views, the API, exports and the CLI use.
Anything outside the returned queryset answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from pilotage.people.models import Audience, Employee, OrgUnit, Role, Site
from pilotage.people.permissions import can_read_people, has_role, is_staff_member, roles_of, scope_org_unit_ids


def subtree_q(paths: list[str], field: str = "org_unit__path") -> Q:
    """Q matching rows whose org unit is in any of the subtrees rooted at ``paths``."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def employee_scope_q(user: Any) -> Q | None:
    """The employees a user may see, as a Q; None means all of them."""
    roles = roles_of(user)
    if is_staff_member(user):
        return None
    q = Q(pk__in=[])
    if Role.CLIENT in roles:
        paths = list(
            OrgUnit.objects.filter(pk__in=scope_org_unit_ids(user, Role.CLIENT)).values_list("path", flat=True)
        )
        q |= subtree_q(paths)
    if Role.MANAGER in roles:
        paths = list(
            OrgUnit.objects.filter(pk__in=scope_org_unit_ids(user, Role.MANAGER)).values_list("path", flat=True)
        )
        q |= subtree_q(paths)
        if user.employee_id:
            q |= Q(manager_path__contains=f"/{user.employee_id}/")
    if user.employee_id:
        q |= Q(pk=user.employee_id)
    return q


def employee_list(*, user: Any, include_inactive: bool = True) -> QuerySet[Employee]:
    qs = Employee.objects.select_related("org_unit", "site", "job_role", "manager")
    if not can_read_people(user):
        if getattr(user, "employee_id", None):
            return qs.filter(pk=user.employee_id)
        return qs.none()
    scope = employee_scope_q(user)
    if scope is not None:
        qs = qs.filter(scope)
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs


def get_employee_for_user(user: Any, pk: int) -> Employee:
    try:
        return employee_list(user=user).get(pk=pk)
    except (Employee.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def org_unit_list(*, user: Any) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.all()
    if is_staff_member(user):
        return qs
    if not can_read_people(user):
        return qs.none()
    roles = roles_of(user)
    ids: list[int] = []
    for role in (Role.CLIENT, Role.MANAGER):
        if role in roles:
            ids += scope_org_unit_ids(user, role)
    paths = list(OrgUnit.objects.filter(pk__in=ids).values_list("path", flat=True))
    q = subtree_q(paths, field="path")
    if Role.MANAGER in roles and user.employee_id:
        # A manager also sees the units where their team (at any depth) and they themselves sit.
        team = Employee.objects.filter(Q(manager_path__contains=f"/{user.employee_id}/") | Q(pk=user.employee_id))
        q |= Q(pk__in=team.values("org_unit_id"))
    return qs.filter(q)


def get_org_unit_for_user(user: Any, pk: int) -> OrgUnit:
    try:
        return org_unit_list(user=user).get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def site_list(*, user: Any) -> QuerySet[Site]:
    if not can_read_people(user):
        return Site.objects.none()
    return Site.objects.all()


def audience_list(*, user: Any) -> QuerySet[Audience]:
    qs = Audience.objects.select_related("owner")
    if is_staff_member(user):
        return qs
    if has_role(user, Role.CLIENT):
        return qs.filter(owner=user)
    return qs.none()


def get_audience_for_user(user: Any, pk: int) -> Audience:
    try:
        return audience_list(user=user).get(pk=pk)
    except (Audience.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def employee_text_q(text: str) -> Q:
    """The free-text search of people: names and e-mail contain it, or the number is it."""
    return (
        Q(last_name__icontains=text)
        | Q(first_name__icontains=text)
        | Q(email__icontains=text)
        | Q(employee_number__iexact=text)
    )


def employee_search(*, user: Any, params: Mapping[str, str]) -> QuerySet[Employee]:
    """The scoped people list with the filters of the list page (q, org_unit, site, job_role,
    active): the page, its exports and anything else given the same query string see the
    same people."""
    qs = employee_list(user=user)
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(last_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(email__icontains=q)
            | Q(employee_number__iexact=q)
        )
    org_unit = params.get("org_unit") or ""
    if org_unit.isdigit():
        unit = org_unit_list(user=user).filter(pk=int(org_unit)).first()
        if unit is not None:
            qs = qs.filter(org_unit__path__startswith=unit.path)
    site = params.get("site") or ""
    if site.isdigit():
        qs = qs.filter(site_id=int(site))
    job_role = params.get("job_role") or ""
    if job_role.isdigit():
        qs = qs.filter(job_role_id=int(job_role))
    active = params.get("active") or "1"
    if active in {"1", "0"}:
        qs = qs.filter(active=active == "1")
    return qs
