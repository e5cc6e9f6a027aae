"""Objective pages: list (staff all, internal clients the active ones, read-only), detail with
the programmes and requests linked to it, create and edit for the L&D team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pilotage.core import errors
from pilotage.core.audit import history_for
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors
from pilotage.strategy import permissions, queries, services_objectives
from pilotage.strategy.forms_objectives import ObjectiveForm
from pilotage.strategy.models import Objective, TrainingRequest

STATUS_TONES: dict[str, str] = {
    Objective.Status.DRAFT: "neutral",
    Objective.Status.ACTIVE: "ok",
    Objective.Status.ACHIEVED: "ok",
    Objective.Status.DROPPED: "bad",
}


def _require_manager(request: Request) -> None:
    if not permissions.can_manage_objectives(request.user):
        raise PermissionDenied


@login_required
def objective_list(request: Request) -> HttpResponse:
    user = request.user
    qs = queries.objective_list(user=user)
    status = request.GET.get("status", "")
    if status in Objective.Status.values:
        qs = qs.filter(status=status)
    table = Table(
        request,
        qs,
        [
            Column(
                "title",
                gettext_lazy("Objective"),
                lambda o: o.title,
                "title",
                url=lambda o: reverse("strategy:objective_detail", args=[o.pk]),
            ),
            Column("weight", gettext_lazy("Weight"), lambda o: f"{o.weight}/5", "weight"),
            Column("owner", gettext_lazy("Owner"), lambda o: o.owner or "—", "owner__display_name"),
            Column("horizon", gettext_lazy("Horizon"), lambda o: o.horizon or "—", "horizon"),
            Column("indicator", gettext_lazy("Business indicator"), lambda o: o.business_indicator or "—"),
            Column("status", gettext_lazy("Status"), lambda o: o.get_status_display(), "status"),
        ],
        dom_id="objective-table",
        caption=gettext_lazy("Objectives"),
        empty_text=gettext_lazy("No objective yet."),
        per_page=50,
        default_sort="-weight",
    )
    context = {
        "table": table,
        "status": status,
        "statuses": Objective.Status.choices if permissions.can_manage_objectives(user) else [],
        "can_manage": permissions.can_manage_objectives(user),
    }
    if request.htmx:
        return render(request, "strategy/objective_list.html#results", context)
    return render(request, "strategy/objective_list.html", context)


@login_required
def objective_detail(request: Request, pk: int) -> HttpResponse:
    user = request.user
    objective = queries.objective_get(user=user, pk=pk)
    linked = queries.objective_requests(user=user, objective=objective)
    context = {
        "objective": objective,
        "tone": STATUS_TONES.get(objective.status, "neutral"),
        "programmes": list(queries.objective_programmes(user=user, objective=objective)[:100]),
        "requests": list(linked.order_by("-created_at")[:100]),
        "request_counts": _counts(queries.request_status_counts(linked)),
        "can_manage": permissions.can_manage_objectives(user),
        "history": history_for(objective) if permissions.can_manage_objectives(user) else [],
    }
    return render(request, "strategy/objective_detail.html", context)


def _counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(str(label), counts[value]) for value, label in TrainingRequest.Status.choices if counts.get(value)]


def _save(request: Request, form: ObjectiveForm, objective: Objective | None) -> Objective | None:
    if not form.is_valid():
        return None
    try:
        if objective is None:
            return services_objectives.objective_create(actor=request.user, **form.cleaned_data)
        return services_objectives.objective_update(actor=request.user, objective=objective, **form.cleaned_data)
    except errors.ValidationFailed as exc:
        add_service_errors(form, exc)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    return None


def _form_page(request: Request, form: ObjectiveForm, objective: Objective | None) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "objective": objective}
    if request.htmx:
        return render(request, "strategy/objective_form.html#form", context)
    return render(request, "strategy/objective_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def objective_create(request: Request) -> HttpResponse:
    _require_manager(request)
    form = ObjectiveForm(request.POST) if request.method == "POST" else ObjectiveForm()
    if request.method == "POST":
        objective = _save(request, form, None)
        if objective is not None:
            messages.success(request, _("Objective “%(title)s” created.") % {"title": objective.title})
            return redirect("strategy:objective_detail", objective.pk)
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: Request, pk: int) -> HttpResponse:
    objective = queries.objective_get(user=request.user, pk=pk)
    _require_manager(request)
    form = ObjectiveForm(request.POST) if request.method == "POST" else ObjectiveForm.from_objective(objective)
    if request.method == "POST":
        saved = _save(request, form, objective)
        if saved is not None:
            messages.success(request, _("Objective “%(title)s” saved.") % {"title": saved.title})
            return redirect("strategy:objective_detail", saved.pk)
    return _form_page(request, form, objective)
