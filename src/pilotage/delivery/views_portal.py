"""The learner portal (/learn/, namespace "portal"), phone first.

My learning (the learner's enrolments, progress, due dates and next step, and the panels other
apps contribute), a path page per enrolment (steps and their state, launch, "I have finished"),
the catalogue with self-enrolment, the learner's sessions with add-to-calendar, their
certificates, and the manager's approval inbox. A learner withdraws a pending enrolment or leaves a
waitlist here; recently declined enrolments are listed with the manager's reason. Anyone signed in with an employee record has a
portal; the others get 403. Everything is the user's own: another learner's enrolment is 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, error_text
from pilotage.delivery import (
    ical,
    launch,
    pdf,
    portal,
    queries_portal,
    services_certificates,
    services_enrolments,
)
from pilotage.delivery.models import Enrolment, Session, StepProgress
from pilotage.delivery.views_cohorts import ics_download
from pilotage.programmes import paths
from pilotage.programmes.models import PathStep


def _step_rows(enrolment: Enrolment, steps: list[PathStep], progress: dict[int, StepProgress]) -> list[dict[str, Any]]:
    """Each step of the path with its state for this learner: completed, in progress, locked or
    to do, and what the learner can do with it."""
    infos = paths.step_infos(steps)
    done = {sid for sid, sp in progress.items() if sp.status == StepProgress.Status.COMPLETED}
    locked = paths.locked_step_ids(infos, done)
    title = {s.pk: s.title for s in steps}
    seated = enrolment.status in Enrolment.SEATED
    rows = []
    for number, step in enumerate(steps, start=1):
        sp = progress.get(step.pk)
        state = sp.status if sp else StepProgress.Status.NOT_STARTED
        is_locked = step.pk in locked and state != StepProgress.Status.COMPLETED
        rows.append(
            {
                "step": step,
                "number": number,
                "state": "locked" if is_locked else state,
                "progress": sp,
                "locked": is_locked,
                "missing": [title[p.pk] for p in step.prerequisites.all() if p.pk not in done and p.pk in title],
                "duration": paths.duration_text(step.duration_minutes) if step.duration_minutes else "",
                "can_launch": seated and not is_locked and bool(step.url),
                "is_xapi": step.kind in launch.XAPI_KINDS,
                "can_mark_done": seated
                and not is_locked
                and step.kind in launch.SELF_DECLARED_KINDS
                and state != StepProgress.Status.COMPLETED,
            }
        )
    return rows


def _next_step(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first step not completed and not locked: what "Continue" opens."""
    return next((r for r in rows if r["state"] not in ("completed", "locked")), None)


def _cards(enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    """My learning's cards: steps of every path and progress of every enrolment in two queries."""
    steps_by_path: dict[int, list[PathStep]] = defaultdict(list)
    for step in (
        PathStep.objects.filter(path_id__in={e.cohort.path_id for e in enrolments})
        .prefetch_related("prerequisites")
        .order_by("position", "id")
    ):
        steps_by_path[step.path_id].append(step)
    progress: dict[int, dict[int, StepProgress]] = defaultdict(dict)
    for sp in StepProgress.objects.filter(enrolment__in=enrolments):
        progress[sp.enrolment_id][sp.step_id] = sp
    today = timezone.localdate()
    cards = []
    for enrolment in enrolments:
        rows = _step_rows(enrolment, steps_by_path[enrolment.cohort.path_id], progress[enrolment.pk])
        cards.append(
            {
                "enrolment": enrolment,
                "next": _next_step(rows) if enrolment.status == Enrolment.Status.ACTIVE else None,
                "steps": len(rows),
                "done": sum(1 for r in rows if r["state"] == "completed"),
                "overdue": enrolment.status == Enrolment.Status.ACTIVE
                and enrolment.due_on is not None
                and enrolment.due_on < today,
            }
        )
    return cards


def _allow_launch_targets(response: HttpResponse, urls: Iterable[str]) -> HttpResponse:
    """Launching is a form posted here and answered by a redirect to the content; browsers check
    that redirect against the page's CSP ``form-action``, so a page with launch buttons allows
    the origins of those steps' addresses (and only those) — decision 0034."""
    origins = sorted(
        {f"{p.scheme}://{p.netloc}" for p in map(urlsplit, urls) if p.scheme in ("http", "https") and p.netloc}
    )
    if origins:
        config: dict[str, Any] = dict(settings.SECURE_CSP)
        current: list[str] = list(config.get("form-action") or [CSP.SELF])
        config["form-action"] = [*current, *origins]
        response._csp_config = config  # type: ignore[attr-defined]  # read by Django's CSP middleware
    return response


def _panels(request: Request) -> list[dict[str, Any]]:
    """Panels of the apps above delivery (surveys: evaluations to answer), rendered here: each
    template renders its whole panel (its card and its title) from the panel's dict."""
    return [
        {"html": render_to_string(panel["template"], {**panel, "request": request}, request=request)}
        for panel in portal.panels_for(request)
    ]


@login_required
@require_GET
def my_learning(request: Request) -> HttpResponse:
    queries_portal.learner_required(request.user)
    enrolments = list(queries_portal.my_learning(user=request.user))
    cards = _cards(enrolments)
    upcoming = list(queries_portal.my_sessions(user=request.user)[:3])
    context: dict[str, Any] = {
        "current": [c for c in cards if c["enrolment"].status == Enrolment.Status.ACTIVE],
        "waiting": [c for c in cards if c["enrolment"].status in ("pending", "waitlisted")],
        "completed": [c for c in cards if c["enrolment"].status == Enrolment.Status.COMPLETED],
        "sessions": upcoming,
        "calendar_ids": {s.pk for s in upcoming},
        "panels": _panels(request),
        "approvals": queries_portal.pending_approval_count(request.user),
        "declined": list(queries_portal.my_declined(user=request.user)),
    }
    response = render(request, "delivery/portal/my_learning.html", context)
    return _allow_launch_targets(
        response, [c["next"]["step"].url for c in cards if c["next"] and c["next"]["can_launch"]]
    )


def _enrolment_context(request: Request, enrolment: Enrolment) -> dict[str, Any]:
    steps = launch.path_steps(enrolment)
    rows = _step_rows(enrolment, steps, queries_portal.step_progress_by_step(enrolment))
    path = enrolment.cohort.path
    sessions = list(Session.objects.filter(cohort=enrolment.cohort).order_by("starts_at", "pk"))
    now = timezone.now()
    seated = enrolment.status in Enrolment.SEATED
    return {
        "enrolment": enrolment,
        "cohort": enrolment.cohort,
        "path": path,
        "programme": path.programme,
        "rows": rows,
        "next": _next_step(rows) if enrolment.status == Enrolment.Status.ACTIVE else None,
        "rule_text": paths.completion_rule_text(
            path.completion_rule,
            count=path.completion_count,
            min_score=path.completion_min_score,
            total_steps=len(rows),
        ),
        "sessions": sessions,
        # "Add to my calendar" only where the calendar file is served: a seat, and not over.
        "calendar_ids": {x.pk for x in sessions if seated and x.ends_at >= now},
        "can_withdraw": enrolment.status in services_enrolments.WITHDRAWABLE,
        "decline_reason": queries_portal.decline_reason(enrolment)
        if enrolment.status == Enrolment.Status.DECLINED
        else "",
        "overdue": enrolment.status == Enrolment.Status.ACTIVE
        and enrolment.due_on is not None
        and enrolment.due_on < timezone.localdate(),
    }


@login_required
@require_GET
def enrolment_detail(request: Request, pk: int) -> HttpResponse:
    enrolment = queries_portal.my_enrolment_get(user=request.user, pk=pk)
    context = _enrolment_context(request, enrolment)
    if request.htmx and request.htmx.target == "portal-steps":
        return render(request, "delivery/portal/enrolment.html#steps", context)
    response = render(request, "delivery/portal/enrolment.html", context)
    return _allow_launch_targets(response, [r["step"].url for r in context["rows"] if r["can_launch"]])


def _own_step(request: Request, pk: int, step_pk: int) -> tuple[Enrolment, PathStep]:
    enrolment = queries_portal.my_enrolment_get(user=request.user, pk=pk)
    step = PathStep.objects.filter(pk=step_pk, path_id=enrolment.cohort.path_id).prefetch_related("prerequisites")
    found = step.first()
    if found is None:
        raise Http404
    return enrolment, found


@login_required
@require_POST
def step_launch(request: Request, pk: int, step_pk: int) -> HttpResponse:
    """Open a step: its URL, with the xAPI launch parameters for content that reports."""
    enrolment, step = _own_step(request, pk, step_pk)
    try:
        result = launch.step_launch(actor=request.user, enrolment=enrolment, step=step)
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:enrolment", enrolment.pk)
    return redirect(result.url)


@login_required
@require_POST
def step_done(request: Request, pk: int, step_pk: int) -> HttpResponse:
    """ "I have finished" for a step nothing else reports on."""
    enrolment, step = _own_step(request, pk, step_pk)
    try:
        launch.step_mark_done(actor=request.user, enrolment=enrolment, step=step)
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("“%(step)s” is marked as completed.") % {"step": step.title})
    if request.htmx:
        enrolment.refresh_from_db()
        return render(request, "delivery/portal/enrolment.html#steps", _enrolment_context(request, enrolment))
    return redirect("portal:enrolment", enrolment.pk)


@login_required
@require_POST
def withdraw(request: Request, pk: int) -> HttpResponse:
    """The learner withdraws their pending enrolment or leaves the waitlist (confirmed on the
    path page); a seated enrolment is ended by the L&D team."""
    enrolment = queries_portal.my_enrolment_get(user=request.user, pk=pk)
    try:
        services_enrolments.withdraw(actor=request.user, enrolment=enrolment)
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:enrolment", enrolment.pk)
    messages.success(request, _("You have withdrawn from %(cohort)s.") % {"cohort": enrolment.cohort.title})
    return redirect("portal:home")


# --- catalogue ---------------------------------------------------------------------------------


@login_required
@require_GET
def catalogue(request: Request) -> HttpResponse:
    cohorts = list(queries_portal.with_seats(queries_portal.catalogue_cohorts(user=request.user)))
    mine = dict(
        Enrolment.objects.filter(
            employee_id=request.user.employee_id, cohort__in=cohorts, status__in=Enrolment.LIVE
        ).values_list("cohort_id", "status")
    )
    labels = dict(Enrolment.Status.choices)
    programmes: dict[int, dict[str, Any]] = {}
    for cohort in cohorts:
        programme = cohort.path.programme
        entry = programmes.setdefault(programme.pk, {"programme": programme, "cohorts": []})
        free = queries_portal.seats_free_of(cohort)
        status = mine.get(cohort.pk)
        entry["cohorts"].append(
            {
                "cohort": cohort,
                "free": free,
                "full": free == 0,
                "mine": labels.get(status, "") if status else "",
                "approval": programme.requires_manager_approval,
            }
        )
    return render(request, "delivery/portal/catalogue.html", {"programmes": list(programmes.values())})


@login_required
@require_POST
def enrol(request: Request, pk: int) -> HttpResponse:
    """Self-enrolment in an open cohort: a seat, the waitlist when full, or pending approval."""
    cohort = queries_portal.catalogue_cohort_get(user=request.user, pk=pk)
    try:
        enrolment = services_enrolments.enrol(
            actor=request.user, cohort=cohort, employee=request.user.employee, source=Enrolment.Source.SELF
        )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:catalogue")
    texts: dict[str, str] = {
        Enrolment.Status.ACTIVE: _("You are enrolled in %(cohort)s."),
        Enrolment.Status.WAITLISTED: _(
            "%(cohort)s is full: you are on its waiting list, and will be enrolled when a seat frees up."
        ),
        Enrolment.Status.PENDING: _("Your enrolment in %(cohort)s awaits your manager's approval."),
    }
    text = texts.get(enrolment.status, _("Enrolment recorded: %(cohort)s."))
    messages.success(request, text % {"cohort": cohort.title})
    return redirect("portal:enrolment", enrolment.pk)


# --- manager's approval inbox ------------------------------------------------------------------


@login_required
@require_GET
def approvals(request: Request) -> HttpResponse:
    pending = list(queries_portal.approval_list(user=request.user))
    return render(request, "delivery/portal/approvals.html", {"pending": pending})


@login_required
@require_POST
def approval_decide(request: Request, pk: int) -> HttpResponse:
    """Approve or decline one self-enrolment of the manager's team (a reason to decline)."""
    enrolment = queries_portal.approval_get(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    error = ""
    try:
        if decision == "approve":
            enrolment = services_enrolments.enrolment_approve(actor=request.user, enrolment=enrolment)
            done = _("Approved: %(name)s — %(cohort)s.")
        elif decision == "decline":
            enrolment = services_enrolments.enrolment_decline(
                actor=request.user, enrolment=enrolment, reason=request.POST.get("reason", "")
            )
            done = _("Declined: %(name)s — %(cohort)s.")
        else:
            raise ValidationFailed({"decision": [_("Choose “approve” or “decline”.")]})
    except ValidationFailed as exc:
        error = error_text(exc)
        done = ""
    name = enrolment.employee.full_name
    result = done % {"name": name, "cohort": enrolment.cohort.title} if done else ""
    if request.htmx:
        context = {"item": enrolment, "error": error, "result": result}
        return render(request, "delivery/portal/approvals.html#row", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, result)
    return redirect("portal:approvals")


# --- sessions and certificates -------------------------------------------------------------------


@login_required
@require_GET
def sessions(request: Request) -> HttpResponse:
    upcoming = list(queries_portal.my_sessions(user=request.user))
    context = {
        "upcoming": upcoming,
        "past": list(queries_portal.my_sessions(user=request.user, upcoming=False)[:20]),
        "calendar_ids": {s.pk for s in upcoming},
    }
    return render(request, "delivery/portal/sessions.html", context)


@login_required
@require_GET
def session_ics(request: Request, pk: int) -> HttpResponse:
    """The session as an iCalendar file (add to calendar); a cancelled one as a cancellation."""
    return ics_download(queries_portal.my_session_get(user=request.user, pk=pk), method=ical.REQUEST)


@login_required
@require_GET
def certificates(request: Request) -> HttpResponse:
    completed = list(queries_portal.my_completed(user=request.user))
    return render(request, "delivery/portal/certificates.html", {"completed": completed})


@login_required
@require_GET
def certificate(request: Request, pk: int) -> HttpResponse:
    """The learner's own certificate of completion (numbered on first download)."""
    enrolment = queries_portal.my_completed_get(user=request.user, pk=pk)
    cert = services_certificates.certificate_issue(actor=request.user, enrolment=enrolment)
    body = pdf.certificate_pdf(cert)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.certificate_filename(cert)}"'
    return response
