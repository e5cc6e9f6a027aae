"""The programme dashboard pages (namespace "dashboards"): the index of the programmes in scope,
a programme's dashboard with its filters and charts, and the learners behind each figure.

Who: the DLM and the L&D team see every programme; an internal client those they sponsor; the
other roles 403; a programme out of scope 404 (``programmes.queries``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pilotage.core.tables import Column, Table
from pilotage.core.web import Request
from pilotage.programmes import queries as programme_queries
from pilotage.programmes.models import Programme
from pilotage.surveys import dashboard
from pilotage.surveys.models import ANONYMITY_THRESHOLD

BAR_X = 130  # where the bars start in the funnel chart (labels on the left)
BAR_W = 220  # the full width of a bar (100 %)
ROW_H = 26  # the height of a breakdown chart's line


def _url(name: str, programme: Programme, params: dict[str, str]) -> str:
    base = reverse(name, args=[programme.pk])
    return f"{base}?{urlencode(params)}" if params else base


@login_required
@require_GET
def dashboard_index(request: Request) -> HttpResponse:
    qs = dashboard.programme_index(user=request.user)
    table = Table(
        request,
        qs,
        [
            Column(
                "code",
                _("Code"),
                lambda p: p.code,
                "code",
                url=lambda p: reverse("dashboards:programme", args=[p.pk]),
            ),
            Column("title", _("Programme"), lambda p: p.title, "title"),
            Column("status", _("Status"), lambda p: p.get_status_display(), "status"),
            Column("enrolled", _("Enrolled"), lambda p: p.enrolled, "enrolled"),
            Column("completed", _("Completed"), lambda p: p.completed, "completed"),
        ],
        dom_id="dashboard-index",
        caption=_("Programme dashboards"),
        empty_text=_("No programme to show."),
        per_page=50,
        default_sort="code",
    )
    if request.htmx:
        return render(request, "surveys/dashboard/index.html#results", {"table": table})
    return render(request, "surveys/dashboard/index.html", {"table": table})


def _funnel_chart(funnel: dashboard.Funnel, programme: Programme, filters: dashboard.Filters) -> list[dict[str, Any]]:
    """Bars of the funnel chart: geometry for the server-rendered SVG (relative to the enrolled)."""
    bars = []
    for i, stage in enumerate(dashboard.STAGES):
        count = funnel.count(stage)
        width = round(BAR_W * count / funnel.enrolled) if funnel.enrolled else 0
        bars.append(
            {
                "stage": stage,
                "label": dashboard.STAGE_LABELS[stage],
                "count": count,
                "rate": funnel.rate(stage),
                "y": 8 + i * 36,
                "text_y": 8 + i * 36 + 19,
                "width": max(width, 1 if count else 0),
                "value_x": BAR_X + max(width, 1) + 6,
                "url": _url("dashboards:programme_learners", programme, filters.params(stage=stage)),
            }
        )
    return bars


def _rows(
    rows: list[dashboard.Row], programme: Programme, filters: dashboard.Filters, key: str
) -> list[dict[str, Any]]:
    """A breakdown's lines with their links (the learners behind each figure) and bar widths."""
    out = []
    for i, row in enumerate(rows):
        scope = filters.params(**{key: row.key or None})
        f = row.funnel
        out.append(
            {
                "row": row,
                "label": row.label,
                "drill_url": _url("dashboards:programme", programme, scope) if row.key else "",
                "stages": [
                    {
                        "stage": stage,
                        "count": f.count(stage),
                        "rate": f.rate(stage),
                        "url": _url("dashboards:programme_learners", programme, {**scope, "stage": stage}),
                    }
                    for stage in dashboard.STAGES
                ],
                "y": 4 + i * ROW_H,
                "text_y": 4 + i * ROW_H + 14,
                "started_w": round(BAR_W * (f.rate("started") or 0) / 100),
                "completed_w": round(BAR_W * (f.rate("completed") or 0) / 100),
                "value_x": BAR_X + BAR_W + 6,
                "completed_rate": f.rate("completed"),
                "measures": [
                    {
                        **row.survey.figure(measure),
                        "url": _url("dashboards:programme_learners", programme, {**scope, "measure": measure}),
                    }
                    for measure in dashboard.MEASURES
                ],
            }
        )
    return out


@login_required
@require_GET
def programme_dashboard(request: Request, pk: int) -> HttpResponse:
    programme = programme_queries.programme_get(user=request.user, pk=pk)
    filters = dashboard.filters_from(request.GET, programme=programme)
    board = dashboard.programme_dashboard(programme=programme, filters=filters)
    survey = [
        {
            **board.survey.figure(measure),
            "label": dashboard.MEASURE_LABELS[measure],
            "url": _url("dashboards:programme_learners", programme, filters.params(measure=measure)),
        }
        for measure in dashboard.MEASURES
    ]
    context = {
        "programme": programme,
        "board": board,
        "filters": filters,
        "funnel_bars": _funnel_chart(board.funnel, programme, filters),
        "survey": survey,
        "cohort_rows": _rows(board.by_cohort, programme, filters, "cohort"),
        "unit_rows": _rows(board.by_org_unit, programme, filters, "org_unit"),
        "cohort_chart_h": 8 + len(board.by_cohort) * ROW_H,
        "unit_chart_h": 8 + len(board.by_org_unit) * ROW_H,
        "cohorts": dashboard.cohort_choices(programme),
        "org_units": [(u.pk, "· " * u.depth + u.name) for u in dashboard.org_unit_choices()],
        "threshold": ANONYMITY_THRESHOLD,
        "up_url": (
            _url("dashboards:programme", programme, filters.params(org_unit=filters.org_unit.parent_id))
            if filters.org_unit is not None
            else ""
        ),
    }
    if request.htmx:
        return render(request, "surveys/dashboard/programme.html#body", context)
    return render(request, "surveys/dashboard/programme.html", context)


@login_required
@require_GET
def programme_learners(request: Request, pk: int) -> HttpResponse:
    """The learners behind a figure: ``stage`` (a funnel stage, "enrolled" by default) or
    ``measure`` (the named respondents of a survey figure), within the dashboard's filters."""
    programme = programme_queries.programme_get(user=request.user, pk=pk)
    filters = dashboard.filters_from(request.GET, programme=programme)
    measure = request.GET.get("measure", "")
    stage = request.GET.get("stage", "" if measure else "enrolled")
    back_url = _url("dashboards:programme", programme, filters.params())
    context: dict[str, Any] = {"programme": programme, "filters": filters, "back_url": back_url}
    if measure in dashboard.MEASURES:
        named, anonymous, total = dashboard.respondents(programme, filters, measure)
        table = Table(
            request,
            named,
            [
                Column(
                    "name",
                    _("Respondent"),
                    lambda r: r.invitation.respondent.full_name,
                    "invitation__respondent__last_name",
                ),
                Column("org_unit", _("Org unit"), lambda r: r.invitation.respondent.org_unit or "—"),
                Column("role", _("As"), lambda r: _("Manager") if r.role == "manager" else _("Learner")),
                Column("cohort", _("Cohort"), lambda r: r.cohort.code if r.cohort else "—", "cohort__code"),
                Column("survey", _("Survey"), lambda r: r.survey),
                Column("submitted", _("Answered on"), lambda r: r.submitted_at.date(), "submitted_at"),
            ],
            dom_id="learners",
            caption=_("Respondents"),
            empty_text=_("No named respondent to list."),
            per_page=100,
        )
        context.update(
            {
                "heading": dashboard.MEASURE_LABELS[measure],
                "table": table,
                "anonymous": anonymous,
                "total": total,
                "withheld": 0 < total < ANONYMITY_THRESHOLD,
                "threshold": ANONYMITY_THRESHOLD,
                "is_survey": True,
            }
        )
    elif stage in dashboard.STAGES:
        qs = dashboard.stage_learners(programme, filters, stage)
        table = Table(
            request,
            qs,
            [
                Column("name", _("Learner"), lambda e: e.employee.full_name, "employee__last_name"),
                Column("org_unit", _("Org unit"), lambda e: e.employee.org_unit or "—", "employee__org_unit__name"),
                Column("cohort", _("Cohort"), lambda e: e.cohort.code, "cohort__code"),
                Column("progress", _("Progress"), lambda e: f"{e.progress_percent} %", "progress_percent"),
                Column("started", _("Started"), lambda e: e.started_at.date() if e.started_at else "—", "started_at"),
                Column(
                    "completed",
                    _("Completed"),
                    lambda e: e.completed_at.date() if e.completed_at else "—",
                    "completed_at",
                ),
                Column("passed", _("Passed"), lambda e: _passed(e.passed)),
            ],
            dom_id="learners",
            caption=_("Learners"),
            empty_text=_("No learner at this stage."),
            per_page=100,
        )
        context.update({"heading": dashboard.STAGE_LABELS[stage], "table": table, "is_survey": False})
    else:
        raise Http404
    if request.htmx:
        return render(request, "surveys/dashboard/learners.html#results", context)
    return render(request, "surveys/dashboard/learners.html", context)


def _passed(value: bool | None) -> Any:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")
