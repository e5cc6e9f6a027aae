"""People pages: list with search and filters, person page, org chart."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pilotage.core.audit import history_for
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request
from pilotage.people import queries
from pilotage.people.models import Employee, JobRole, OrgUnit
from pilotage.people.permissions import can_read_people


def _require_people_reader(request: Request) -> None:
    if not can_read_people(request.user):
        raise PermissionDenied


@login_required
def employee_list(request: Request) -> HttpResponse:
    _require_people_reader(request)
    qs = queries.employee_search(user=request.user, params=request.GET)
    q = request.GET.get("q", "").strip()
    filters = {key: request.GET.get(key, "") for key in ("org_unit", "site", "job_role")}
    filters["active"] = request.GET.get("active", "1")
    table = Table(
        request,
        qs,
        [
            Column(
                "name",
                _("Name"),
                lambda e: e.full_name,
                "last_name",
                url=lambda e: reverse("people:employee_detail", args=[e.pk]),
            ),
            Column("number", _("Employee number"), lambda e: e.employee_number, "employee_number"),
            Column("org_unit", _("Org unit"), lambda e: e.org_unit or "", "org_unit__name"),
            Column("site", _("Site"), lambda e: e.site or "", "site__name"),
            Column("job_role", _("Job role"), lambda e: e.job_role or "", "job_role__name"),
            Column("hire_date", _("Hire date"), lambda e: e.hire_date or "", "hire_date"),
        ],
        dom_id="people-table",
        caption=_("Employees"),
        empty_text=_("No employee matches these filters."),
        default_sort="name",
    )
    context = {
        "table": table,
        "q": q,
        "filters": filters,
        "org_units": queries.org_unit_list(user=request.user).only("id", "name", "depth"),
        "sites": queries.site_list(user=request.user),
        "job_roles": JobRole.objects.all() if can_read_people(request.user) else JobRole.objects.none(),
    }
    if request.htmx:
        return render(request, "people/employee_list.html#results", context)
    return render(request, "people/employee_list.html", context)


@login_required
def employee_detail(request: Request, pk: int) -> HttpResponse:
    employee = queries.get_employee_for_user(request.user, pk)
    reports = queries.employee_list(user=request.user).filter(manager=employee, active=True)
    return render(
        request,
        "people/employee_detail.html",
        {
            "employee": employee,
            "reports": reports[:50],
            "report_count": reports.count(),
            "chain": _manager_chain(request, employee),
            "history": history_for(employee),
        },
    )


def _manager_chain(request: Request, employee: Employee) -> list[Employee]:
    ids = [int(x) for x in employee.manager_path.strip("/").split("/") if x]
    visible = {e.pk: e for e in queries.employee_list(user=request.user).filter(pk__in=ids)}
    return [visible[i] for i in ids if i in visible]


@login_required
def org_chart(request: Request) -> HttpResponse:
    _require_people_reader(request)
    units = list(queries.org_unit_list(user=request.user).order_by("path"))
    # Direct headcount per unit in one GROUP BY (order_by() drops the default name
    # ordering, which would otherwise split the groups).
    counts = dict(
        queries.employee_list(user=request.user, include_inactive=False)
        .order_by()
        .values_list("org_unit_id")
        .annotate(n=Count("id"))
    )
    by_parent: dict[int | None, list[OrgUnit]] = {}
    by_id = {u.pk: u for u in units}
    for unit in units:
        unit.headcount = counts.get(unit.pk, 0)  # type: ignore[attr-defined]
        unit.total = unit.headcount  # type: ignore[attr-defined]
        parent = unit.parent_id if unit.parent_id in by_id else None
        by_parent.setdefault(parent, []).append(unit)
    # Totals of whole subtrees: add each unit to its parent, deepest units first.
    for unit in sorted(units, key=lambda u: -u.depth):
        if unit.parent_id in by_id:
            by_id[unit.parent_id].total += unit.total  # type: ignore[attr-defined]

    def build(parent: int | None) -> list[dict[str, Any]]:
        return [{"unit": u, "children": build(u.pk)} for u in by_parent.get(parent, [])]

    return render(request, "people/org_chart.html", {"tree": build(None), "unit_count": len(units)})
