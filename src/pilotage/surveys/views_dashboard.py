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
from pilotage.surveys import dashboard, display, permissions, queries
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
            Column(
                "enrolled",
                _("Enrolled"),
                lambda p: p.enrolled,
                "enrolled",
                url=lambda p: _url("dashboards:programme_learners", p, {"stage": "enrolled"}),
            ),
            Column(
                "completed",
                _("Completed"),
                lambda p: p.completed,
                "completed",
                url=lambda p: _url("dashboards:programme_learners", p, {"stage": "completed"}),
            ),
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


MEASURE_MAX = {"satisfaction": 5.0, "application": 100.0}  # NPS runs from −100 to 100
NPS_ZERO_X = BAR_X + BAR_W // 2  # where an NPS bar starts (0), going right (> 0) or left (< 0)


def _measure_chart(rows: list[dashboard.Row], measure: str, chart_id: str) -> dict[str, Any] | None:
    """A bar per row for one survey figure (geometry for the server-rendered SVG): satisfaction
    on /5 and the application rate on 100 % from the left, NPS from its middle (0); a withheld
    figure has no bar but a "withheld" track and its reason. None when no row has a response."""
    if not any(row.survey.responses(measure) for row in rows):
        return None
    bars = []
    for i, row in enumerate(rows):
        fig = row.survey.figure(measure)
        value = fig["value"]
        x, width = BAR_X, 0
        if value is not None:
            if measure == "nps":
                width = round((BAR_W / 2) * abs(value) / 100)
                x = NPS_ZERO_X if value >= 0 else NPS_ZERO_X - width
            else:
                width = round(BAR_W * min(float(value), MEASURE_MAX[measure]) / MEASURE_MAX[measure])
            width = max(width, 1)
        bars.append(
            {
                **fig,
                "label": row.label,
                "key": row.key,
                "y": 4 + i * ROW_H,
                "text_y": 4 + i * ROW_H + 14,
                "x": x,
                "width": width,
                "value_x": BAR_X + BAR_W + 6,
                "note_x": BAR_X + 4,
            }
        )
    return {
        "measure": measure,
        "label": dashboard.MEASURE_LABELS[measure],
        "id": f"{chart_id}-{measure}",
        "height": 8 + len(rows) * ROW_H,
        "bars": bars,
        "zero_x": NPS_ZERO_X if measure == "nps" else None,
    }


def _measure_charts(rows: list[dashboard.Row], chart_id: str) -> list[dict[str, Any]]:
    return [c for m in dashboard.MEASURES if (c := _measure_chart(rows, m, chart_id)) is not None]


def _survey_results(request: Request, programme: Programme, filters: dashboard.Filters) -> list[dict[str, Any]]:
    """The programme's surveys whose per-question results the user may read, with links (the
    cohort filter carried over when the dashboard has one)."""
    if not permissions.can_see_results(request.user):
        return []
    language = "en" if getattr(request, "LANGUAGE_CODE", "fr") == "en" else "fr"
    params = {"cohort": str(filters.cohort.pk)} if filters.cohort is not None else {}
    surveys = queries.results_survey_list(user=request.user).filter(programme=programme).order_by("kind", "pk")
    out = []
    for survey in surveys:
        base = reverse("surveys:survey_results", args=[survey.pk])
        out.append(
            {
                "survey": survey,
                "title": display.survey_title(survey, language),
                "url": f"{base}?{urlencode(params)}" if params else base,
            }
        )
    return out


def _ignored(names: list[str]) -> list[dict[str, str]]:
    labels = {"cohort": _("Cohort"), "org_unit": _("Org unit")}
    return [{"name": name, "label": str(labels[name])} for name in names]


@login_required
@require_GET
def programme_dashboard(request: Request, pk: int) -> HttpResponse:
    programme = programme_queries.programme_get(user=request.user, pk=pk)
    filters, ignored = dashboard.read_filters(request.GET, programme=programme)
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
        "cohort_measure_charts": _measure_charts(board.by_cohort, "cohort-chart"),
        "unit_measure_charts": _measure_charts(board.by_org_unit, "unit-chart"),
        "survey_results": _survey_results(request, programme, filters),
        "ignored": _ignored(ignored),
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
    filters, ignored = dashboard.read_filters(request.GET, programme=programme)
    measure = request.GET.get("measure", "")
    stage = request.GET.get("stage", "" if measure else "enrolled")
    back_url = _url("dashboards:programme", programme, filters.params())
    context: dict[str, Any] = {
        "programme": programme,
        "filters": filters,
        "back_url": back_url,
        "ignored": _ignored(ignored),
    }
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
