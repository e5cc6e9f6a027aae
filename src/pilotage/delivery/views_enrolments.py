"""Enrolment pages: enrol one employee, enrol an audience (or an accepted request's audience)
with a preview of the count and the conflicts before confirming, an enrolment's page with its
history, unenrol, transfer and due date. Writing: the L&D team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import Job
from pilotage.core.web import Request, add_service_errors, error_text
from pilotage.delivery import permissions, queries, queries_progress, services_enrolments
from pilotage.delivery.forms_cohorts import BulkEnrolForm, DueDateForm, EnrolForm, ReasonForm, TransferForm
from pilotage.delivery.models import Cohort, Enrolment
from pilotage.delivery.views_cohorts import STATUS_TONES, cohort_url, toned
from pilotage.people import queries as people_queries
from pilotage.people.models import Employee
from pilotage.strategy.models import TrainingRequest


def enrolment_url(enrolment: Enrolment) -> str:
    return reverse("delivery:enrolment_detail", args=[enrolment.pk])


def find_employee(text: str) -> Employee | None:
    text = text.strip()
    if not text:
        return None
    return Employee.objects.filter(Q(employee_number__iexact=text) | Q(email__iexact=text)).first()


@login_required
@require_http_methods(["GET", "POST"])
def enrol_one(request: Request, pk: int) -> HttpResponse:
    cohort = queries.cohort_for_manage(user=request.user, pk=pk)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        employee = find_employee(data["employee"])
        if employee is None:
            form.add_error("employee", _("No employee has this number or e-mail address."))
        else:
            try:
                enrolment = services_enrolments.enrol(
                    actor=request.user, cohort=cohort, employee=employee, due_on=data["due_on"], note=data["note"]
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                if enrolment.status == Enrolment.Status.WAITLISTED:
                    messages.warning(
                        request, _("The cohort is full: %(name)s is on the waitlist.") % {"name": employee}
                    )
                else:
                    messages.success(request, _("%(name)s is enrolled.") % {"name": employee})
                return redirect(cohort_url(cohort))
    return render(request, "delivery/cohorts/enrol_form.html", {"form": form, "cohort": cohort})


def _bulk_choices(user: Any, cohort: Cohort) -> tuple[Any, Any]:
    audiences = people_queries.audience_list(user=user).order_by("name")
    requests = TrainingRequest.objects.filter(
        status=TrainingRequest.Status.ACCEPTED, programmes=cohort.path.programme_id
    ).order_by("-reference")
    return audiences, requests


@login_required
@require_http_methods(["GET", "POST"])
def enrol_bulk(request: Request, pk: int) -> HttpResponse:
    """Step 1 (POST without ``confirm``): preview the count and the conflicts. Step 2 (POST with
    ``confirm`` and the previewed count, mandatory): a background job enrols them; the page
    (``?job=``) shows its progress bar and result. Refused if the audience changed meanwhile."""
    cohort = queries.cohort_for_manage(user=request.user, pk=pk)
    audiences, requests = _bulk_choices(request.user, cohort)
    initial: dict[str, Any] = {}
    if request.GET.get("request", "").isdigit():
        initial["request"] = int(request.GET["request"])
    form = BulkEnrolForm(request.POST or None, initial=initial, audiences=audiences, requests=requests)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
                job = services_enrolments.enrol_audience_start(
                    actor=request.user,
                    cohort=cohort,
                    audience=data["audience"],
                    due_on=data["due_on"],
                    expected=data["expected"],
                    request=data["request"],
                )
                return redirect(f"{reverse('delivery:enrol_bulk', args=[cohort.pk])}?job={job.pk}")
            preview = services_enrolments.bulk_preview(cohort=cohort, audience=data["audience"], user=request.user)
            form = BulkEnrolForm(
                initial={**data, "expected": len(preview.to_enrol)}, audiences=audiences, requests=requests
            )
        except ValidationFailed as exc:
            # "expected" is a hidden field: its message goes to the top of the form
            errors = {("__all__" if k == "expected" else k): v for k, v in exc.errors.items()}
            add_service_errors(form, ValidationFailed(errors))
    context = {
        "form": form,
        "cohort": cohort,
        "preview": preview,
        "job": _bulk_job(request),
        "next_url": cohort_url(cohort),
    }
    return render(request, "delivery/cohorts/enrol_bulk.html", context)


def _bulk_job(request: Request) -> Job | None:
    """The bulk enrolment job this person started (``?job=``), shown with its progress bar."""
    job_id = request.GET.get("job", "")
    if not job_id.isdigit():
        return None
    return Job.objects.filter(
        pk=int(job_id), created_by_id=request.user.pk, kind=services_enrolments.BULK_JOB_KIND
    ).first()


# What each kind of EnrolmentEvent means, as the history shows it.
EVENT_LABELS: dict[str, Any] = {
    "created": gettext_lazy("Enrolled"),
    "approved": gettext_lazy("Approved"),
    "declined": gettext_lazy("Declined"),
    "promoted": gettext_lazy("Promoted from the waitlist"),
    "unenrolled": gettext_lazy("Unenrolled"),
    "transferred": gettext_lazy("Transferred out"),
    "transferred_in": gettext_lazy("Transferred in"),
    "due_date": gettext_lazy("Due date changed"),
    "completed": gettext_lazy("Completed"),
    "reopened": gettext_lazy("Reopened"),
}


def _labelled(events: list[Any]) -> list[Any]:
    """Each event with ``kind_label``, ``from_label`` and ``to_label`` (translated)."""
    statuses = dict(Enrolment.Status.choices)
    for ev in events:
        ev.kind_label = EVENT_LABELS.get(ev.kind, ev.kind)
        ev.from_label = statuses.get(ev.from_status, ev.from_status)
        ev.to_label = statuses.get(ev.to_status, ev.to_status)
    return events


@login_required
def enrolment_detail(request: Request, pk: int) -> HttpResponse:
    enrolment = queries.enrolment_get(user=request.user, pk=pk)
    can_manage = permissions.can_manage_delivery(request.user)
    toned([enrolment])
    context = {
        "enrolment": enrolment,
        "cohort": enrolment.cohort,
        "events": _labelled(list(enrolment.events.select_related("by"))),
        "can_manage": can_manage,
        "live": enrolment.status in services_enrolments.MOVABLE,
        "due_form": DueDateForm(initial={"due_on": enrolment.due_on}),
        "tones": STATUS_TONES,
        "transferred_to": Enrolment.objects.filter(transferred_from=enrolment).select_related("cohort").first(),
        "waitlist": queries_progress.waitlist_position(enrolment),
    }
    return render(request, "delivery/cohorts/enrolment_detail.html", context)


def _for_manage(request: Request, pk: int) -> Enrolment:
    enrolment = queries.enrolment_get(user=request.user, pk=pk)
    if not permissions.can_manage_delivery(request.user):
        raise PermissionDenied
    return enrolment


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_unenrol(request: Request, pk: int) -> HttpResponse:
    enrolment = _for_manage(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_enrolments.unenrol(actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"])
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Unenrolled; the waitlist moves up if a seat freed."))
            return redirect(enrolment_url(enrolment))
    return render(request, "delivery/cohorts/enrolment_unenrol.html", {"form": form, "enrolment": enrolment})


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_transfer(request: Request, pk: int) -> HttpResponse:
    enrolment = _for_manage(request, pk)
    cohorts = (
        Cohort.objects.filter(path__programme_id=enrolment.cohort.path.programme_id)
        .exclude(pk=enrolment.cohort_id)
        .exclude(status__in=[Cohort.Status.CLOSED, Cohort.Status.CANCELLED])
        .order_by("starts_on", "code")
    )
    form = TransferForm(request.POST or None, cohorts=cohorts)
    if request.method == "POST" and form.is_valid():
        try:
            new = services_enrolments.transfer(
                actor=request.user,
                enrolment=enrolment,
                to_cohort=form.cleaned_data["to_cohort"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Transferred to %(code)s.") % {"code": new.cohort.code})
            return redirect(enrolment_url(new))
    return render(request, "delivery/cohorts/enrolment_transfer.html", {"form": form, "enrolment": enrolment})


@login_required
@require_http_methods(["POST"])
def enrolment_due(request: Request, pk: int) -> HttpResponse:
    enrolment = _for_manage(request, pk)
    form = DueDateForm(request.POST)
    if form.is_valid():
        try:
            services_enrolments.due_date_set(
                actor=request.user, enrolment=enrolment, due_on=form.cleaned_data["due_on"]
            )
        except ValidationFailed as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Due date saved."))
    else:
        messages.error(request, _("Enter a date (YYYY-MM-DD)."))
    return redirect(enrolment_url(enrolment))


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_decide(request: Request, pk: int) -> HttpResponse:
    """The L&D team approves or declines a pending self-enrolment on the manager's behalf (a
    learner without a manager account, a manager away): recorded as their decision."""
    enrolment = _for_manage(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision", "")
        try:
            if decision == "approve":
                services_enrolments.enrolment_approve(actor=request.user, enrolment=enrolment)
            elif decision == "decline":
                services_enrolments.enrolment_decline(
                    actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"]
                )
            else:
                raise ValidationFailed({"decision": [_("Choose “Approve” or “Decline”.")]})
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Approved.") if decision == "approve" else _("Declined."))
            return redirect(enrolment_url(enrolment))
    return render(request, "delivery/cohorts/enrolment_decide.html", {"form": form, "enrolment": enrolment})
