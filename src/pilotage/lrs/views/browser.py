"""The statement browser and the activity catalogue (web pages under /lrs/).

Reads go through ``pilotage.lrs.selectors`` (the same scoped reads as the REST API and the
exports): the DLM and the L&D team see everything, internal clients and managers the
learning records of the employees in their scope, everyone else is refused (403).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilotage.core.tables import Column, Table
from pilotage.core.web import Request
from pilotage.lrs import exports, selectors
from pilotage.lrs.models import LearnerProgress, Verb
from pilotage.people.queries import org_unit_list


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _query(params: dict[str, str], **changes: Any) -> str:
    merged = {**params, **{k: str(v) for k, v in changes.items() if v is not None}}
    return "?" + urlencode(merged) if merged else "?"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value * 100, decimal_pos=0)} %"


def duration_text(seconds: float | None) -> str:
    """``1 h 05 min``, ``12 min``, ``40 s``."""
    if not seconds:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min") % {"m": minutes}
    return _("%(s)d s") % {"s": secs}


def _score_text(flat: dict[str, Any]) -> str:
    if isinstance(flat["score_scaled"], int | float):
        return percent(float(flat["score_scaled"]))
    if flat["score_raw"] is not None:
        return str(flat["score_raw"])
    return ""


# --- statements ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def statement_list(request: Request) -> HttpResponse:
    """Statements newest first, filtered, with next/previous pages (keyset) and facets."""
    user = request.user
    selectors.require_browser(user)
    filters = selectors.parse_statement_filters(request.GET)
    qs = selectors.statement_list(user=user, filters=filters)
    facets = selectors.statement_facets(qs)
    page = selectors.statement_page(
        qs, after=_cursor(request.GET.get("after")), before=_cursor(request.GET.get("before")), newest_ids=facets.ids
    )
    params = filters.as_params()
    rows = []
    for statement in page.items:
        flat = selectors.statement_flat(statement)
        flat["score"] = _score_text(flat)
        flat["statement_id"] = statement.statement_id
        rows.append(flat)

    def facet_links(entries: list[selectors.FacetEntry], name: str) -> list[dict[str, Any]]:
        return [
            {
                "label": e.label,
                "count": e.count,
                "url": _query({**params, name: e.key}),
                "active": params.get(name) == e.key,
            }
            for e in entries
        ]

    context: dict[str, Any] = {
        "filters": filters,
        "params": params,
        "rows": rows,
        "next_url": _query(params, after=page.after) if page.after else "",
        "previous_url": _query(params, before=page.before) if page.before else "",
        "facets": facets,
        "facet_groups": [
            (_("Verbs"), facet_links(facets.verbs, "verb")),
            (_("Activities"), facet_links(facets.activities, "activity")),
            (_("Learners"), facet_links(facets.actors, "agent")),
        ],
        "export_query": urlencode(params),
        "verbs": sorted(((v.pk, selectors.verb_label(v)) for v in Verb.objects.all()), key=lambda item: item[1]),
        "activities": selectors.activity_choices(user=user),
        "org_units": org_unit_list(user=user).only("id", "name", "depth").order_by("path"),
        "reset_url": reverse("lrs:statement_list"),
    }
    if request.htmx:
        return render(request, "lrs/statement_list.html#results", context)
    return render(request, "lrs/statement_list.html", context)


@login_required
@require_http_methods(["GET"])
def statement_detail(request: Request, statement_id: Any) -> HttpResponse:
    """One statement as stored (pretty JSON), its learner, verb, activity and voided status."""
    statement = selectors.get_statement_for_user(request.user, statement_id)
    flat = selectors.statement_flat(statement)
    flat["score"] = _score_text(flat)
    target = statement.payload.get("object") if statement.voided_target is not None else None
    return render(
        request,
        "lrs/statement_detail.html",
        {
            "statement": statement,
            "flat": flat,
            "pretty": json.dumps(statement.payload, indent=2, ensure_ascii=False, sort_keys=False),
            "voided_by": selectors.voiding_statement_of(request.user, statement),
            "voids": statement.voided_target if target is not None else None,
        },
    )


def _export_queryset(request: Request) -> Any:
    selectors.require_browser(request.user)
    filters = selectors.parse_statement_filters(request.GET)
    return selectors.statement_list(user=request.user, filters=filters)


@login_required
@require_http_methods(["GET"])
def statement_export_csv(request: Request) -> StreamingHttpResponse:
    """The statements of the current filter as CSV (one flattened line each), streamed."""
    qs = _export_queryset(request)
    response = StreamingHttpResponse(
        exports.csv_stream(qs, language=get_language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("csv")}"'
    return response


@login_required
@require_http_methods(["GET"])
def statement_export_jsonl(request: Request) -> StreamingHttpResponse:
    """The statements of the current filter as JSON Lines (each statement as stored), streamed."""
    qs = _export_queryset(request)
    response = StreamingHttpResponse(exports.jsonl_stream(qs), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("jsonl")}"'
    return response


# --- activity catalogue ------------------------------------------------------------------


def _type_label(activity_type: Any) -> str:
    if not isinstance(activity_type, str) or not activity_type:
        return "—"
    return activity_type.rstrip("/").rsplit("/", 1)[-1]


@login_required
@require_http_methods(["GET"])
def activity_list(request: Request) -> HttpResponse:
    """The activities met in the statements, with learners, completion and success."""
    user = request.user
    selectors.require_browser(user)
    q = request.GET.get("q", "").strip()
    activity_type = request.GET.get("type", "").strip()
    qs = selectors.activity_list(user=user, q=q, activity_type=activity_type)

    def stats(a: Any) -> selectors.ActivityStats:
        return getattr(a, "stats", None) or selectors.ActivityStats()

    table = Table(
        request,
        qs,
        [
            Column(
                "name",
                gettext_lazy("Activity"),
                selectors.activity_name,
                "sort_name",
                url=lambda a: reverse("lrs:activity_detail", args=[a.pk]),
            ),
            Column("type", gettext_lazy("Type"), lambda a: _type_label((a.definition or {}).get("type"))),
            Column("learners", gettext_lazy("Learners"), lambda a: a.learner_count, "learner_count"),
            Column("completed", gettext_lazy("Completed"), lambda a: stats(a).completed),
            Column("completion", gettext_lazy("Completion rate"), lambda a: percent(stats(a).completion_rate)),
            Column("success", gettext_lazy("Success rate"), lambda a: percent(stats(a).success_rate)),
            Column("score", gettext_lazy("Average best score"), lambda a: percent(stats(a).average_score)),
            Column(
                "last",
                gettext_lazy("Last activity"),
                lambda a: (
                    timezone.localtime(stats(a).last_activity).strftime("%Y-%m-%d") if stats(a).last_activity else "—"
                ),
            ),
        ],
        dom_id="activities-table",
        caption=gettext_lazy("Activity catalogue"),
        empty_text=gettext_lazy("No activity yet: activities appear with the first statements about them."),
        default_sort="-learners",
    )
    items = list(table.page.object_list)
    found = selectors.activity_stats(user=user, activity_ids=[a.pk for a in items])
    for activity in items:
        activity.stats = found.get(activity.pk)
    context = {
        "table": table,
        "q": q,
        "type": activity_type,
        "types": [(t, _type_label(t)) for t in selectors.activity_types(user=user)],
    }
    if request.htmx:
        return render(request, "lrs/activity_list.html#results", context)
    return render(request, "lrs/activity_list.html", context)


def _learner_url(row: LearnerProgress) -> str:
    if row.employee_id:
        return reverse("people:employee_detail", args=[row.employee_id])
    return reverse("lrs:statement_list") + _query({"agent": str(row.agent_id)})


def _learner_name(row: LearnerProgress) -> str:
    if row.employee is not None:
        return f"{row.employee.first_name} {row.employee.last_name}".strip()
    return row.agent.name or row.agent.ifi


@login_required
@require_http_methods(["GET"])
def activity_detail(request: Request, pk: int) -> HttpResponse:
    """One activity: its definition, its figures and the progress of each learner."""
    user = request.user
    activity = selectors.get_activity_for_user(user, pk)
    stats = (
        selectors.activity_stats(user=user, activity_ids=[activity.pk]).get(activity.pk) or selectors.ActivityStats()
    )
    table = Table(
        request,
        selectors.progress_list(user=user, activity=activity),
        [
            Column("learner", gettext_lazy("Learner"), _learner_name, "employee__last_name", url=_learner_url),
            Column(
                "registration",
                gettext_lazy("Attempt"),
                lambda r: str(r.registration)[:8],
                None,
                url=lambda r: (
                    reverse("lrs:statement_list")
                    + _query(
                        {"activity": str(activity.pk), "agent": str(r.agent_id), "registration": str(r.registration)}
                    )
                ),
            ),
            Column(
                "first_launch",
                gettext_lazy("Started"),
                lambda r: timezone.localtime(r.first_launch).strftime("%Y-%m-%d") if r.first_launch else "—",
                "first_launch",
            ),
            Column(
                "completed_at",
                gettext_lazy("Completed"),
                lambda r: timezone.localtime(r.completed_at).strftime("%Y-%m-%d") if r.completed_at else "—",
                "completed_at",
            ),
            Column(
                "success",
                gettext_lazy("Result"),
                lambda r: _("Passed") if r.success else (_("Failed") if r.success is False else "—"),
                "success",
            ),
            Column("score", gettext_lazy("Best score"), lambda r: percent(r.best_score), "best_score"),
            Column(
                "time", gettext_lazy("Time spent"), lambda r: duration_text(r.time_spent_seconds), "time_spent_seconds"
            ),
            Column("statements", gettext_lazy("Statements"), lambda r: r.statement_count, "statement_count"),
            Column(
                "last",
                gettext_lazy("Last activity"),
                lambda r: timezone.localtime(r.last_activity).strftime("%Y-%m-%d %H:%M"),
                "last_activity",
            ),
        ],
        dom_id="progress-table",
        caption=gettext_lazy("Progress of each learner"),
        empty_text=gettext_lazy("No learner progress on this activity."),
        default_sort="-last",
    )
    definition = activity.definition if isinstance(activity.definition, dict) else {}
    choices = [
        {"id": c.get("id"), "label": selectors.language_label(c.get("description"), str(c.get("id")))}
        for c in definition.get("choices") or []
        if isinstance(c, dict)
    ]
    context = {
        "activity": activity,
        "name": selectors.activity_name(activity),
        "description": selectors.language_label(definition.get("description")),
        "type": definition.get("type") or "",
        "interaction_type": definition.get("interactionType") or "",
        "choices": choices,
        "correct": definition.get("correctResponsesPattern") or [],
        "stats": stats,
        "kpis": [
            (_("Learners"), stats.learners),
            (_("Completed"), stats.completed),
            (_("Completion rate"), percent(stats.completion_rate)),
            (_("Success rate"), percent(stats.success_rate)),
            (_("Average best score"), percent(stats.average_score)),
            (_("Attempts"), stats.attempts),
        ],
        "table": table,
        "statements_url": reverse("lrs:statement_list") + _query({"activity": str(activity.pk)}),
    }
    if request.htmx:
        return render(request, "lrs/activity_detail.html#results", context)
    return render(request, "lrs/activity_detail.html", context)
