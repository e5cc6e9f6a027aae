"""Prioritisation pages: the criteria and their weights (the DLM edits, the L&D team reads),
and the score of one request with its breakdown and the manual scoring form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import PilotageError, ValidationFailed
from pilotage.core.web import Request, add_service_errors
from pilotage.strategy import permissions, queries, services_priorities
from pilotage.strategy.forms_priorities import ScoreForm, apply_row_action, criteria_rows, rows_from_post
from pilotage.strategy.models import Criterion


def _row_errors(errors: dict[str, list[str]], count: int) -> tuple[list[dict[str, list[str]]], list[str]]:
    """Service errors keyed ``criteria[i].field`` → per-row dicts, plus the general ones."""
    per_row: list[dict[str, list[str]]] = [{} for _i in range(count)]
    general: list[str] = []
    for key, msgs in errors.items():
        if key.startswith("criteria[") and "]." in key:
            index_text, field = key[len("criteria[") :].split("].", 1)
            if index_text.isdigit() and int(index_text) < count:
                per_row[int(index_text)].setdefault(field, []).extend(msgs)
                continue
        general.extend(msgs)
    return per_row, general


@login_required
@require_http_methods(["GET", "POST"])
def criteria(request: Request) -> HttpResponse:
    user = request.user
    current = list(queries.criterion_list(user=user))  # 403 outside the L&D team
    can_edit = permissions.can_configure_criteria(user)
    rows = criteria_rows(current)
    errors: dict[str, list[str]] = {}
    saved = False
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        rows = rows_from_post(request.POST)
        action = request.POST.get("action", "save")
        if action == "save":
            try:
                services_priorities.criteria_save(actor=user, rows=rows)
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                if not request.htmx:
                    messages.success(request, _("Criteria saved."))
                    return redirect("strategy:criteria")
                saved = True
                rows = criteria_rows(queries.criterion_list(user=user))
        else:
            rows = apply_row_action(rows, action)
    per_row, general = _row_errors(errors, len(rows))
    active_sum = sum(int(r["weight"]) for r in rows if r["active"] and str(r["weight"]).strip().isdigit())
    context: dict[str, Any] = {
        "rows": [{"i": i, "row": r, "errors": per_row[i]} for i, r in enumerate(rows)],
        "count": len(rows),
        "general_errors": general,
        "active_sum": active_sum,
        "sources": Criterion.Source.choices,
        "can_edit": can_edit,
        "saved": saved,
    }
    if request.htmx and request.htmx.target == "criteria-form":
        return render(request, "strategy/criteria.html#criteria_form", context)
    return render(request, "strategy/criteria.html", context)


def score_page(
    request: Request,
    *,
    current: dict[str, int],
    save: Callable[[dict[str, Any]], object],
    score: Callable[[], object],
    done_url: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The manual scoring form of a request or a programme: the page, or its card for htmx.

    ``save(values)`` writes the scores (service errors show next to their criterion),
    ``score()`` gives the breakdown to show, ``done_url`` is where a plain POST goes after."""
    manual = list(queries.criterion_list(user=request.user, active_only=True).filter(source=Criterion.Source.MANUAL))
    form = ScoreForm(request.POST or None, criteria=manual, initial={k: str(v) for k, v in current.items()})
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except PilotageError as exc:
            add_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Scores saved."))
                return redirect(done_url)
            saved = True
            form = ScoreForm(
                criteria=manual, initial={k: str(v) for k, v in form.cleaned_data.items() if v is not None}
            )
    context = {**context, "score": score(), "form": form, "saved": saved}
    if request.htmx:
        return render(request, f"{template}#card", context)
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def request_scores(request: Request, pk: int) -> HttpResponse:
    user = request.user
    if not permissions.can_prioritise(user):
        raise PermissionDenied
    req = queries.request_get(user=user, pk=pk)
    return score_page(
        request,
        current=services_priorities.manual_scores([req])[req.pk],
        save=lambda values: services_priorities.request_scores_set(actor=user, request=req, values=values),
        score=lambda: services_priorities.request_score(req),
        done_url=reverse("strategy:request_scores", args=[req.pk]),
        template="strategy/request_scores.html",
        context={"req": req},
    )
