"""The portfolio roadmap by quarter and the annual plan page with its XLSX and PDF downloads.

The downloads are built in the request (docs/decisions/0017-annual-plan-export.md), in the
language of the request.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from pilotage.core.web import Request
from pilotage.programmes import permissions, plan, queries
from pilotage.programmes.forms_programmes import owner_choices
from pilotage.programmes.models import Programme
from pilotage.programmes.views_programmes import STATUS_TONES, _objective_choices

ROADMAP_QUARTERS = 8
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def roadmap(request: Request) -> HttpResponse:
    """Programmes in quarter columns over two years from Q1 of ``?year=`` (this year by
    default), filtered by objective, status and owner like the list."""
    user = request.user
    year = plan.year_param(request.GET.get("year"))
    params = request.GET.copy()
    params.pop("q", None)
    qs = queries.programme_search(user=user, params=params)
    layout = plan.roadmap(qs, year=year, quarters=ROADMAP_QUARTERS)
    context = {
        "layout": layout,
        "year": year,
        "years": range(year - 3, year + 4),
        "filters": {key: request.GET.get(key, "") for key in ("status", "objective", "owner")},
        "statuses": Programme.Status.choices,
        "objectives": _objective_choices(user),
        "owners": owner_choices(),
        "tones": STATUS_TONES,
    }
    if request.htmx:
        return render(request, "programmes/roadmap.html#timeline", context)
    return render(request, "programmes/roadmap.html", context)


def _require_plan(request: Request) -> None:
    if not permissions.can_export_plan(request.user):
        raise PermissionDenied


@login_required
def annual_plan(request: Request) -> HttpResponse:
    _require_plan(request)
    year = plan.year_param(request.GET.get("year"))
    context = {"plan": plan.annual_plan(user=request.user, year=year), "years": range(year - 3, year + 4)}
    return render(request, "programmes/annual_plan.html", context)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def annual_plan_xlsx(request: Request) -> HttpResponse:
    _require_plan(request)
    year = plan.year_param(request.GET.get("year"))
    content = plan.plan_xlsx(plan.annual_plan(user=request.user, year=year))
    return _download(content, XLSX_TYPE, plan.plan_filename(year, "xlsx"))


@login_required
def annual_plan_pdf(request: Request) -> HttpResponse:
    _require_plan(request)
    year = plan.year_param(request.GET.get("year"))
    content = plan.plan_pdf(plan.annual_plan(user=request.user, year=year), organisation=plan.organisation_name())
    return _download(content, "application/pdf", plan.plan_filename(year, "pdf"))
