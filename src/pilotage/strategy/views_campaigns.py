"""Needs campaign pages: list, create/edit, open/close, the manager's need form, and the
consolidated table where the L&D team arbitrates every need (htmx inline, plain-form fallback)
and exports it as XLSX."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import PilotageError, ValidationFailed
from pilotage.core.formulas import safe_cell
from pilotage.core.models import Job
from pilotage.core.web import Request, add_service_errors
from pilotage.people.models import OrgUnit
from pilotage.strategy import permissions, queries
from pilotage.strategy import services_campaigns as services
from pilotage.strategy.forms_campaigns import CampaignForm, DecisionForm, NeedForm
from pilotage.strategy.models import Need, NeedsCampaign

PER_PAGE = 100
STATUS_TONES = {"draft": "neutral", "open": "ok", "closed": "warn", "arbitrated": "neutral"}
DECISION_TONES = {"pending": "warn", "retained": "ok", "merged": "neutral", "postponed": "neutral", "rejected": "bad"}


def _require_runner(request: Request) -> Any:
    if not permissions.can_run_campaigns(request.user):
        raise PermissionDenied
    return request.user


def _safe_next(request: Request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_GET
def campaign_list(request: Request) -> HttpResponse:
    user = request.user
    campaigns = list(queries.campaign_list(user=user).order_by("-opens_on", "-pk")[:200])
    runner = permissions.can_run_campaigns(user)
    counts: dict[int, int] = {}
    if campaigns:
        for row in (
            queries.need_list(user=user)
            .filter(campaign__in=campaigns)
            .order_by()
            .values_list("campaign_id")
            .annotate(n=Count("pk"))
        ):
            counts[row[0]] = row[1]
    rows = [{"campaign": c, "needs": counts.get(c.pk, 0), "tone": STATUS_TONES[c.status]} for c in campaigns]
    return render(request, "strategy/campaign_list.html", {"rows": rows, "runner": runner})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: Request) -> HttpResponse:
    user = _require_runner(request)
    form = CampaignForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=user, **form.cleaned_data)
        except PilotageError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign created, in draft: open it when it is ready."))
            return redirect("strategy:campaign_detail", pk=campaign.pk)
    return render(request, "strategy/campaign_form.html", {"form": form, "campaign": None})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: Request, pk: int) -> HttpResponse:
    user = _require_runner(request)
    campaign = queries.campaign_get(user=user, pk=pk)
    initial = {
        "title": campaign.title,
        "instructions": campaign.instructions,
        "opens_on": campaign.opens_on,
        "closes_on": campaign.closes_on,
        "audience": campaign.audience,
    }
    form = CampaignForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(actor=user, campaign=campaign, **form.cleaned_data)
        except PilotageError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("strategy:campaign_detail", pk=campaign.pk)
    return render(request, "strategy/campaign_form.html", {"form": form, "campaign": campaign})


def _transition_buttons(campaign: NeedsCampaign) -> list[dict[str, str]]:
    labels = {
        "open": _("Open the campaign and invite the managers")
        if campaign.status == NeedsCampaign.Status.DRAFT
        else _("Reopen the campaign"),
        "closed": _("Close the campaign"),
        "arbitrated": _("Mark as arbitrated"),
    }
    return [{"status": s, "label": labels[s]} for s in services.allowed_next(campaign)]


@login_required
@require_GET
def campaign_detail(request: Request, pk: int) -> HttpResponse:
    user = request.user
    campaign = queries.campaign_get(user=user, pk=pk)
    runner = permissions.can_run_campaigns(user)
    context: dict[str, Any] = {
        "campaign": campaign,
        "runner": runner,
        "tone": STATUS_TONES[campaign.status],
        "today": timezone.localdate(),
    }
    if runner:
        needs = queries.need_list(user=user, campaign=campaign)
        context.update(
            {
                "totals": services.need_totals(needs),
                "pending": needs.filter(decision=Need.Decision.PENDING).count(),
                "invited": services.invited_employees(campaign).count(),
                "managers": needs.values("manager_id").distinct().count(),
                "transitions": _transition_buttons(campaign),
                "job": Job.objects.filter(kind=services.invite_job_kind(campaign)).order_by("-created_at").first(),
                "history": history_for(campaign),
            }
        )
    else:
        my_needs = list(queries.need_list(user=user, campaign=campaign).order_by("-created_at"))
        open_now = campaign.status == NeedsCampaign.Status.OPEN and campaign.closes_on >= timezone.localdate()
        context.update(
            {
                "my_needs": [{"need": n, "tone": DECISION_TONES[n.decision]} for n in my_needs],
                "can_submit": open_now and services.is_invited(campaign, user),
                "open_now": open_now,
            }
        )
    return render(request, "strategy/campaign_detail.html", context)


@login_required
@require_POST
def campaign_transition(request: Request, pk: int) -> HttpResponse:
    user = _require_runner(request)
    campaign = queries.campaign_get(user=user, pk=pk)
    try:
        campaign, job = services.campaign_transition(
            actor=user, campaign=campaign, to_status=request.POST.get("to_status", "")
        )
    except ValidationFailed as exc:
        for text in (m for msgs in exc.errors.values() for m in msgs):
            messages.error(request, text)
    else:
        messages.success(
            request, _("The campaign is now %(status)s.") % {"status": campaign.get_status_display().lower()}
        )
        if job is not None:
            messages.info(request, _("The invited managers are being e-mailed; follow the progress below."))
    return redirect("strategy:campaign_detail", pk=campaign.pk)


def _need_form_context(campaign: NeedsCampaign, form: NeedForm, need: Need | None) -> dict[str, Any]:
    return {"campaign": campaign, "form": form, "need": need, "themes": services.campaign_themes(campaign)}


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: Request, pk: int) -> HttpResponse:
    user = request.user
    if not permissions.can_submit_needs(user):
        raise PermissionDenied
    campaign = queries.campaign_get(user=user, pk=pk)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_create(actor=user, campaign=campaign, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except PilotageError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Need submitted. You can change it until the campaign closes."))
            if "another" in request.POST:
                return redirect("strategy:need_create", pk=campaign.pk)
            return redirect("strategy:campaign_detail", pk=campaign.pk)
    return render(request, "strategy/need_form.html", _need_form_context(campaign, form, None))


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: Request, pk: int) -> HttpResponse:
    user = request.user
    need = queries.need_get(user=user, pk=pk)
    campaign = need.campaign
    initial = {f: getattr(need, f) for f in services.NEED_FIELDS}
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(actor=user, need=need, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except PilotageError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Need saved."))
            fallback = (
                reverse("strategy:campaign_arbitrate", args=[campaign.pk])
                if permissions.can_run_campaigns(user)
                else reverse("strategy:campaign_detail", args=[campaign.pk])
            )
            return HttpResponseRedirect(_safe_next(request, fallback))
    context = _need_form_context(campaign, form, need)
    context["next"] = _safe_next(request, "")
    return render(request, "strategy/need_form.html", context)


# --- consolidation and arbitration --------------------------------------------------------------


def _row(need: Need, form: DecisionForm | None = None) -> dict[str, Any]:
    return {
        "need": need,
        "tone": DECISION_TONES[need.decision],
        "form": form
        or DecisionForm(initial={"decision": need.decision, "note": need.decision_note}, prefix=f"n{need.pk}"),
        "request": getattr(need, "request", None) if _has_request(need) else None,
    }


def _has_request(need: Need) -> bool:
    try:
        return need.request is not None
    except Need.request.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


@login_required
@require_GET
def campaign_arbitrate(request: Request, pk: int) -> HttpResponse:
    user = _require_runner(request)
    campaign = queries.campaign_get(user=user, pk=pk)
    all_needs = queries.need_list(user=user, campaign=campaign).select_related("request", "decided_by")
    needs, filters = services.need_filter(all_needs, request.GET)
    page = Paginator(needs.order_by("theme", "org_unit__name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    unit_ids = all_needs.exclude(org_unit=None).values_list("org_unit_id", flat=True).distinct()
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "campaign": campaign,
        "rows": [_row(n) for n in page.object_list],
        "page": page,
        "filters": filters,
        "query": params.urlencode(),
        "totals": services.need_totals(needs),
        "themes": services.campaign_themes(campaign),
        "org_units": OrgUnit.objects.filter(pk__in=unit_ids).order_by("path"),
        "priorities": Need.Priority.choices,
        "decisions": Need.Decision.choices,
        "can_decide": campaign.status == NeedsCampaign.Status.CLOSED,
        "next": request.get_full_path(),
    }
    if request.htmx and request.htmx.target == "arbitrate-results":
        return render(request, "strategy/campaign_arbitrate.html#results", context)
    return render(request, "strategy/campaign_arbitrate.html", context)


@login_required
@require_POST
def need_decide(request: Request, pk: int) -> HttpResponse:
    user = _require_runner(request)
    need = queries.need_get(user=user, pk=pk)
    form = DecisionForm(request.POST, prefix=f"n{need.pk}")
    created = None
    if form.is_valid():
        try:
            need, created = services.need_decide(
                actor=user,
                need=need,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                create_request=form.cleaned_data["create_request"],
            )
        except PilotageError as exc:
            add_service_errors(form, exc)
    ok = form.is_bound and not form.errors
    if request.htmx:
        need = queries.need_list(user=user).select_related("request", "decided_by").get(pk=need.pk)
        context = {
            "campaign": need.campaign,
            "row": _row(need, None if ok else form),
            "can_decide": need.campaign.status == NeedsCampaign.Status.CLOSED,
            "next": _safe_next(request, reverse("strategy:campaign_arbitrate", args=[need.campaign_id])),
            "saved": ok,
        }
        return render(request, "strategy/campaign_arbitrate.html#need_row", context)
    if ok:
        text = _("Decision saved for “%(title)s”.") % {"title": need.title}
        if created is not None:
            text += " " + _("Request %(ref)s created.") % {"ref": created.reference}
        messages.success(request, text)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{need.title}: {error}" if field == "__all__" else f"{need.title} — {error}")
    return HttpResponseRedirect(_safe_next(request, reverse("strategy:campaign_arbitrate", args=[need.campaign_id])))


# --- export ---------------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_export(request: Request, pk: int) -> HttpResponse:
    """The consolidated table (with the page's filters) and the totals per theme, as XLSX."""
    from openpyxl import Workbook

    user = _require_runner(request)
    campaign = queries.campaign_get(user=user, pk=pk)
    needs, _filters = services.need_filter(
        queries.need_list(user=user, campaign=campaign).select_related("request", "decided_by"), request.GET
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Needs")[:31]
    ws.append(
        [
            _("Need"),
            _("Description"),
            _("Theme"),
            _("Org unit"),
            _("Manager"),
            _("People concerned"),
            _("Priority"),
            _("Wished quarter"),
            _("Estimated cost (€)"),
            _("Decision"),
            _("Decision note"),
            _("Request"),
            _("Submitted on"),
        ]
    )
    for need in needs.order_by("theme", "org_unit__name", "pk").iterator(chunk_size=500):
        ws.append(
            [
                safe_cell(need.title),
                safe_cell(need.description),
                safe_cell(need.theme),
                safe_cell(str(need.org_unit) if need.org_unit else ""),
                safe_cell(need.manager.get_full_name() or need.manager.email),
                need.headcount,
                safe_cell(str(need.get_priority_display())),
                safe_cell(need.wished_quarter),
                float(need.estimated_cost) if need.estimated_cost is not None else None,
                safe_cell(str(need.get_decision_display())),
                safe_cell(need.decision_note),
                safe_cell(need.request.reference) if _has_request(need) else "",
                timezone.localtime(need.created_at).date(),
            ]
        )
    totals = services.need_totals(needs)
    sheet = wb.create_sheet(_("Totals by theme")[:31])
    sheet.append([_("Theme"), _("Needs"), _("People concerned"), _("Estimated cost (€)")])
    for row in totals["by_theme"]:
        sheet.append([safe_cell(row["theme"] or _("(no theme)")), row["needs"], row["people"], float(row["cost"])])
    overall = totals["overall"]
    sheet.append([_("Total"), overall["needs"], overall["people"], float(overall["cost"])])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"needs-campaign-{campaign.pk}-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
