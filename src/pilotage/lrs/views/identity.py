"""Unmatched learners: statement actors no employee was found for, and the form that links
one to an employee (the DLM only: it re-attributes learning history)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import ValidationFailed
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors
from pilotage.lrs import identity, recompute
from pilotage.lrs.models import Agent
from pilotage.people.permissions import is_dlm


class AgentLinkForm(forms.Form):
    employee_number = forms.CharField(
        label=gettext_lazy("Employee number"),
        max_length=50,
        help_text=gettext_lazy("As in the HRIS, for example E0042."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _require_dlm(request: Request) -> None:
    if not is_dlm(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def agent_unmatched(request: Request) -> HttpResponse:
    """The actors with statements and no employee, with their volume and last activity."""
    _require_dlm(request)
    q = request.GET.get("q", "").strip()
    table = Table(
        request,
        identity.unmatched_agent_list(q=q),
        [
            Column("name", gettext_lazy("Name"), lambda a: a.name or "—"),
            Column(
                "ifi",
                gettext_lazy("Identifier"),
                lambda a: a.ifi,
                url=lambda a: reverse("lrs:agent_link", args=[a.pk]),
            ),
            Column("count", gettext_lazy("Statements"), lambda a: a.statement_count or 0),
            Column("last", gettext_lazy("Last seen"), lambda a: a.last_seen or "—"),
            Column("first", gettext_lazy("First seen"), lambda a: a.first_seen, "first_seen"),
        ],
        dom_id="agents-table",
        caption=gettext_lazy("Unmatched learners"),
        empty_text=gettext_lazy("Every actor is matched to an employee."),
    )
    context = {"table": table, "q": q, "job": recompute.latest_recompute()}
    if request.htmx:
        return render(request, "lrs/agent_unmatched.html#results", context)
    return render(request, "lrs/agent_unmatched.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agent_link(request: Request, pk: int) -> HttpResponse:
    """GET: the actor and the form; POST: link it to the employee with that number."""
    _require_dlm(request)
    agent = get_object_or_404(Agent.objects.select_related("employee"), pk=pk)
    form = AgentLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employee = identity.employee_by_number(form.cleaned_data["employee_number"])
            identity.agent_link_employee(actor=request.user, agent=agent, employee=employee)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("“%(agent)s” is now %(employee)s; their learning history follows.")
                % {"agent": agent.name or agent.ifi, "employee": f"{employee.first_name} {employee.last_name}"},
            )
            return redirect("lrs:agent_unmatched")
    return render(request, "lrs/agent_link.html", {"agent": agent, "form": form})


@login_required
@require_http_methods(["POST"])
def projections_recompute(request: Request) -> HttpResponse:
    """Start rebuilding learner progress and daily counts from the statements (a task)."""
    _require_dlm(request)
    recompute.recompute_request(actor=request.user)
    messages.info(request, _("The rebuild runs in the background: its progress shows below."))
    return redirect("lrs:agent_unmatched")
