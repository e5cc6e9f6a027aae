"""Scoped reads of surveys (``for_user`` pattern): 403 when the role may not, 404 out of scope.

- the builder (surveys, questions, dispatch rules): the DLM and the L&D team;
- results: the team all; an internal client the surveys of the programmes they sponsor; a
  facilitator the surveys of the programmes they run cohorts or sessions of, and within them
  only the responses about their own cohorts and sessions;
- invitations: their respondent only (anyone else's: 404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pilotage.delivery.models import Cohort, Session
from pilotage.people.models import Role
from pilotage.people.permissions import has_role, is_staff_member
from pilotage.programmes.models import Programme
from pilotage.surveys import permissions
from pilotage.surveys.models import DispatchRule, Invitation, Question, Response, Survey

# --- the builder ------------------------------------------------------------------------------


def survey_list(*, user: Any) -> QuerySet[Survey]:
    """Every survey (templates first), for the team."""
    if not permissions.can_build(user):
        raise PermissionDenied
    return Survey.objects.select_related("programme").annotate(
        question_count=Count("questions", distinct=True), response_count=Count("responses", distinct=True)
    )


def survey_for_build(*, user: Any, pk: int) -> Survey:
    if not permissions.can_build(user):
        raise PermissionDenied
    obj = Survey.objects.select_related("programme").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def question_for_build(*, user: Any, pk: int) -> Question:
    if not permissions.can_build(user):
        raise PermissionDenied
    obj = Question.objects.select_related("survey", "survey__programme").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def survey_questions(*, survey: Survey) -> QuerySet[Question]:
    return survey.questions.order_by("position", "id")


def programme_for_rules(*, user: Any, pk: int) -> Programme:
    """A programme whose surveys and dispatch rules the user manages."""
    if not permissions.can_build(user):
        raise PermissionDenied
    obj = Programme.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def rule_list(*, programme: Programme) -> QuerySet[DispatchRule]:
    return DispatchRule.objects.filter(programme=programme).select_related("survey")


def rule_for_build(*, user: Any, pk: int) -> DispatchRule:
    if not permissions.can_build(user):
        raise PermissionDenied
    obj = DispatchRule.objects.select_related("programme", "survey").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- results ----------------------------------------------------------------------------------


def _own_cohorts(user: Any) -> QuerySet[Cohort]:
    """Cohorts the user facilitates (named on the cohort or on one of its sessions)."""
    return Cohort.objects.filter(Q(facilitators=user) | Q(sessions__facilitators=user))


def _own_delivery_q(user: Any, *, cohort: str) -> Q:
    """Rows about the cohorts and sessions the user facilitates (``cohort`` names the row's
    cohort field; the session field is ``session_id``)."""
    sessions = Session.objects.filter(Q(facilitators=user) | Q(cohort__facilitators=user)).values("pk")
    return Q(**{f"{cohort}__in": _own_cohorts(user).values("pk")}) | Q(session_id__in=sessions)


def results_survey_list(*, user: Any) -> QuerySet[Survey]:
    """Programme surveys whose results the user may read."""
    if not permissions.can_see_results(user):
        raise PermissionDenied
    qs = Survey.objects.filter(is_template=False, programme__isnull=False).select_related("programme")
    if is_staff_member(user):
        return qs
    q = Q(pk__in=[])
    if has_role(user, Role.CLIENT):
        q |= Q(programme__sponsor_id=user.pk)
    if has_role(user, Role.FACILITATOR):
        q |= Q(programme_id__in=_own_cohorts(user).values("path__programme_id"))
    return qs.filter(q)


def results_survey_get(*, user: Any, pk: int) -> Survey:
    obj = results_survey_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _count_scope(user: Any, surveys: list[Survey], *, cohort: str, own: Q) -> Q:
    """Rows (responses or invitations) of ``surveys`` the user may count: every row for the team
    and for the sponsor of the survey's programme; for a facilitator, the rows about their own
    cohorts and sessions (``cohort`` names the row's cohort field; ``own`` adds a condition, e.g.
    a response naming them among its facilitators)."""
    sponsored = [s.pk for s in surveys if s.programme is not None and s.programme.sponsor_id == user.pk]
    q = Q(survey_id__in=[s.pk for s in surveys] if is_staff_member(user) else sponsored)
    if not is_staff_member(user) and has_role(user, Role.FACILITATOR):
        q |= Q(survey_id__in=[s.pk for s in surveys]) & (_own_delivery_q(user, cohort=cohort) | own)
    return q


def results_response_counts(*, user: Any, surveys: list[Survey]) -> dict[int, int]:
    """Responses the user may count, per survey: one query for the whole list."""
    counts: dict[int, int] = {}
    for survey in surveys:
        counts[survey.pk] = 0
    q = _count_scope(user, surveys, cohort="cohort_id", own=Q(facilitators=user))
    rows = Response.objects.filter(q).values("survey_id").annotate(n=Count("pk", distinct=True))
    for row in rows:
        counts[row["survey_id"]] = row["n"]
    return counts


def results_invitation_counts(*, user: Any, surveys: list[Survey]) -> dict[int, dict[str, int | None]]:
    """Invited vs answered per survey, in the user's scope (one query for the whole list): the
    team and the sponsor every invitation; a facilitator those about their own cohorts and
    sessions. ``rate`` is the answered share in % (None when nobody was invited)."""
    counts: dict[int, dict[str, int | None]] = {s.pk: {"invited": 0, "answered": 0, "rate": None} for s in surveys}
    if not surveys:
        return counts
    q = _count_scope(user, surveys, cohort="enrolment__cohort_id", own=Q())
    rows = (
        Invitation.objects.filter(q)
        .values("survey_id")
        .annotate(
            invited=Count("pk", distinct=True),
            answered=Count("pk", distinct=True, filter=Q(answered_at__isnull=False)),
        )
    )
    for row in rows:
        invited, answered = row["invited"], row["answered"]
        counts[row["survey_id"]] = {
            "invited": invited,
            "answered": answered,
            "rate": round(100 * answered / invited) if invited else None,
        }
    return counts


def results_responses(*, user: Any, survey: Survey) -> QuerySet[Response]:
    """The responses of ``survey`` the user may count: a facilitator (who is not also the
    programme's sponsor) only those about their own cohorts and sessions."""
    qs = Response.objects.filter(survey=survey)
    if is_staff_member(user):
        return qs
    if has_role(user, Role.CLIENT) and survey.programme is not None and survey.programme.sponsor_id == user.pk:
        return qs
    if has_role(user, Role.FACILITATOR):
        return qs.filter(_own_delivery_q(user, cohort="cohort_id") | Q(facilitators=user)).distinct()
    return qs.none()


# --- invitations ------------------------------------------------------------------------------


def my_invitations(*, user: Any, open_only: bool = True) -> QuerySet[Invitation]:
    """The user's own invitations (as learner or manager): by default those still to answer."""
    if not permissions.can_answer(user):
        raise PermissionDenied
    qs = Invitation.objects.filter(respondent_id=user.employee_id).select_related(
        "survey", "enrolment", "enrolment__cohort", "session", "enrolment__employee"
    )
    if open_only:
        now = timezone.now()
        qs = qs.filter(answered_at__isnull=True, survey__status=Survey.Status.PUBLISHED).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now)
        )
    return qs


def invitation_for_answer(*, user: Any, token: Any) -> Invitation:
    """The user's own invitation by its token; anyone else's, or a bad token, is 404."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "employee_id", None):
        raise Http404
    obj = (
        Invitation.objects.select_related(
            "survey",
            "survey__programme",
            "enrolment",
            "enrolment__cohort",
            "enrolment__employee",
            "session",
            "respondent",
        )
        .filter(token=token, respondent_id=user.employee_id)
        .first()
    )
    if obj is None:
        raise Http404
    return obj
