"""The ranked backlog page with its what-if panel, and the score page of one programme."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request
from pilotage.programmes import backlog, queries, services_scores
from pilotage.programmes.models import Programme
from pilotage.strategy import permissions as strategy_permissions
from pilotage.strategy import queries as strategy_queries
from pilotage.strategy.models import TrainingRequest
from pilotage.strategy.services_priorities import (
    criteria_set_weights,
    criterion_specs,
    parse_weights,
    weights_problem,
)
from pilotage.strategy.views_priorities import score_page


def _require_prioritiser(request: Request) -> Any:
    if not strategy_permissions.can_prioritise(request.user):
        raise PermissionDenied
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def backlog_view(request: Request) -> HttpResponse:
    """GET: the ranked backlog; ``w_<criterion key>=N`` in the query ranks with those weights
    instead (nothing saved). POST (the DLM): save the weights of the what-if."""
    user = _require_prioritiser(request)
    saved_specs = criterion_specs()
    if request.method == "POST":
        if not strategy_permissions.can_configure_criteria(user):
            raise PermissionDenied
        weights, errors = parse_weights(request.POST, saved_specs)
        if not errors:
            try:
                criteria_set_weights(actor=user, weights=weights)
            except ValidationFailed as exc:
                errors = exc.errors
        if errors:
            for text in (m for msgs in errors.values() for m in msgs):
                messages.error(request, text)
            query = "&".join(f"w_{k}={v}" for k, v in weights.items())
            return HttpResponseRedirect(f"{reverse('programmes:backlog')}?{query}")
        messages.success(request, _("The new weights are saved: the backlog is ranked with them."))
        return redirect("programmes:backlog")

    weights, weight_errors = parse_weights(request.GET, saved_specs)
    what_if = bool(weights) and not weight_errors and any(weights.get(s.key, s.weight) != s.weight for s in saved_specs)
    filters = backlog.Filters.from_params(request.GET)
    items, specs = backlog.backlog_items(user=user, filters=filters, weights=weights if what_if else None)
    weight_sum = sum(s.weight for s in specs)
    params = request.GET.copy()
    context: dict[str, Any] = {
        "items": items,
        "specs": specs,
        "weight_rows": [
            {"key": s.key, "name": s.name, "weight": weights.get(s.key, s.weight), "saved": s.weight}
            for s in saved_specs
        ],
        "what_if": what_if,
        "weight_errors": [m for msgs in weight_errors.values() for m in msgs],
        "weight_sum": weight_sum,
        "weights_problem": weights_problem(s.weight for s in specs) if what_if else None,
        "filters": filters,
        "objectives": strategy_queries.objective_list(user=user).order_by("title"),
        "statuses": [
            (s.value, s.label)
            for s in (
                TrainingRequest.Status.SUBMITTED,
                TrainingRequest.Status.UNDER_REVIEW,
                TrainingRequest.Status.PARKED,
                Programme.Status.IDEA,
                Programme.Status.DESIGN,
            )
        ],
        "can_save_weights": strategy_permissions.can_configure_criteria(user),
        "query": params.urlencode(),
        "filter_query": "&".join(f"{k}={v}" for k, v in request.GET.items() if not k.startswith("w_") and v),
    }
    if request.htmx and request.htmx.target == "backlog-results":
        return render(request, "programmes/backlog.html#results", context)
    return render(request, "programmes/backlog.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_scores(request: Request, pk: int) -> HttpResponse:
    user = _require_prioritiser(request)
    programme = queries.programme_get(user=user, pk=pk)
    return score_page(
        request,
        current=services_scores.programme_manual_scores([programme])[programme.pk],
        save=lambda values: services_scores.programme_scores_set(actor=user, programme=programme, values=values),
        score=lambda: services_scores.programme_score(programme),
        done_url=reverse("programmes:programme_scores", args=[programme.pk]),
        template="programmes/programme_scores.html",
        context={"programme": programme},
    )
