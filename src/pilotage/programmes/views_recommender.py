"""Pages of the modality recommender: a programme's inputs, runs and choice; the versioned
rule base (read by the L&D team, edited by the DLM on a draft); the modality catalogue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import PilotageError
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request
from pilotage.programmes import permissions, queries
from pilotage.programmes import services_recommender as services
from pilotage.programmes.forms_recommender import (
    ChooseForm,
    DraftForm,
    InputsForm,
    ModalityForm,
    PreviewForm,
    PublishForm,
    RuleForm,
    add_path_errors,
)
from pilotage.programmes.models import Modality, Programme, Recommendation, RuleSet
from pilotage.programmes.recommender import Ranked, describe_condition, summarise


def _error(exc: PilotageError) -> str:
    return str(exc.message)


# --- ranked modalities for templates ------------------------------------------------------------


def ranking_rows(ranked: list[Ranked], modalities: dict[str, Modality]) -> dict[str, Any]:
    """What ``programmes/recommendation_ranking.html`` shows: names, scores, bars, reasons."""
    scores = [r.score for r in ranked] or [0]
    low, high = min(0, *scores), max(1, *scores)
    rows = []
    for index, r in enumerate(ranked):
        modality = modalities.get(r.modality)
        rows.append(
            {
                "rank": index + 1,
                "key": r.modality,
                "name": modality.name if modality else r.modality,
                "description": modality.description if modality else "",
                "score": r.score,
                "base": r.base_score,
                "fired": [{"points": f.points, "text": f.explanation, "rule": f.rule} for f in r.fired],
                "is_top": index == 0,
            }
        )
    return {"rows": rows, "low": low, "high": high}


def _recommendation_context(recommendation: Recommendation | None) -> dict[str, Any]:
    if recommendation is None:
        return {"recommendation": None}
    ranked = services.ranked_of(recommendation)
    modalities = services.modalities_by_key()
    return {
        "recommendation": recommendation,
        "ranking": ranking_rows(ranked, modalities),
        "summary": services.recommendation_summary(recommendation),
        "top_key": services.top_modality_key(recommendation),
    }


# --- a programme's recommender page -------------------------------------------------------------


def _recommend_context(
    request: Request,
    programme: Programme,
    *,
    form: InputsForm | None = None,
    choose_form: ChooseForm | None = None,
    run: Recommendation | None = None,
) -> dict[str, Any]:
    user = request.user
    can_design = permissions.can_design(user)
    state = services.programme_inputs(programme)
    runs = list(queries.recommendation_list(user=user, programme=programme)[:30])
    if run is None:
        wanted = request.GET.get("run", "")
        run = next((r for r in runs if str(r.pk) == wanted), runs[0] if runs else None)
    context = _recommendation_context(run)
    if form is None:
        form = InputsForm(
            initial=InputsForm.initial_from(state.values.to_dict()),
            sources=state.sources,
            edited=state.edited,
            derived=state.derived,
        )
    if choose_form is None and run is not None:
        chosen = run.chosen_modality.key if run.chosen_modality else context["top_key"]
        choose_form = ChooseForm(initial={"modality": chosen, "override_reason": run.override_reason})
    names = services.modality_names()
    context.update(
        programme=programme,
        can_design=can_design,
        form=form,
        state=state,
        edited=sorted(state.edited),
        choose_form=choose_form,
        published=services.published_ruleset(),
        runs=[
            {
                "run": r,
                "top": names.get(services.top_modality_key(r) or "", "—"),
                "chosen": r.chosen_modality.name if r.chosen_modality else "",
                "is_override": bool(r.chosen_modality and r.chosen_modality.key != services.top_modality_key(r)),
            }
            for r in runs
        ],
    )
    return context


@login_required
@require_http_methods(["GET", "POST"])
def programme_recommend(request: Request, pk: int) -> HttpResponse:
    """The inputs (derived or edited), "run", the ranked modalities with their reasons, the
    choice and the history of runs. A sponsor reads it; the L&D team acts."""
    if request.method == "GET":
        programme = queries.programme_get(user=request.user, pk=pk)
        context = _recommend_context(request, programme)
        if request.htmx and request.htmx.target == "results":
            return render(request, "programmes/recommend.html#results", context)
        return render(request, "programmes/recommend.html", context)

    programme = queries.programme_for_design(user=request.user, pk=pk)
    action = request.POST.get("action", "run")
    if action == "reset":
        services.programme_inputs_save(actor=request.user, programme=programme, values={})
        messages.success(request, _("Every input follows the programme again (derived values)."))
        return redirect("programmes:programme_recommend", pk=programme.pk)
    state = services.programme_inputs(programme)
    form = InputsForm(request.POST, sources=state.sources, edited=state.edited, derived=state.derived)
    if form.is_valid():
        try:
            services.programme_inputs_save(actor=request.user, programme=programme, values=form.values())
            if action == "save":
                messages.success(request, _("Inputs saved."))
                return redirect("programmes:programme_recommend", pk=programme.pk)
            run = services.recommendation_run(actor=request.user, programme=programme)
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(
                request,
                _("Recommendation computed with rules v%(version)s.") % {"version": run.ruleset.version},
            )
            return redirect(reverse("programmes:programme_recommend", args=[programme.pk]) + f"?run={run.pk}#results")
    return render(request, "programmes/recommend.html", _recommend_context(request, programme, form=form))


@login_required
@require_POST
def recommendation_choose(request: Request, pk: int) -> HttpResponse:
    """Record the modality chosen on one run; another than the top needs a reason."""
    recommendation = queries.recommendation_get(user=request.user, pk=pk)
    if not permissions.can_design(request.user):
        raise PermissionDenied
    programme = recommendation.programme
    form = ChooseForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_choose(
                actor=request.user,
                recommendation=recommendation,
                modality=form.cleaned_data["modality"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(
                request,
                _("“%(modality)s” is the programme's modality.") % {"modality": form.cleaned_data["modality"].name},
            )
            url = reverse("programmes:programme_recommend", args=[programme.pk])
            return redirect(f"{url}?run={recommendation.pk}#choice")
    context = _recommend_context(request, programme, choose_form=form, run=recommendation)
    return render(request, "programmes/recommend.html", context)


# --- the modality catalogue ---------------------------------------------------------------------


@login_required
def modality_list(request: Request) -> HttpResponse:
    modalities = queries.modality_list(user=request.user)
    table = Table(
        request,
        modalities,
        [
            Column(
                "name",
                gettext_lazy("Modality"),
                lambda m: m.name,
                url=lambda m: reverse("programmes:modality_edit", args=[m.pk]),
            ),
            Column("key", gettext_lazy("Key"), lambda m: m.key, "key"),
            Column("description", gettext_lazy("Description"), lambda m: m.description),
            Column("base", gettext_lazy("Base score"), lambda m: m.base_score, "base_score"),
            Column("position", gettext_lazy("Position"), lambda m: m.position, "position"),
            Column("active", gettext_lazy("Active"), lambda m: _("Yes") if m.active else _("No"), "active"),
        ],
        dom_id="modality-table",
        caption=gettext_lazy("Modality catalogue"),
        empty_text=gettext_lazy("The catalogue is empty."),
        per_page=100,
    )
    if request.htmx and request.htmx.target == "modality-table":
        return render(request, "programmes/modality_list.html#results", {"table": table})
    return render(request, "programmes/modality_list.html", {"table": table})


@login_required
@require_http_methods(["GET", "POST"])
def modality_create(request: Request) -> HttpResponse:
    queries.modality_list(user=request.user)  # 403 for roles outside the L&D team
    form = ModalityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            modality = services.modality_create(actor=request.user, **form.cleaned_data)
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(request, _("Modality “%(name)s” added.") % {"name": modality.name})
            return redirect("programmes:modality_list")
    return render(request, "programmes/modality_form.html", {"form": form, "modality": None})


@login_required
@require_http_methods(["GET", "POST"])
def modality_edit(request: Request, pk: int) -> HttpResponse:
    modality = queries.modality_get(user=request.user, pk=pk)
    initial = {f: getattr(modality, f) for f in services.MODALITY_FIELDS}
    form = ModalityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.modality_update(actor=request.user, modality=modality, **form.cleaned_data)
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(request, _("Modality saved."))
            return redirect("programmes:modality_list")
    context = {"form": form, "modality": modality, "history": history_for(modality)}
    return render(request, "programmes/modality_form.html", context)


# --- the rule base ----------------------------------------------------------------------------------


@login_required
def ruleset_list(request: Request) -> HttpResponse:
    versions = list(queries.ruleset_list(user=request.user))
    context = {
        "versions": versions,
        "draft": next((v for v in versions if v.status == RuleSet.Status.DRAFT), None),
        "can_edit": permissions.can_edit_rules(request.user),
        "draft_form": DraftForm(),
    }
    return render(request, "programmes/ruleset_list.html", context)


def _rule_rows(ruleset: RuleSet, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for rule in ruleset.rules.order_by("position", "id"):
        effects = sorted((rule.effects or {}).items(), key=lambda kv: -kv[1])
        rows.append(
            {
                "rule": rule,
                "condition": describe_condition(rule.condition),
                "effects": [{"name": names.get(k, k), "points": v, "positive": v > 0} for k, v in effects],
            }
        )
    return rows


@login_required
def ruleset_detail(request: Request, pk: int) -> HttpResponse:
    ruleset = queries.ruleset_get(user=request.user, pk=pk)
    can_edit = permissions.can_edit_rules(request.user) and ruleset.status == RuleSet.Status.DRAFT
    programmes = queries.programme_list(user=request.user).order_by("title")
    context = {
        "ruleset": ruleset,
        "rows": _rule_rows(ruleset, services.modality_names()),
        "can_edit": can_edit,
        "preview_form": PreviewForm(programmes=programmes),
        "has_programmes": programmes.exists(),
        "history": history_for(ruleset),
    }
    return render(request, "programmes/ruleset_detail.html", context)


@login_required
@require_POST
def ruleset_draft(request: Request) -> HttpResponse:
    """Create the draft: a copy of the published version."""
    queries.ruleset_list(user=request.user)
    if not permissions.can_edit_rules(request.user):
        raise PermissionDenied
    form = DraftForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        draft = services.ruleset_draft_create(actor=request.user, note=note)
    except PilotageError as exc:
        messages.error(request, _error(exc))
        return redirect("programmes:ruleset_list")
    messages.success(request, _("Draft v%(version)s created from the published rules.") % {"version": draft.version})
    return redirect("programmes:ruleset_detail", pk=draft.pk)


def _draft_or_redirect(request: Request, ruleset: RuleSet) -> HttpResponse | None:
    if ruleset.status != RuleSet.Status.DRAFT:
        messages.error(
            request,
            _("v%(version)s is not a draft: its rules are frozen. Create a draft to change them.")
            % {"version": ruleset.version},
        )
        return redirect("programmes:ruleset_detail", pk=ruleset.pk)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: Request, pk: int) -> HttpResponse:
    ruleset = queries.ruleset_for_edit(user=request.user, pk=pk)
    if (refused := _draft_or_redirect(request, ruleset)) is not None:
        return refused
    form = RuleForm(
        request.POST or None,
        initial={"condition": '{"all": [\n  {"input": "audience_size", "op": ">=", "value": 100}\n]}', "effects": "{}"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_create(actor=request.user, ruleset=ruleset, **form.cleaned_data)
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(request, _("Rule added to v%(version)s.") % {"version": ruleset.version})
            return redirect("programmes:ruleset_detail", pk=ruleset.pk)
    return render(request, "programmes/rule_form.html", _rule_form_context(form, ruleset, None))


def _rule_form_context(form: RuleForm, ruleset: RuleSet, rule: Any) -> dict[str, Any]:
    from pilotage.programmes.recommender import CHOICES, INPUT_KINDS, OPS, input_label

    return {
        "form": form,
        "ruleset": ruleset,
        "rule": rule,
        "inputs": [
            {"name": n, "label": input_label(n), "kind": k, "choices": ", ".join(CHOICES.get(n, ()))}
            for n, k in INPUT_KINDS.items()
        ],
        "ops": OPS,
        "modalities": Modality.objects.all(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: Request, pk: int) -> HttpResponse:
    rule = queries.rule_for_edit(user=request.user, pk=pk)
    if (refused := _draft_or_redirect(request, rule.ruleset)) is not None:
        return refused
    form = RuleForm(request.POST or None, initial=RuleForm.initial_from(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(actor=request.user, rule=rule, **form.cleaned_data)
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(request, _("Rule saved."))
            return redirect(reverse("programmes:ruleset_detail", args=[rule.ruleset_id]) + f"#rule-{rule.pk}")
    context = _rule_form_context(form, rule.ruleset, rule)
    context["history"] = history_for(rule)
    return render(request, "programmes/rule_form.html", context)


@login_required
@require_POST
def rule_move(request: Request, pk: int) -> HttpResponse:
    """Up or down by one place (the keyboard-friendly way to reorder)."""
    rule = queries.rule_for_edit(user=request.user, pk=pk)
    try:
        services.rule_move(actor=request.user, rule=rule, direction=request.POST.get("direction", ""))
    except PilotageError as exc:
        messages.error(request, _error(exc))
    return redirect(reverse("programmes:ruleset_detail", args=[rule.ruleset_id]) + f"#rule-{rule.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_publish(request: Request, pk: int) -> HttpResponse:
    ruleset = queries.ruleset_for_edit(user=request.user, pk=pk)
    if (refused := _draft_or_redirect(request, ruleset)) is not None:
        return refused
    form = PublishForm(request.POST or None, initial={"note": ruleset.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.ruleset_publish(actor=request.user, ruleset=ruleset, note=form.cleaned_data["note"])
        except PilotageError as exc:
            add_path_errors(form, exc)
        else:
            messages.success(request, _("v%(version)s is published: new runs use it.") % {"version": ruleset.version})
            return redirect("programmes:ruleset_detail", pk=ruleset.pk)
    published = services.published_ruleset()
    return render(
        request, "programmes/ruleset_publish.html", {"form": form, "ruleset": ruleset, "published": published}
    )


@login_required
def ruleset_preview(request: Request, pk: int) -> HttpResponse:
    """A version (the draft, usually) tried on a programme, next to the published one."""
    ruleset = queries.ruleset_get(user=request.user, pk=pk)
    programmes = queries.programme_list(user=request.user).order_by("title")
    form = PreviewForm(request.GET or None, programmes=programmes)
    context: dict[str, Any] = {"ruleset": ruleset, "form": form, "preview": None}
    if form.is_valid():
        programme = form.cleaned_data["programme"]
        preview = services.ruleset_preview(ruleset=ruleset, programme=programme)
        modalities = services.modalities_by_key()
        names = {k: m.name for k, m in modalities.items()}
        context.update(
            programme=programme,
            preview=preview,
            draft_ranking=ranking_rows(preview.draft, modalities),
            published_ranking=ranking_rows(preview.published, modalities),
            draft_summary=summarise(preview.inputs, preview.draft, names),
            published_summary=summarise(preview.inputs, preview.published, names) if preview.published else "",
        )
    elif request.GET.get("programme"):
        raise Http404
    if request.htmx and request.htmx.target == "preview":
        return render(request, "programmes/ruleset_preview.html#preview", context)
    return render(request, "programmes/ruleset_preview.html", context)
