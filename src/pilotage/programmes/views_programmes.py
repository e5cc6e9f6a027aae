"""Programme pages: list with filters, create, detail (lifecycle, history, headcount), edit,
lifecycle moves, the live headcount fragment, and accepting a request into a programme.

Internal clients read the programmes they sponsor; every write is the L&D team's (403 for a
sponsor, 404 for anyone else's programme).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import PilotageError, ValidationFailed
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors
from pilotage.people import queries as people_queries
from pilotage.programmes import permissions, queries
from pilotage.programmes import services_programmes as services
from pilotage.programmes.forms_programmes import (
    FromRequestForm,
    ProgrammeForm,
    TransitionForm,
    competencies_from,
    competency_formset,
    owner_choices,
)
from pilotage.programmes.models import Programme
from pilotage.strategy import queries as strategy_queries
from pilotage.strategy.models import TrainingRequest
from pilotage.strategy.workflow import allowed_next

STATUS_TONES: dict[str, str] = {
    Programme.Status.IDEA: "neutral",
    Programme.Status.DESIGN: "warn",
    Programme.Status.PRODUCTION: "warn",
    Programme.Status.DEPLOYMENT: "ok",
    Programme.Status.RUNNING: "ok",
    Programme.Status.CLOSED: "neutral",
}


def _status_label(value: str) -> str:
    return str(Programme.Status(value).label) if value in Programme.Status.values else value


def _require_designer(request: Request) -> Any:
    if not permissions.can_design(request.user):
        raise PermissionDenied
    return request.user


def _filters(request: Request) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in ("status", "objective", "owner", "q")}


def _objective_choices(user: Any) -> Any:
    try:
        return strategy_queries.objective_list(user=user)
    except PermissionDenied:
        return []


@login_required
def programme_list(request: Request) -> HttpResponse:
    user = request.user
    qs = queries.programme_search(user=user, params=request.GET)
    table = Table(
        request,
        qs,
        [
            Column(
                "code",
                gettext_lazy("Code"),
                lambda p: p.code,
                "code",
                url=lambda p: reverse("programmes:programme_detail", args=[p.pk]),
            ),
            Column("title", gettext_lazy("Title"), lambda p: p.title, "title"),
            Column("status", gettext_lazy("Status"), lambda p: p.get_status_display(), "status"),
            Column("owner", gettext_lazy("Owner"), lambda p: p.owner or "—", "owner__display_name"),
            Column("sponsor", gettext_lazy("Sponsor"), lambda p: p.sponsor or "—", "sponsor__display_name"),
            Column("start", gettext_lazy("Planned start"), lambda p: p.planned_start or "—", "planned_start"),
            Column("end", gettext_lazy("Planned end"), lambda p: p.planned_end or "—", "planned_end"),
        ],
        dom_id="programme-table",
        caption=gettext_lazy("Programmes"),
        empty_text=gettext_lazy("No programme matches these filters."),
        per_page=50,
        default_sort="code",
    )
    context = {
        "table": table,
        "filters": _filters(request),
        "statuses": Programme.Status.choices,
        "objectives": _objective_choices(user),
        "owners": owner_choices(),
        "can_design": permissions.can_design(user),
    }
    if request.htmx:
        return render(request, "programmes/programme_list.html#results", context)
    return render(request, "programmes/programme_list.html", context)


def _service_fields(form: ProgrammeForm, formset: Any) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["competencies"] = competencies_from(formset)
    return data


def _headcount_for(form: ProgrammeForm, programme: Programme | None) -> dict[str, Any]:
    """Live headcount of the audiences chosen in the form (posted or saved)."""
    if form.is_bound:
        field: Any = form.fields["audiences"]
        data: Any = form.data
        ids = [v for v in data.getlist(form.add_prefix("audiences")) if str(v).isdigit()]
        audiences = list(field.queryset.filter(pk__in=ids))
    elif programme is not None:
        audiences = list(programme.audiences.all())
    else:
        initial_ids = [getattr(a, "pk", a) for a in form.initial.get("audiences") or []]
        field = form.fields["audiences"]
        audiences = list(field.queryset.filter(pk__in=initial_ids)) if initial_ids else []  # type: ignore[attr-defined]
    return services.audiences_headcount(audiences)


def _form_page(
    request: Request, *, form: ProgrammeForm, formset: Any, programme: Programme | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "formset": formset,
        "programme": programme,
        "headcount": _headcount_for(form, programme),
    }
    return render(request, "programmes/programme_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: Request) -> HttpResponse:
    user = _require_designer(request)
    if request.method == "POST":
        form = ProgrammeForm(request.POST, user=user)
        formset = competency_formset(request.POST)
        if request.POST.get("action") == "headcount":  # no-JS fallback of the live headcount
            return _form_page(request, form=form, formset=formset, programme=None)
        if form.is_valid() and formset.is_valid():
            try:
                programme = services.programme_create(actor=user, **_service_fields(form, formset))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Programme %(code)s created.") % {"code": programme.code})
                return redirect("programmes:programme_detail", pk=programme.pk)
        return _form_page(request, form=form, formset=formset, programme=None)
    initial = {"owner": user.pk}
    objective = request.GET.get("objective", "")
    if objective.isdigit():
        initial["objectives"] = [int(objective)]
    form = ProgrammeForm(user=user, initial=initial)
    return _form_page(request, form=form, formset=competency_formset(), programme=None)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: Request, pk: int) -> HttpResponse:
    user = request.user
    programme = queries.programme_for_design(user=user, pk=pk)
    if request.method == "POST":
        form = ProgrammeForm(request.POST, user=user, programme=programme)
        formset = competency_formset(request.POST, programme)
        if request.POST.get("action") == "headcount":
            return _form_page(request, form=form, formset=formset, programme=programme)
        if form.is_valid() and formset.is_valid():
            try:
                services.programme_update(actor=user, programme=programme, **_service_fields(form, formset))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Programme saved."))
                return redirect("programmes:programme_detail", pk=programme.pk)
        return _form_page(request, form=form, formset=formset, programme=programme)
    form = ProgrammeForm(user=user, programme=programme, initial=ProgrammeForm.initial_for(programme))
    return _form_page(request, form=form, formset=competency_formset(None, programme), programme=programme)


@login_required
def programme_detail(request: Request, pk: int) -> HttpResponse:
    user = request.user
    programme = queries.programme_get(user=user, pk=pk)
    can_design = permissions.can_design(user)
    context = {
        "programme": programme,
        "tone": STATUS_TONES.get(programme.status, "neutral"),
        "can_design": can_design,
        "moves": services.allowed_moves(programme) if can_design else [],
        "transition_form": TransitionForm(),
        "headcount": services.audiences_headcount(programme.audiences.all()),
        "objectives": programme.objectives.all(),
        "requests": programme.requests.all() if can_design else programme.requests.filter(requester=user),
        "competencies": programme.competencies.select_related("skill__domain", "target_level"),
        "learning_objectives": [x for x in programme.learning_objectives.splitlines() if x.strip()],
        "transitions": [
            {
                "at": t.at,
                "by": t.by,
                "note": t.note,
                "from": _status_label(t.from_status),
                "to": _status_label(t.to_status),
            }
            for t in programme.transitions.select_related("by__employee")
        ],
        "abandoned": services.was_abandoned(programme),
        "history": history_for(programme) if can_design else [],
        "statuses": [
            {"value": v, "label": label, "done": v == programme.status} for v, label in Programme.Status.choices
        ],
    }
    return render(request, "programmes/programme_detail.html", context)


@login_required
@require_POST
def programme_transition(request: Request, pk: int) -> HttpResponse:
    user = request.user
    programme = queries.programme_for_design(user=user, pk=pk)
    form = TransitionForm(request.POST)
    url = reverse("programmes:programme_detail", args=[programme.pk])
    if not form.is_valid():
        messages.error(request, _("Choose the status to move the programme to."))
        return HttpResponseRedirect(url)
    try:
        services.programme_transition(
            actor=user, programme=programme, to_status=form.cleaned_data["to_status"], note=form.cleaned_data["note"]
        )
    except ValidationFailed as exc:
        for field_messages in exc.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        label = Programme.Status(form.cleaned_data["to_status"]).label
        messages.success(request, _("Programme moved to %(status)s.") % {"status": label})
    return HttpResponseRedirect(url)


@login_required
def programme_headcount(request: Request) -> HttpResponse:
    """Live headcount of ``?audiences=<id>&audiences=<id>``: the fragment the programme form
    swaps in when its audiences change (and a small page without JavaScript)."""
    user = _require_designer(request)
    # The form may be prefixed ("new-audiences" on the accept-a-request page).
    ids = [
        v for key in request.GET if key.split("-")[-1] == "audiences" for v in request.GET.getlist(key) if v.isdigit()
    ]
    audiences = people_queries.audience_list(user=user).filter(pk__in=ids)
    context = {"headcount": services.audiences_headcount(audiences)}
    if request.htmx:
        return render(request, "programmes/programme_headcount.html#count", context)
    return render(request, "programmes/programme_headcount.html", context)


# --- accepting a request -----------------------------------------------------------------------------


def _new_programme_form(request: Request, user: Any, training_request: TrainingRequest) -> ProgrammeForm:
    if request.method == "POST":
        return ProgrammeForm(request.POST, user=user, prefix="new")
    initial = services.initial_from_request(training_request)
    initial["owner"] = user.pk
    for name in ("audiences", "objectives"):
        initial[name] = [o.pk for o in initial[name]]
    initial["sponsor"] = initial["sponsor"].pk if initial["sponsor"] else None
    return ProgrammeForm(user=user, prefix="new", initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def from_request(request: Request, request_pk: int) -> HttpResponse:
    """Accept a training request into an existing programme or a new one pre-filled from it."""
    user = _require_designer(request)
    training_request = strategy_queries.request_get(user=user, pk=request_pk)
    acceptable = TrainingRequest.Status.ACCEPTED in allowed_next(training_request)
    form = FromRequestForm(request.POST or None, user=user)
    new_form = _new_programme_form(request, user, training_request)
    if request.method == "POST":
        mode = request.POST.get("mode")
        new_ok = mode != FromRequestForm.MODE_NEW or new_form.is_valid()
        if form.is_valid() and new_ok:
            try:
                if mode == FromRequestForm.MODE_NEW:
                    fields = dict(new_form.cleaned_data)
                    programme = services.programme_accept_request(
                        actor=user,
                        request=training_request,
                        reason=form.cleaned_data["reason"],
                        new_programme=fields,
                    )
                else:
                    programme = services.programme_accept_request(
                        actor=user,
                        request=training_request,
                        reason=form.cleaned_data["reason"],
                        programme=form.cleaned_data["programme"],
                    )
            except PilotageError as exc:
                target = new_form if set(getattr(exc, "errors", {})) & set(new_form.fields) else form
                add_service_errors(target, exc)
            else:
                messages.success(
                    request,
                    _("%(ref)s accepted into %(code)s; the requester is told by e-mail.")
                    % {"ref": training_request.reference, "code": programme.code},
                )
                return redirect("programmes:programme_detail", pk=programme.pk)
    context = {
        "training_request": training_request,
        "acceptable": acceptable,
        "form": form,
        "new_form": new_form,
        "headcount": _headcount_for(new_form, None),
    }
    return render(request, "programmes/from_request.html", context)
