"""Training request pages.

- the list: the triage queue for the L&D team (filters, counts per status), "my requests"
  for an internal client (or a manager whose retained need became a request);
- the short request form (create, edit while allowed) with checked attachments;
- the detail: status, history, comment thread, attachments; for the L&D team also the
  triage panel (under review / merged / parked / declined with a reason, "accept into a
  programme") and the similar open requests;
- attachments are downloaded through a scoped view, never from /media/.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from pilotage.core import errors
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors
from pilotage.people import queries as people_queries
from pilotage.strategy import permissions, queries, services_requests, workflow
from pilotage.strategy.forms_requests import CommentForm, RequestForm, TransitionForm, WithdrawForm
from pilotage.strategy.models import TrainingRequest

S = TrainingRequest.Status
STATUS_TONES: dict[str, str] = {
    S.SUBMITTED: "neutral",
    S.UNDER_REVIEW: "warn",
    S.ACCEPTED: "ok",
    S.MERGED: "neutral",
    S.PARKED: "warn",
    S.DECLINED: "bad",
}


def _denied(exc: errors.PermissionDenied) -> PermissionDenied:
    return PermissionDenied(exc.message)


# --- list -------------------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request: Request) -> HttpResponse:
    """The triage queue (L&D team) or "my requests" (everyone else who may file or follow one)."""
    user = request.user
    staff = permissions.can_triage(user)
    qs = queries.request_search(user=user, params=request.GET)
    counts = queries.request_status_counts(queries.request_search(user=user, params=request.GET, with_status=False))
    columns = [
        Column(
            "reference",
            gettext_lazy("Reference"),
            lambda r: r.reference,
            "reference",
            url=lambda r: reverse("strategy:request_detail", args=[r.pk]),
        ),
        Column("title", gettext_lazy("Title"), lambda r: r.title, "title"),
        Column("status", gettext_lazy("Status"), lambda r: r.get_status_display(), "status"),
    ]
    if staff:
        columns += [
            Column("requester", gettext_lazy("Requester"), lambda r: r.requester, "requester__display_name"),
            Column("org_unit", gettext_lazy("Org unit"), lambda r: r.org_unit or "—", "org_unit__name"),
        ]
    columns += [
        Column("objective", gettext_lazy("Objective"), lambda r: r.objective or "—", "objective__title"),
        Column("headcount", gettext_lazy("Headcount"), lambda r: r.headcount or "—", "headcount"),
        Column("wished", gettext_lazy("Wished date"), lambda r: r.wished_date or "—", "wished_date"),
        Column("filed", gettext_lazy("Filed"), lambda r: r.created_at.date(), "created_at"),
    ]
    table = Table(
        request,
        qs,
        columns,
        dom_id="request-table",
        caption=gettext_lazy("Training requests"),
        empty_text=gettext_lazy("No request matches these filters.") if staff else gettext_lazy("No request yet."),
        per_page=50,
        default_sort="-filed",
    )
    status = request.GET.get("status", "")
    context = {
        "table": table,
        "staff": staff,
        "can_file": permissions.can_file_requests(user),
        "filters": {k: request.GET.get(k, "") for k in queries.REQUEST_FILTERS},
        "status_counts": [
            {"value": value, "label": label, "count": counts[value], "current": status == value}
            for value, label in S.choices
        ],
        "total": sum(counts.values()),
        "objectives": queries.objective_list(user=user).select_related(None).only("id", "title") if staff else [],
        "org_units": people_queries.org_unit_list(user=user).only("id", "name", "depth") if staff else [],
    }
    if request.htmx:
        return render(request, "strategy/request_list.html#results", context)
    return render(request, "strategy/request_list.html", context)


# --- the request form ------------------------------------------------------------------------------


def _form_page(request: Request, form: RequestForm, obj: TrainingRequest | None) -> HttpResponse:
    context = {"form": form, "req": obj}
    if request.htmx:
        return render(request, "strategy/request_form.html#form", context)
    return render(request, "strategy/request_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: Request) -> HttpResponse:
    user = request.user
    if not permissions.can_file_requests(user):
        raise PermissionDenied
    if request.method != "POST":
        initial: dict[str, Any] = {}
        objective = request.GET.get("objective", "")
        if objective.isdigit():
            initial["objective"] = int(objective)
        return _form_page(request, RequestForm(user=user, initial=initial), None)
    form = RequestForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        try:
            created = services_requests.request_create(actor=user, **form.service_kwargs())
        except errors.ValidationFailed as exc:
            add_service_errors(form, exc)
        except errors.PermissionDenied as exc:
            raise _denied(exc) from exc
        else:
            messages.success(
                request,
                _("Request %(ref)s filed. The L&D team has been told; you will get an e-mail at each step.")
                % {"ref": created.reference},
            )
            return redirect("strategy:request_detail", created.pk)
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: Request, pk: int) -> HttpResponse:
    user = request.user
    obj = queries.request_get(user=user, pk=pk)
    if not permissions.can_edit_request(user, obj):
        raise PermissionDenied
    if request.method != "POST":
        return _form_page(request, RequestForm(user=user, instance=obj), obj)
    form = RequestForm(request.POST, request.FILES, user=user, instance=obj)
    if form.is_valid():
        try:
            services_requests.request_update(actor=user, request=obj, **form.service_kwargs())
        except errors.ValidationFailed as exc:
            add_service_errors(form, exc)
        except errors.PermissionDenied as exc:
            raise _denied(exc) from exc
        else:
            messages.success(request, _("Request %(ref)s saved.") % {"ref": obj.reference})
            return redirect("strategy:request_detail", obj.pk)
    return _form_page(request, form, obj)


# --- detail and triage ------------------------------------------------------------------------------


def _transitions(obj: TrainingRequest) -> list[Any]:
    labels = dict(S.choices)
    rows = list(obj.transitions.select_related("by", "by__employee"))
    for row in rows:
        row.label = labels.get(row.to_status, row.to_status)  # type: ignore[attr-defined]
    return rows


def _detail_context(
    request: Request,
    obj: TrainingRequest,
    *,
    transition_form: TransitionForm | None = None,
    comment_form: CommentForm | None = None,
    **extra: Any,
) -> dict[str, Any]:
    user = request.user
    staff = permissions.can_triage(user)
    context: dict[str, Any] = {
        "req": obj,
        "staff": staff,
        "tone": STATUS_TONES.get(obj.status, "neutral"),
        "transitions": _transitions(obj),
        "comments": list(queries.request_comments(user=user, request=obj)),
        "attachments": list(obj.attachments.all()),
        "merged_requests": list(
            queries.request_list(user=user)
            .filter(merged_into=obj)
            .select_related(None)
            .only("id", "reference", "title")
        ),
        "programmes": list(obj.programmes.all()) if staff or obj.requester_id == user.pk else [],  # type: ignore[attr-defined]
        "can_edit": permissions.can_edit_request(user, obj),
        "can_withdraw": permissions.can_withdraw_request(user, obj),
        "comment_form": comment_form or CommentForm(staff=staff),
        **extra,
    }
    if staff:
        initial: dict[str, Any] = {}
        merge_ref = request.GET.get("merge_into", "")
        if merge_ref:
            initial = {"to_status": S.MERGED, "merged_into": merge_ref}
        context["transition_form"] = transition_form or TransitionForm(request_obj=obj, initial=initial)
        context["can_triage"] = bool(workflow.allowed_next(obj))
        context["can_accept"] = S.ACCEPTED in workflow.allowed_next(obj)
        context["similar"] = queries.request_similar(user=user, request=obj) if obj.is_open else []
        context["merge_targets"] = list(
            queries.request_list(user=user)
            .filter(status__in=[*queries.OPEN_STATUSES, S.ACCEPTED])
            .exclude(pk=obj.pk)
            .order_by("-created_at")
            .values_list("reference", "title")[:200]
        )
    return context


@login_required
@require_GET
def request_detail(request: Request, pk: int) -> HttpResponse:
    obj = queries.request_get(user=request.user, pk=pk)
    return render(request, "strategy/request_detail.html", _detail_context(request, obj))


@login_required
@require_POST
def request_transition(request: Request, pk: int) -> HttpResponse:
    """A triage decision by the L&D team (through strategy.workflow)."""
    user = request.user
    obj = queries.request_get(user=user, pk=pk)
    if not permissions.can_triage(user):
        raise PermissionDenied
    form = TransitionForm(request.POST, request_obj=obj)
    if form.is_valid():
        target = None
        ref = form.cleaned_data["merged_into"].strip()
        if ref:
            target = queries.request_list(user=user).filter(reference__iexact=ref).first()
            if target is None:
                form.add_error("merged_into", _("No request has the reference %(ref)s.") % {"ref": ref})
        if not form.errors:
            try:
                workflow.request_transition(
                    actor=user,
                    request=obj,
                    to_status=form.cleaned_data["to_status"],
                    reason=form.cleaned_data["reason"],
                    merged_into=target,
                )
            except errors.ValidationFailed as exc:
                add_service_errors(form, exc)
            except errors.PermissionDenied as exc:
                raise _denied(exc) from exc
            else:
                obj.refresh_from_db()
                messages.success(
                    request,
                    _("%(ref)s is now %(status)s; the requester has been told by e-mail.")
                    % {"ref": obj.reference, "status": obj.get_status_display().lower()},
                )
                url = reverse("strategy:request_detail", args=[obj.pk])
                if request.htmx:
                    # The status badge, the decision and the history change too: reload the page
                    # (a plain redirect would be followed by htmx and the whole page swapped into
                    # the triage panel).
                    return HttpResponseClientRedirect(url)
                return redirect(url)
    context = _detail_context(request, obj, transition_form=form)
    if request.htmx:
        return render(request, "strategy/request_detail.html#triage", context)
    return render(request, "strategy/request_detail.html", context)


@login_required
@require_POST
def request_comment(request: Request, pk: int) -> HttpResponse:
    user = request.user
    obj = queries.request_get(user=user, pk=pk)
    staff = permissions.can_triage(user)
    if not staff and obj.requester_id != user.pk:
        raise PermissionDenied
    form = CommentForm(request.POST, staff=staff)
    if form.is_valid():
        try:
            services_requests.request_comment_add(
                actor=user,
                request=obj,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data.get("internal", False),
            )
        except errors.ValidationFailed as exc:
            add_service_errors(form, exc)
        except errors.PermissionDenied as exc:
            raise _denied(exc) from exc
        else:
            if request.htmx:
                return render(request, "strategy/request_detail.html#comments", _detail_context(request, obj))
            messages.success(request, _("Comment added."))
            return redirect(reverse("strategy:request_detail", args=[obj.pk]) + "#comments")
    context = _detail_context(request, obj, comment_form=form)
    if request.htmx:
        return render(request, "strategy/request_detail.html#comments", context)
    return render(request, "strategy/request_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_withdraw(request: Request, pk: int) -> HttpResponse:
    """GET: confirm; POST: the requester withdraws their open request (it is declined)."""
    user = request.user
    obj = queries.request_get(user=user, pk=pk)
    if not permissions.can_withdraw_request(user, obj):
        raise PermissionDenied
    form = WithdrawForm(request.POST) if request.method == "POST" else WithdrawForm()
    if request.method == "POST" and form.is_valid():
        try:
            services_requests.request_withdraw(actor=user, request=obj, reason=form.cleaned_data["reason"])
        except errors.ValidationFailed as exc:
            add_service_errors(form, exc)
        except errors.PermissionDenied as exc:
            raise _denied(exc) from exc
        else:
            messages.success(request, _("Request %(ref)s withdrawn.") % {"ref": obj.reference})
            return redirect("strategy:request_detail", obj.pk)
    return render(request, "strategy/request_withdraw.html", {"req": obj, "form": form})


@login_required
@require_GET
def request_attachment(request: Request, pk: int, attachment_pk: int) -> FileResponse:
    """Download an attachment of a request the user may see, always as a download."""
    attachment = queries.request_attachment_get(user=request.user, request_pk=pk, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    extension = attachment.original_name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=services_requests.ALLOWED_EXTENSIONS.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
