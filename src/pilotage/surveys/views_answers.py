"""Answering (mobile-first, in the respondent's language), the respondent's open evaluations
(also a panel of the learner portal), and the results pages.

The answering page is only for the invitation's respondent, signed in: anyone else's token is
404. Answering twice is refused with a clear message (409), also when two submits race
(``services_answers.answer_submit`` claims the invitation with a conditional update).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request
from pilotage.delivery.models import Cohort, Session
from pilotage.surveys import display, permissions, queries, results
from pilotage.surveys.models import Invitation, Survey
from pilotage.surveys.services_answers import AlreadyAnswered, InvitationClosed, answer_submit


def _language(request: Request, invitation: Invitation) -> str:
    wanted = request.GET.get("lang") or request.POST.get("lang") or ""
    if wanted in display.LANGUAGES:
        return wanted
    return invitation.respondent.language if invitation.respondent.language in display.LANGUAGES else "fr"


def _raw_answers(request: Request, survey: Survey) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for question in survey.questions.all():
        key = f"q{question.pk}"
        raw[key] = request.POST.getlist(key) if question.kind == "multiple" else request.POST.get(key, "")
    return raw


def invitation_about(invitation: Invitation) -> str:
    """What the evaluation is about, in a few words (the session, the cohort, the learner)."""
    if invitation.role == "manager" and invitation.enrolment is not None:
        employee = invitation.enrolment.employee
        return f"{employee.first_name} {employee.last_name} — {invitation.enrolment.cohort.title}"
    if invitation.session is not None:
        return invitation.session.title
    if invitation.enrolment is not None:
        return invitation.enrolment.cohort.title
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: Request, token: str) -> HttpResponse:
    invitation = queries.invitation_for_answer(user=request.user, token=token)
    survey = invitation.survey
    language = _language(request, invitation)
    questions = list(queries.survey_questions(survey=survey))
    status = 200
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    state = "open"
    if invitation.answered_at is not None:
        state = "thanks" if request.method == "GET" and request.GET.get("done") else "answered"
    elif survey.status != Survey.Status.PUBLISHED or (
        invitation.closes_at is not None and invitation.closes_at <= timezone.now()
    ):
        state = "closed"
    if request.method == "POST":
        values = _raw_answers(request, survey)
        try:
            with translation.override(language):  # the messages in the respondent's language
                answer_submit(actor=request.user, invitation=invitation, answers=values, language=language)
        except AlreadyAnswered:
            state, status = "answered", 409
        except InvitationClosed:
            state, status = "closed", 409
        except ValidationFailed as exc:
            errors = exc.errors
            status = 200
        else:
            url = reverse("surveys:answer", args=[invitation.token])
            return redirect(f"{url}?done=1&lang={language}")
    sheet = display.survey_view(survey, questions, language)
    for item in sheet["questions"]:
        item["errors"] = errors.get(item["field"], [])
        value = values.get(item["field"], [] if item["kind"] == "multiple" else "")
        item["value"] = value
        item["values"] = value if isinstance(value, list) else [value]
    context = {
        "invitation": invitation,
        "survey": survey,
        "sheet": sheet,
        "language": language,
        "other_language": "en" if language == "fr" else "fr",
        "state": state,
        "general_errors": errors.get("__all__", []),
        "error_count": len(errors),
        "about": invitation_about(invitation),
    }
    with translation.override(language):
        return render(request, "surveys/answer.html", context, status=status)


@login_required
def my_invitations(request: Request) -> HttpResponse:
    """The evaluations the signed-in person has to answer (as a learner or as a manager)."""
    answered = request.GET.get("tab") == "answered"
    if answered:
        qs = queries.my_invitations(user=request.user, open_only=False).filter(answered_at__isnull=False)
        invitations = list(qs.order_by("-answered_at")[:50])
    else:
        invitations = list(queries.my_invitations(user=request.user)[:50])
    language = getattr(request, "LANGUAGE_CODE", "fr")
    rows = [
        {
            "invitation": inv,
            "title": display.survey_title(inv.survey, language),
            "about": invitation_about(inv),
            "url": reverse("surveys:answer", args=[inv.token]),
        }
        for inv in invitations
    ]
    return render(request, "surveys/my_invitations.html", {"rows": rows, "answered": answered})


def pending_evaluations_panel(request: Any) -> dict[str, Any] | None:
    """The portal panel "Evaluations to answer" (registered with ``delivery.portal``): hidden
    when there is nothing to answer. Two queries."""
    user = getattr(request, "user", None)
    if not permissions.can_answer(user):
        return None
    qs = queries.my_invitations(user=user)
    count = qs.count()
    if not count:
        return None
    language = getattr(request, "LANGUAGE_CODE", "fr")
    items = [
        {
            "title": display.survey_title(inv.survey, language),
            "about": invitation_about(inv),
            "url": reverse("surveys:answer", args=[inv.token]),
            "closes_at": inv.closes_at,
        }
        for inv in qs[:5]
    ]
    return {
        "template": "surveys/_portal_panel.html",
        "title": _("Evaluations to answer"),
        "items": items,
        "count": count,
        "all_url": reverse("surveys:my_invitations"),
    }


# --- results ----------------------------------------------------------------------------------


@login_required
def results_index(request: Request) -> HttpResponse:
    """The programme surveys whose results the user may read, with their response counts."""
    surveys = list(queries.results_survey_list(user=request.user).order_by("programme__code", "kind", "title_fr"))
    language = getattr(request, "LANGUAGE_CODE", "fr")
    counts = queries.results_response_counts(user=request.user, surveys=surveys)
    invited = queries.results_invitation_counts(user=request.user, surveys=surveys)
    rows = [
        {"survey": s, "title": display.survey_title(s, language), "count": counts[s.pk], "invited": invited[s.pk]}
        for s in surveys
    ]
    return render(request, "surveys/results_index.html", {"rows": rows})


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@login_required
def survey_results(request: Request, pk: int) -> HttpResponse:
    """Results of one survey: filters (cohort, session, facilitator), per question, and by
    cohort, session, facilitator or org unit — every figure under the anonymity threshold."""
    survey = queries.results_survey_get(user=request.user, pk=pk)
    scoped = queries.results_responses(user=request.user, survey=survey)
    filtered = scoped
    cohort_id, session_id = _int(request.GET.get("cohort", "")), _int(request.GET.get("session", ""))
    facilitator_id = _int(request.GET.get("facilitator", ""))
    if cohort_id:
        filtered = filtered.filter(cohort_id=cohort_id)
    if session_id:
        filtered = filtered.filter(session_id=session_id)
    if facilitator_id:
        filtered = filtered.filter(facilitators=facilitator_id)
    by = request.GET.get("by", "cohort")
    by = by if by in results.DIMENSIONS else "cohort"
    language = "en" if getattr(request, "LANGUAGE_CODE", "fr") == "en" else "fr"
    # The unfiltered count in the user's scope: a filtered view leaving 1-4 others is withheld.
    baseline = scoped.count()
    figures = results.survey_results(survey=survey, responses=filtered, language=language, baseline=baseline)
    context = {
        "survey": survey,
        "title": display.survey_title(survey, language),
        "figures": figures,
        "invited": queries.results_invitation_counts(user=request.user, surveys=[survey])[survey.pk],
        "cuts": results.results_by(survey=survey, responses=filtered, dimension=by, baseline=baseline),
        "by": by,
        "dimensions": [
            ("cohort", _("Cohort")),
            ("session", _("Session")),
            ("facilitator", _("Facilitator")),
            ("org_unit", _("Org unit")),
        ],
        "cohorts": Cohort.objects.filter(pk__in=scoped.values("cohort_id")).order_by("code"),
        "sessions": Session.objects.filter(pk__in=scoped.values("session_id")).order_by("starts_at"),
        "facilitators": results.facilitator_choices(scoped),
        "cohort_id": cohort_id,
        "session_id": session_id,
        "facilitator_id": facilitator_id,
        "threshold": results.ANONYMITY_THRESHOLD,
        "can_build": permissions.can_build(request.user),
    }
    if request.htmx and request.htmx.target == "survey-results":
        return render(request, "surveys/survey_results.html#figures", context)
    return render(request, "surveys/survey_results.html", context)
