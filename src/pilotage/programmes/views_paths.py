"""Learning path pages: create/edit/delete a path, its steps (typed, ordered, with prerequisites),
reorder them (drag and drop, or "move up"/"move down" by keyboard), and the learner preview at
phone size.

Reading a path: the L&D team and the programme's sponsor (read only). Writing: the L&D team
(``queries.path_for_design`` answers 403 to a sponsor, 404 out of scope).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, add_service_errors, error_text
from pilotage.people.models import Language
from pilotage.programmes import paths, permissions, queries, services_paths
from pilotage.programmes.forms_paths import PathForm, StepForm
from pilotage.programmes.models import LearningPath, PathStep, Programme


def programme_url(programme: Programme) -> str:
    """The programme's page, when its part of the app is there (built in parallel)."""
    try:
        return reverse("programmes:programme_detail", args=[programme.pk])
    except NoReverseMatch:
        return ""


def _detail_url(path: LearningPath) -> str:
    return reverse("programmes:path_detail", args=[path.pk])


def path_outline(path: LearningPath) -> dict[str, Any]:
    """Steps in order with what the pages show: number, prerequisites by number, lock state,
    totals, the completion rule in words and the warnings."""
    steps = list(queries.path_steps(path=path))
    infos = paths.step_infos(steps)
    number = {s.pk: i for i, s in enumerate(steps, start=1)}
    locked = paths.locked_step_ids(infos)
    rows = []
    for i, step in enumerate(steps, start=1):
        pres = sorted(((number[p.pk], p.title) for p in step.prerequisites.all()), key=lambda t: t[0])
        rows.append(
            {
                "step": step,
                "number": i,
                "first": i == 1,
                "last": i == len(steps),
                "prerequisites": [{"number": n, "title": t} for n, t in pres],
                "late_prerequisite": any(n > i for n, _t in pres),
                "locked": step.pk in locked,
                "duration": paths.duration_text(step.duration_minutes),
            }
        )
    totals = paths.totals(infos)
    return {
        "rows": rows,
        "totals": totals,
        "total_duration": paths.duration_text(totals.duration_minutes),
        "mandatory_duration": paths.duration_text(totals.mandatory_minutes),
        "rule_text": paths.completion_rule_text(
            path.completion_rule,
            count=path.completion_count,
            min_score=path.completion_min_score,
            total_steps=totals.steps,
        ),
        "order_warnings": paths.order_warnings(infos),
        "rule_warnings": paths.rule_warnings(path.completion_rule, infos),
        "path_iri": paths.path_iri(path.uid),
    }


def _detail_context(request: Request, path: LearningPath, **extra: Any) -> dict[str, Any]:
    return {
        "path": path,
        "programme": path.programme,
        "programme_url": programme_url(path.programme),
        "language_label": dict(Language.choices).get(path.language, path.language),
        "can_design": permissions.can_design(request.user),
        **path_outline(path),
        **extra,
    }


@login_required
def path_detail(request: Request, pk: int) -> HttpResponse:
    path = queries.path_get(user=request.user, pk=pk)
    context = _detail_context(request, path, history=history_for(path, limit=20))
    if request.htmx and request.htmx.target == "path-steps":
        return render(request, "programmes/path_detail.html#steps", context)
    return render(request, "programmes/path_detail.html", context)


@login_required
def path_preview(request: Request, pk: int) -> HttpResponse:
    """The path as a learner sees it on a phone: steps in order, durations, mandatory badges,
    steps locked behind their prerequisites."""
    path = queries.path_get(user=request.user, pk=pk)
    return render(request, "programmes/path_preview.html", _detail_context(request, path))


def _path_form_page(request: Request, programme: Programme, path: LearningPath | None) -> HttpResponse:
    if request.method == "POST":
        form = PathForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if path is None:
                    path = services_paths.path_create(actor=request.user, programme=programme, **data)
                    messages.success(request, _("Path created: now add its steps."))
                else:
                    path = services_paths.path_update(actor=request.user, path=path, **data)
                    messages.success(request, _("Path saved."))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                return redirect(_detail_url(path))
    else:
        form = PathForm(initial=PathForm.initial_for(path) if path else None)
    context = {"form": form, "programme": programme, "path": path, "programme_url": programme_url(programme)}
    return render(request, "programmes/path_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def path_create(request: Request, programme_pk: int) -> HttpResponse:
    programme = queries.programme_for_design(user=request.user, pk=programme_pk)
    return _path_form_page(request, programme, None)


@login_required
@require_http_methods(["GET", "POST"])
def path_edit(request: Request, pk: int) -> HttpResponse:
    path = queries.path_for_design(user=request.user, pk=pk)
    return _path_form_page(request, path.programme, path)


@login_required
@require_http_methods(["GET", "POST"])
def path_delete(request: Request, pk: int) -> HttpResponse:
    path = queries.path_for_design(user=request.user, pk=pk)
    programme = path.programme
    if request.method == "POST":
        services_paths.path_delete(actor=request.user, path=path)
        messages.success(request, _("Path “%(title)s” deleted.") % {"title": path.title})
        return redirect(programme_url(programme) or reverse("home"))
    return render(
        request,
        "programmes/path_delete.html",
        {"path": path, "programme": programme, "step_count": path.steps.count()},
    )


# --- reordering --------------------------------------------------------------------------------------


def _steps_response(
    request: Request, path: LearningPath, *, moved: PathStep | None, direction: str = ""
) -> HttpResponse:
    """After a move: htmx gets the steps region (focus kept on the moved step's button, the
    move announced to screen readers); a plain form post goes back to the page."""
    announcement = ""
    if moved is not None:
        moved.refresh_from_db(fields=["position"])
        total = path.steps.count()
        announcement = _("“%(title)s” is now step %(n)d of %(m)d.") % {
            "title": moved.title,
            "n": moved.position,
            "m": total,
        }
    if request.htmx:
        context = _detail_context(
            request,
            path,
            announcement=announcement,
            moved_id=moved.pk if moved else None,
            moved_direction=direction,
        )
        return render(request, "programmes/path_detail.html#steps", context)
    if announcement:
        messages.success(request, announcement)
    return redirect(f"{_detail_url(path)}#step-{moved.pk}" if moved else _detail_url(path))


@login_required
@require_POST
def step_move(request: Request, pk: int, direction: str) -> HttpResponse:
    if direction not in ("up", "down"):
        raise Http404
    step = queries.step_for_design(user=request.user, pk=pk)
    services_paths.step_move(actor=request.user, step=step, direction=direction)
    return _steps_response(request, step.path, moved=step, direction=direction)


@login_required
@require_POST
def path_reorder(request: Request, pk: int) -> HttpResponse:
    """The whole new order (``step`` repeated, in order), sent by the drag and drop script.
    ``moved`` (optional) names the step that was dragged, for the announcement."""
    path = queries.path_for_design(user=request.user, pk=pk)
    try:
        services_paths.path_reorder(actor=request.user, path=path, step_ids=request.POST.getlist("step"))
    except ValidationFailed as exc:
        if request.htmx:
            context = _detail_context(request, path, announcement=error_text(exc), reorder_error=error_text(exc))
            # 200, like an invalid form: htmx swaps it in and the message is read out.
            return render(request, "programmes/path_detail.html#steps", context)
        messages.error(request, error_text(exc))
        return redirect(_detail_url(path))
    moved_raw = request.POST.get("moved", "")
    moved = path.steps.filter(pk=int(moved_raw)).first() if moved_raw.isdigit() else None
    return _steps_response(request, path, moved=moved)


# --- steps -----------------------------------------------------------------------------------------------


def _step_form_page(request: Request, path: LearningPath, step: PathStep | None) -> HttpResponse:
    if request.method == "POST":
        form = StepForm(request.POST, path=path, step=step)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if step is None:
                    step = services_paths.step_create(actor=request.user, path=path, **data)
                    messages.success(request, _("Step “%(title)s” added.") % {"title": step.title})
                else:
                    step = services_paths.step_update(actor=request.user, step=step, **data)
                    messages.success(request, _("Step “%(title)s” saved.") % {"title": step.title})
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                if request.POST.get("then") == "another":
                    return redirect("programmes:step_create", path_pk=path.pk)
                return redirect(f"{_detail_url(path)}#step-{step.pk}")
    else:
        form = StepForm(initial=StepForm.initial_for(step) if step else None, path=path, step=step)
    context = {
        "form": form,
        "path": path,
        "step": step,
        "programme": path.programme,
        "programme_url": programme_url(path.programme),
        "url_kinds": sorted(paths.URL_REQUIRED_KINDS),
    }
    return render(request, "programmes/step_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def step_create(request: Request, path_pk: int) -> HttpResponse:
    path = queries.path_for_design(user=request.user, pk=path_pk)
    return _step_form_page(request, path, None)


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request: Request, pk: int) -> HttpResponse:
    step = queries.step_for_design(user=request.user, pk=pk)
    return _step_form_page(request, step.path, step)


@login_required
@require_http_methods(["GET", "POST"])
def step_delete(request: Request, pk: int) -> HttpResponse:
    step = queries.step_for_design(user=request.user, pk=pk)
    path = step.path
    error = ""
    if request.method == "POST":
        try:
            services_paths.step_delete(actor=request.user, step=step)
        except ValidationFailed as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("Step “%(title)s” deleted.") % {"title": step.title})
            return redirect(_detail_url(path))
    context = {
        "step": step,
        "path": path,
        "error": error,
        "required_by": list(step.unlocks.order_by("position").values_list("title", flat=True)),
    }
    return render(request, "programmes/step_delete.html", context)
