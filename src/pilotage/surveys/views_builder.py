"""The survey builder (DLM and L&D team): surveys and templates, their questions (all kinds,
French and English, ordered by keyboard), preview in both languages, publish, copy; and the
dispatch rules of a programme. Everyone else: 403.

The survey list creates the standard hot/cold templates when they are missing
(``services.templates_ensure``, decision 0036): no data migration carries them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.audit import history_for
from pilotage.core.errors import ValidationFailed
from pilotage.core.tables import Column, Table
from pilotage.core.web import Request, add_service_errors, error_text
from pilotage.programmes.models import Programme
from pilotage.surveys import display, queries, services
from pilotage.surveys.forms import CopyForm, QuestionForm, RuleForm, SurveyForm
from pilotage.surveys.models import DispatchRule, Question, Survey


def _survey_url(survey: Survey) -> str:
    return reverse("surveys:survey_detail", args=[survey.pk])


# --- surveys ----------------------------------------------------------------------------------


@login_required
def survey_list(request: Request) -> HttpResponse:
    """Templates first, then the programmes' surveys; filter by kind, status, programme."""
    qs = queries.survey_list(user=request.user)
    if services.templates_missing():
        services.templates_ensure(actor=request.user)
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    if kind in Survey.Kind.values:
        qs = qs.filter(kind=kind)
    if status in Survey.Status.values:
        qs = qs.filter(status=status)
    programme = None
    if request.GET.get("programme", "").isdigit():
        programme = Programme.objects.filter(pk=int(request.GET["programme"])).first()
        qs = qs.filter(programme=programme)
    table = Table(
        request,
        qs.order_by("-is_template", "programme__code", "title_fr"),
        [
            Column(
                "title",
                gettext_lazy("Survey"),
                lambda s: s.title_fr if request.LANGUAGE_CODE == "fr" else s.title_en,
                "title_fr",
                url=_survey_url,
            ),
            Column("kind", gettext_lazy("Kind"), lambda s: s.get_kind_display(), "kind"),
            Column(
                "programme",
                gettext_lazy("Programme"),
                lambda s: _("Template") if s.is_template else (s.programme.code if s.programme else "—"),
                "programme__code",
                url=lambda s: reverse("surveys:programme_surveys", args=[s.programme_id]) if s.programme_id else "",
            ),
            Column("status", gettext_lazy("Status"), lambda s: s.get_status_display(), "status"),
            Column("questions", gettext_lazy("Questions"), lambda s: s.question_count),
            Column("responses", gettext_lazy("Responses"), lambda s: s.response_count),
        ],
        dom_id="surveys-table",
        caption=gettext_lazy("Surveys"),
        empty_text=gettext_lazy("No survey matches these filters."),
    )
    context = {
        "table": table,
        "kinds": Survey.Kind.choices,
        "statuses": Survey.Status.choices,
        "kind": kind,
        "status": status,
        "programmes": Programme.objects.order_by("code").only("pk", "code", "title"),
        "programme": programme,
    }
    if request.htmx and request.htmx.target == "surveys-table":
        return render(request, "surveys/survey_list.html#results", context)
    return render(request, "surveys/survey_list.html", context)


def _titled(request: Request, *surveys: Survey | None) -> None:
    """Give each survey ``display_title`` in the page's language (``other_title``: the other)."""
    language = "en" if request.LANGUAGE_CODE == "en" else "fr"
    other = "fr" if language == "en" else "en"
    for survey in surveys:
        if survey is not None:
            survey.display_title = display.survey_title(survey, language)  # type: ignore[attr-defined]
            survey.other_title = display.survey_title(survey, other)  # type: ignore[attr-defined]


def _survey_form_page(request: Request, survey: Survey | None) -> HttpResponse:
    if request.method == "POST":
        form = SurveyForm(request.POST, survey=survey)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if survey is None:
                    survey = services.survey_create(actor=request.user, **data)
                    messages.success(request, _("Survey created: now add its questions."))
                else:
                    survey = services.survey_update(actor=request.user, survey=survey, **data)
                    messages.success(request, _("Survey saved."))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                return redirect(_survey_url(survey))
    else:
        initial: dict[str, Any] | None = SurveyForm.initial_for(survey) if survey else None
        if survey is None and request.GET.get("programme", "").isdigit():
            initial = {"programme": int(request.GET["programme"])}
        form = SurveyForm(initial=initial, survey=survey)
    _titled(request, survey)
    return render(request, "surveys/survey_form.html", {"form": form, "survey": survey})


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: Request) -> HttpResponse:
    queries.survey_list(user=request.user)  # 403 for anyone but the team
    return _survey_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: Request, pk: int) -> HttpResponse:
    return _survey_form_page(request, queries.survey_for_build(user=request.user, pk=pk))


def _detail_context(request: Request, survey: Survey, **extra: Any) -> dict[str, Any]:
    questions = list(queries.survey_questions(survey=survey))
    language = "en" if request.LANGUAGE_CODE == "en" else "fr"
    _titled(request, survey)
    return {
        "survey": survey,
        "rows": [
            {"view": display.question_view(q, language, n), "first": n == 1, "last": n == len(questions)}
            for n, q in enumerate(questions, start=1)
        ],
        "locked": survey.responses.exists(),
        "problems": services.publish_problems(survey) if survey.status == Survey.Status.DRAFT else [],
        "rules": list(DispatchRule.objects.filter(survey=survey).select_related("programme")),
        "response_count": survey.responses.count(),
        **extra,
    }


@login_required
def survey_detail(request: Request, pk: int) -> HttpResponse:
    survey = queries.survey_for_build(user=request.user, pk=pk)
    context = _detail_context(request, survey, history=history_for(survey, limit=20))
    if request.htmx and request.htmx.target == "survey-questions":
        return render(request, "surveys/survey_detail.html#questions", context)
    return render(request, "surveys/survey_detail.html", context)


@login_required
@require_POST
def survey_publish(request: Request, pk: int) -> HttpResponse:
    survey = queries.survey_for_build(user=request.user, pk=pk)
    try:
        services.survey_publish(actor=request.user, survey=survey)
    except ValidationFailed as exc:
        messages.error(request, _("Not published: %(why)s") % {"why": error_text(exc)})
    else:
        messages.success(request, _("Survey published: dispatch rules can now send it."))
    return redirect(_survey_url(survey))


@login_required
@require_POST
def survey_archive(request: Request, pk: int) -> HttpResponse:
    survey = queries.survey_for_build(user=request.user, pk=pk)
    services.survey_archive(actor=request.user, survey=survey)
    messages.success(request, _("Survey archived: its rules no longer send it; its results stay."))
    return redirect(_survey_url(survey))


@login_required
@require_http_methods(["GET", "POST"])
def survey_copy(request: Request, pk: int) -> HttpResponse:
    """Copy a survey (typically a template) into a programme, or as a new template."""
    survey = queries.survey_for_build(user=request.user, pk=pk)
    if request.method == "POST":
        form = CopyForm(request.POST)
        if form.is_valid():
            try:
                copy = services.survey_copy(
                    actor=request.user,
                    survey=survey,
                    programme=form.cleaned_data["programme"],
                    as_template=form.cleaned_data["as_template"],
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Copy created, in draft: adapt it, then publish it."))
                return redirect(_survey_url(copy))
    else:
        initial = {"programme": int(request.GET["programme"])} if request.GET.get("programme", "").isdigit() else None
        form = CopyForm(initial=initial)
    _titled(request, survey)
    return render(request, "surveys/survey_copy.html", {"form": form, "survey": survey})


@login_required
def survey_preview(request: Request, pk: int) -> HttpResponse:
    """The answering page as a respondent sees it, in French or English (``?lang=``)."""
    survey = queries.survey_for_build(user=request.user, pk=pk)
    language = request.GET.get("lang", "fr")
    language = language if language in display.LANGUAGES else "fr"
    questions = list(queries.survey_questions(survey=survey))
    _titled(request, survey)
    return render(
        request,
        "surveys/survey_preview.html",
        {"survey": survey, "sheet": display.survey_view(survey, questions, language), "language": language},
    )


# --- questions --------------------------------------------------------------------------------


def _question_form_page(request: Request, survey: Survey, question: Question | None) -> HttpResponse:
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                if question is None:
                    services.question_create(actor=request.user, survey=survey, **form.values())
                    messages.success(request, _("Question added."))
                else:
                    services.question_update(actor=request.user, question=question, **form.values())
                    messages.success(request, _("Question saved."))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                if question is None and "add_another" in request.POST:
                    return redirect("surveys:question_create", pk=survey.pk)
                return redirect(_survey_url(survey) + "#questions")
    else:
        form = QuestionForm(initial=QuestionForm.initial_for(question) if question else None)
    _titled(request, survey)
    return render(request, "surveys/question_form.html", {"form": form, "survey": survey, "question": question})


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request: Request, pk: int) -> HttpResponse:
    return _question_form_page(request, queries.survey_for_build(user=request.user, pk=pk), None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: Request, pk: int) -> HttpResponse:
    question = queries.question_for_build(user=request.user, pk=pk)
    return _question_form_page(request, question.survey, question)


@login_required
@require_http_methods(["GET", "POST"])
def question_delete(request: Request, pk: int) -> HttpResponse:
    question = queries.question_for_build(user=request.user, pk=pk)
    survey = question.survey
    error = ""
    if request.method == "POST":
        try:
            services.question_delete(actor=request.user, question=question)
        except ValidationFailed as exc:
            error = error_text(exc)
        else:
            messages.success(request, _("Question deleted."))
            return redirect(_survey_url(survey) + "#questions")
    _titled(request, survey)
    return render(request, "surveys/question_delete.html", {"question": question, "survey": survey, "error": error})


@login_required
@require_POST
def question_move(request: Request, pk: int, direction: str) -> HttpResponse:
    """Move a question up or down: the questions' fragment for htmx, else back to the survey."""
    question = queries.question_for_build(user=request.user, pk=pk)
    survey = question.survey
    error = ""
    try:
        services.question_move(actor=request.user, question=question, direction=direction)
    except ValidationFailed as exc:
        error = error_text(exc)
    if request.htmx:
        context = _detail_context(request, survey, moved_id=question.pk, move_error=error)
        return render(request, "surveys/survey_detail.html#questions", context)
    if error:
        messages.error(request, error)
    return redirect(_survey_url(survey) + "#questions")


# --- a programme's surveys and dispatch rules -------------------------------------------------


@login_required
def programme_surveys(request: Request, programme_pk: int) -> HttpResponse:
    programme = queries.programme_for_rules(user=request.user, pk=programme_pk)
    surveys = list(Survey.objects.filter(programme=programme).order_by("kind", "title_fr"))
    rules = list(queries.rule_list(programme=programme))
    templates = list(Survey.objects.filter(is_template=True, status=Survey.Status.PUBLISHED).order_by("kind"))
    _titled(request, *surveys, *(rule.survey for rule in rules), *templates)
    rates = queries.results_invitation_counts(user=request.user, surveys=surveys)
    for survey in surveys:
        survey.rate = rates[survey.pk]  # type: ignore[attr-defined]
    return render(
        request,
        "surveys/programme_surveys.html",
        {"programme": programme, "surveys": surveys, "rules": rules, "templates": templates},
    )


def _rule_form_page(request: Request, programme: Programme, rule: DispatchRule | None) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST, programme=programme, rule=rule)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if rule is None:
                    services.rule_create(actor=request.user, programme=programme, **data)
                    messages.success(request, _("Dispatch rule created."))
                else:
                    services.rule_update(actor=request.user, rule=rule, **data)
                    messages.success(request, _("Dispatch rule saved."))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                return redirect("surveys:programme_surveys", programme_pk=programme.pk)
    else:
        initial: dict[str, Any] | None = RuleForm.initial_for(rule) if rule else None
        if rule is None and request.GET.get("survey", "").isdigit():
            initial = {"survey": int(request.GET["survey"])}
        form = RuleForm(initial=initial, programme=programme, rule=rule)
    return render(request, "surveys/rule_form.html", {"form": form, "programme": programme, "rule": rule})


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: Request, programme_pk: int) -> HttpResponse:
    programme = queries.programme_for_rules(user=request.user, pk=programme_pk)
    return _rule_form_page(request, programme, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: Request, pk: int) -> HttpResponse:
    rule = queries.rule_for_build(user=request.user, pk=pk)
    return _rule_form_page(request, rule.programme, rule)


@login_required
@require_http_methods(["GET", "POST"])
def rule_delete(request: Request, pk: int) -> HttpResponse:
    rule = queries.rule_for_build(user=request.user, pk=pk)
    if request.method == "POST":
        programme_pk = rule.programme_id
        services.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("Dispatch rule deleted; the invitations already sent stay open."))
        return redirect("surveys:programme_surveys", programme_pk=programme_pk)
    _titled(request, rule.survey)
    return render(request, "surveys/rule_delete.html", {"rule": rule, "programme": rule.programme})
