"""Pages of the progress part: the cohort board, learners at risk, the manager's team, one
enrolment's progress by step, and the reminder rules of a programme (DLM and L&D team).

Reads through ``queries_progress`` (403 when the role may not, 404 out of scope); writes
through ``reminders`` (the rule services).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, add_service_errors
from pilotage.delivery import permissions, reminders
from pilotage.delivery import queries_progress as q
from pilotage.delivery.forms_progress import ReminderRuleForm
from pilotage.delivery.models import ReminderRule, ReminderSend
from pilotage.programmes.models import Programme

STATE_TONES = {q.NOT_STARTED: "neutral", q.IN_PROGRESS: "warn", q.COMPLETED: "ok", q.OVERDUE: "bad"}


def _state_labels() -> dict[str, str]:
    # Evaluated per request, in the request's language.
    return {
        q.NOT_STARTED: _("Not started"),
        q.IN_PROGRESS: _("In progress"),
        q.COMPLETED: _("Completed"),
        q.OVERDUE: _("Overdue"),
    }


@login_required
def cohort_board(request: Request, pk: int) -> HttpResponse:
    """Not started / in progress / completed / overdue, and the learner × step grid."""
    state = request.GET.get("state", "")
    board = q.cohort_board(user=request.user, pk=pk, state=state)
    labels = _state_labels()
    tiles = [
        {
            "state": s,
            "label": labels[s],
            "value": board.counts[s],
            "url": f"{reverse('delivery:cohort_board', args=[pk])}?state={s}",
            "current": s == state,
        }
        for s in q.STATES
    ]
    context = {
        "board": board,
        "cohort": board.cohort,
        "tiles": tiles,
        "state": state if state in q.STATES else "",
        "state_label": labels.get(state, ""),
        "can_manage": permissions.can_manage_delivery(request.user),
        "lines": [
            {
                "enrolment": line.enrolment,
                "cells": line.cells,
                "label": labels[line.state],
                "tone": STATE_TONES[line.state],
            }
            for line in board.lines
        ],
    }
    if request.htmx:
        return render(request, "delivery/progress/cohort_board.html#board", context)
    return render(request, "delivery/progress/cohort_board.html", context)


@login_required
def at_risk(request: Request) -> HttpResponse:
    """Active learners in scope who are overdue or inactive past their programme's threshold."""
    cohort_id = request.GET.get("cohort", "")
    rows = q.at_risk_list(user=request.user, cohort_id=int(cohort_id) if cohort_id.isdigit() else None)
    context = {"rows": rows, "today": timezone.localdate()}
    if request.htmx:
        return render(request, "delivery/progress/at_risk.html#rows", context)
    return render(request, "delivery/progress/at_risk.html", context)


@login_required
def team(request: Request) -> HttpResponse:
    """The manager's team: each member's enrolments, progress and due dates."""
    today = timezone.localdate()
    labels = _state_labels()
    risks = q.team_at_risk(user=request.user)
    lines = []
    for e in q.team_enrolments(user=request.user)[:500]:
        state = q.state_of(e, today)
        lines.append({"enrolment": e, "label": labels[state], "tone": STATE_TONES[state], "risk": risks.get(e.pk)})
    context = {"lines": lines, "at_risk_count": sum(1 for line in lines if line["risk"])}
    return render(request, "delivery/progress/team.html", context)


@login_required
def enrolment_progress(request: Request, pk: int) -> HttpResponse:
    """One enrolment's progress by step (the learner, their manager, facilitators, the team)."""
    enrolment = q.enrolment_progress_get(user=request.user, pk=pk)
    today = timezone.localdate()
    state = q.state_of(enrolment, today)
    context = {
        "enrolment": enrolment,
        "rows": q.step_rows(enrolment),
        "state": state,
        "state_label": _state_labels()[state],
        "state_tone": STATE_TONES[state],
        "board_url": reverse("delivery:cohort_board", args=[enrolment.cohort_id])
        if permissions.can_see_cohorts(request.user)
        else "",
        "reminders": ReminderSend.objects.filter(enrolment=enrolment)[:20]
        if permissions.can_manage_delivery(request.user)
        else [],
    }
    return render(request, "delivery/progress/enrolment_progress.html", context)


# --- reminder rules ------------------------------------------------------------------------------


def _rules_url(programme: Programme) -> str:
    return reverse("delivery:reminder_rules", args=[programme.pk])


def _values(form: ReminderRuleForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "days": data["days"],
        "repeat_every_days": data["repeat_every_days"],
        "escalate_after": data["escalate_after"],
        "active": bool(data["active"]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def reminder_rules(request: Request, programme_pk: int) -> HttpResponse:
    """The rules of a programme and the form to add one."""
    programme = q.programme_for_reminders(user=request.user, pk=programme_pk)
    form = ReminderRuleForm(request.POST) if request.method == "POST" else ReminderRuleForm()
    if request.method == "POST" and form.is_valid():
        try:
            reminders.reminder_rule_create(actor=request.user, programme=programme, **_values(form))
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Reminder rule added."))
            return redirect(_rules_url(programme))
    rules = list(q.reminder_rule_list(user=request.user, programme=programme))
    context = {"programme": programme, "rules": rules, "form": form}
    if request.htmx and request.method == "POST":
        return render(request, "delivery/progress/reminder_rules.html#rule-form", context)
    return render(request, "delivery/progress/reminder_rules.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reminder_rule_edit(request: Request, pk: int) -> HttpResponse:
    rule = q.reminder_rule_get(user=request.user, pk=pk)
    form = ReminderRuleForm(request.POST) if request.method == "POST" else ReminderRuleForm.for_rule(rule)
    if request.method == "POST" and form.is_valid():
        try:
            reminders.reminder_rule_update(actor=request.user, rule=rule, **_values(form))
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Reminder rule saved."))
            return redirect(_rules_url(rule.programme))
    return render(request, "delivery/progress/reminder_rule_form.html", {"rule": rule, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def reminder_rule_delete(request: Request, pk: int) -> HttpResponse:
    rule: ReminderRule = q.reminder_rule_get(user=request.user, pk=pk)
    if request.method == "POST":
        programme = rule.programme
        reminders.reminder_rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("Reminder rule deleted."))
        return redirect(_rules_url(programme))
    return render(request, "delivery/progress/reminder_rule_delete.html", {"rule": rule, "sent": rule.sends.count()})
