"""Scoped reads of the learner portal: a learner reads their own enrolments, sessions and
certificates (anything else is 404); the catalogue lists what they may enrol in; a manager
reads the enrolments of their team waiting for approval (403 for anyone who manages nobody).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from pilotage.delivery import permissions, services_enrolments
from pilotage.delivery.models import Cohort, Enrolment, EnrolmentEvent, Session, StepProgress
from pilotage.delivery.queries import my_enrolments, team_q
from pilotage.delivery.services_cohorts import OPEN_SESSION_STATUSES, seat_limit, seated_count
from pilotage.programmes.models import Programme

# What My learning lists: what the learner follows, waits for, or finished.
SHOWN = ("active", "pending", "waitlisted", "completed")


def learner_required(user: Any) -> None:
    if not permissions.has_learner_space(user):
        raise PermissionDenied


def my_learning(*, user: Any) -> QuerySet[Enrolment]:
    """The learner's live enrolments: active first, then waiting, then completed; by due date."""
    return my_enrolments(user=user).filter(status__in=SHOWN).order_by("status", "due_on", "cohort__starts_on", "pk")


DECLINED_SHOWN_DAYS = 90


def my_declined(*, user: Any, days: int = DECLINED_SHOWN_DAYS) -> QuerySet[Enrolment]:
    """The learner's enrolments declined in the last ``days`` days, each with ``decline_reason``
    (the note of its last "declined" event), newest first."""
    since = timezone.now() - dt.timedelta(days=days)
    reason = (
        EnrolmentEvent.objects.filter(enrolment=OuterRef("pk"), kind="declined").order_by("-at", "-pk").values("note")
    )
    return (
        my_enrolments(user=user)
        .filter(status=Enrolment.Status.DECLINED, updated_at__gte=since)
        .annotate(decline_reason=Subquery(reason[:1]))
        .order_by("-updated_at", "-pk")
    )


def decline_reason(enrolment: Enrolment) -> str:
    ev = enrolment.events.filter(kind="declined").order_by("-at", "-pk").first()
    return ev.note if ev else ""


def my_enrolment_get(*, user: Any, pk: int) -> Enrolment:
    """One of the learner's own enrolments (any status, history included); 404 for anyone else's."""
    obj = my_enrolments(user=user).select_related("employee").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def step_progress_by_step(enrolment: Enrolment) -> dict[int, StepProgress]:
    return {sp.step_id: sp for sp in StepProgress.objects.filter(enrolment=enrolment)}


# --- catalogue ------------------------------------------------------------------------------


def catalogue_cohorts(*, user: Any) -> QuerySet[Cohort]:
    """Cohorts the learner may enrol in by themselves: open for enrolment, not over, of a
    programme open to self-enrolment — and, when the programme is restricted to its audiences,
    only if the learner is in one of them."""
    learner_required(user)
    qs = (
        Cohort.objects.select_related("path", "path__programme", "path__programme__delivery_settings")
        .filter(
            status=Cohort.Status.OPEN,
            ends_on__gte=timezone.localdate(),
            path__programme__delivery_settings__self_enrolment=True,
        )
        .order_by("path__programme__title", "starts_on", "pk")
    )
    restricted = Programme.objects.filter(
        delivery_settings__self_enrolment=True,
        delivery_settings__audience_only=True,
        paths__cohorts__in=qs,
    ).distinct()
    closed = [p.pk for p in restricted if not services_enrolments.in_audiences(p, [user.employee_id])]
    return qs.exclude(path__programme_id__in=closed) if closed else qs


def catalogue_cohort_get(*, user: Any, pk: int) -> Cohort:
    obj = catalogue_cohorts(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def with_seats(qs: QuerySet[Cohort]) -> QuerySet[Cohort]:
    """Annotate each cohort with ``seated_n`` (active and completed enrolments) and
    ``session_cap_min`` (the smallest capacity of its open sessions, None: none set), in the
    same query (two correlated subqueries), so that ``seat_limit_of`` / ``seats_free_of`` cost
    no query per cohort (the catalogues and the API cohort list)."""
    seated = (
        Enrolment.objects.filter(cohort=OuterRef("pk"), status__in=Enrolment.SEATED)
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
        .values("n")
    )
    caps = (
        Session.objects.filter(cohort=OuterRef("pk"), status__in=OPEN_SESSION_STATUSES, capacity__isnull=False)
        .order_by()
        .values("cohort")
        .annotate(m=Min("capacity"))
        .values("m")
    )
    return qs.annotate(
        seated_n=Coalesce(Subquery(seated, output_field=IntegerField()), 0),
        session_cap_min=Subquery(caps, output_field=IntegerField()),
    )


def seat_limit_of(cohort: Cohort) -> int | None:
    """``services_cohorts.seat_limit`` from the ``with_seats`` annotations (a query if missing)."""
    if not hasattr(cohort, "session_cap_min"):
        return seat_limit(cohort)
    limits = [c for c in (cohort.capacity, cohort.session_cap_min) if c is not None]
    return min(limits) if limits else None


def seated_of(cohort: Cohort) -> int:
    return cohort.seated_n if hasattr(cohort, "seated_n") else seated_count(cohort)


def seats_free_of(cohort: Cohort) -> int | None:
    """Free seats (None: unlimited) from the ``with_seats`` annotations."""
    limit = seat_limit_of(cohort)
    return None if limit is None else max(0, limit - seated_of(cohort))


# --- manager's approvals ------------------------------------------------------------------------


def approval_list(*, user: Any) -> QuerySet[Enrolment]:
    """Self-enrolments of the manager's team (direct and indirect reports) awaiting approval."""
    if not permissions.is_manager(user):
        raise PermissionDenied
    return (
        Enrolment.objects.select_related("cohort", "cohort__path", "cohort__path__programme", "employee")
        .filter(team_q(user.employee_id, "employee__"), status=Enrolment.Status.PENDING)
        .order_by("created_at", "pk")
    )


def approval_get(*, user: Any, pk: int) -> Enrolment:
    """A pending enrolment of the manager's team; 404 for anyone else's (or already decided)."""
    obj = approval_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def pending_approval_count(user: Any) -> int:
    if not permissions.is_manager(user):
        return 0
    return approval_list(user=user).count()


# --- sessions and certificates ---------------------------------------------------------------


def my_sessions(*, user: Any, upcoming: bool = True) -> QuerySet[Session]:
    """Sessions of the cohorts where the learner holds a seat (upcoming ones, or past ones)."""
    learner_required(user)
    now = timezone.now()
    qs = (
        Session.objects.select_related("cohort", "cohort__path", "cohort__path__programme", "step")
        .filter(
            cohort__enrolments__employee_id=user.employee_id,
            cohort__enrolments__status__in=Enrolment.SEATED,
        )
        .distinct()
    )
    if upcoming:
        return qs.filter(ends_at__gte=now).order_by("starts_at", "pk")
    return qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")


def my_session_get(*, user: Any, pk: int) -> Session:
    learner_required(user)
    obj = (
        Session.objects.filter(
            pk=pk,
            cohort__enrolments__employee_id=user.employee_id,
            cohort__enrolments__status__in=Enrolment.SEATED,
        )
        .select_related("cohort")
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def my_completed(*, user: Any) -> QuerySet[Enrolment]:
    """Completed enrolments: each has (or gets, on first download) its certificate."""
    return (
        my_enrolments(user=user)
        .filter(Q(status=Enrolment.Status.COMPLETED))
        .select_related("employee")
        .order_by("-completed_at", "-pk")
    )


def my_completed_get(*, user: Any, pk: int) -> Enrolment:
    obj = my_completed(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj
