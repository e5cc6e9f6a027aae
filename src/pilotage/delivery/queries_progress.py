"""Scoped reads of the progress part: the cohort board, learners at risk, the manager's team,
one enrolment's progress by step, reminder rules.

Scopes follow ``queries.py``: the L&D team sees everything; a facilitator the cohorts they
facilitate; an internal client the programmes they sponsor; a manager their team (directly or
not); a learner their own enrolment. 403 when the role may not look at all, 404 out of scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pilotage.delivery import permissions, queries
from pilotage.delivery.models import Cohort, DeliverySettings, Enrolment, ReminderRule, StepProgress
from pilotage.people.permissions import is_staff_member
from pilotage.programmes.models import PathStep, Programme

DEFAULT_AT_RISK_DAYS = DeliverySettings._meta.get_field("at_risk_inactive_days").default

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"
STATES = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE)
BOARD_STATUSES = (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


def state_of(e: Enrolment, today: dt.date | None = None) -> str:
    """The board column of an enrolment: completed, overdue (due date passed), in progress, not started."""
    today = today or timezone.localdate()
    if e.status == Enrolment.Status.COMPLETED or e.completed_at:
        return COMPLETED
    if e.due_on and e.due_on < today:
        return OVERDUE
    if e.started_at or e.steps_completed:
        return IN_PROGRESS
    return NOT_STARTED


def can_follow_progress(user: Any) -> bool:
    """Progress lists (at risk): the team, facilitators, internal clients and managers."""
    return permissions.can_see_cohorts(user) or permissions.is_manager(user)


def progress_scope(*, user: Any) -> QuerySet[Enrolment]:
    """Enrolments whose progress the user follows (not their own as a learner: that is the portal)."""
    if not can_follow_progress(user):
        raise PermissionDenied
    qs = Enrolment.objects.select_related("cohort", "cohort__path", "cohort__path__programme", "employee")
    if is_staff_member(user):
        return qs
    q = Q(pk__in=[])
    if permissions.is_facilitator(user):
        q |= Q(cohort__facilitators=user) | Q(cohort__sessions__facilitators=user)
    if permissions.is_manager(user):
        q |= queries.team_q(user.employee_id, "employee__")
    if permissions.has_role_client(user):
        q |= Q(cohort__path__programme__sponsor_id=user.pk)
    return qs.filter(pk__in=Enrolment.objects.filter(q).values("pk"))


# --- one enrolment ------------------------------------------------------------------------------


@dataclass
class StepRow:
    step: PathStep
    status: str
    progress: StepProgress | None


def enrolment_progress_get(*, user: Any, pk: int) -> Enrolment:
    """An enrolment whose progress the user may read: the learner's own, their manager's, the
    cohort's facilitators, the programme's sponsor, the L&D team (404 otherwise)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    return queries.enrolment_get(user=user, pk=pk)


def step_rows(enrolment: Enrolment) -> list[StepRow]:
    """The path's steps in order with the enrolment's progress on each (two queries)."""
    rows = {r.step_id: r for r in StepProgress.objects.filter(enrolment=enrolment)}
    out = []
    for step in PathStep.objects.filter(path_id=enrolment.cohort.path_id).order_by("position", "id"):
        row = rows.get(step.pk)
        out.append(StepRow(step=step, status=row.status if row else StepProgress.Status.NOT_STARTED, progress=row))
    return out


# --- the cohort board ---------------------------------------------------------------------------


@dataclass
class BoardLine:
    enrolment: Enrolment
    state: str
    cells: list[str]  # step status per step, in path order


@dataclass
class Board:
    cohort: Cohort
    steps: list[PathStep]
    lines: list[BoardLine]
    counts: dict[str, int] = field(default_factory=dict)


def cohort_board(*, user: Any, pk: int, state: str = "") -> Board:
    """Learners × steps of a cohort, with the count per state (filtered by ``state`` when given).
    Three queries whatever the size of the cohort."""
    cohort = queries.cohort_get(user=user, pk=pk)
    steps = list(PathStep.objects.filter(path_id=cohort.path_id).order_by("position", "id"))
    enrolments = list(
        Enrolment.objects.filter(cohort=cohort, status__in=BOARD_STATUSES)
        .select_related("employee")
        .order_by("employee__last_name", "employee__first_name", "pk")
    )
    cells: dict[tuple[int, int], str] = {
        (e, s): status
        for e, s, status in StepProgress.objects.filter(enrolment__in=[e.pk for e in enrolments]).values_list(
            "enrolment_id", "step_id", "status"
        )
    }
    today = timezone.localdate()
    lines = [
        BoardLine(
            enrolment=e,
            state=state_of(e, today),
            cells=[cells.get((e.pk, s.pk), StepProgress.Status.NOT_STARTED) for s in steps],
        )
        for e in enrolments
    ]
    counts = dict.fromkeys(STATES, 0)
    for line in lines:
        counts[line.state] += 1
    if state in STATES:
        lines = [line for line in lines if line.state == state]
    return Board(cohort=cohort, steps=steps, lines=lines, counts=counts)


# --- at risk ------------------------------------------------------------------------------------


@dataclass
class AtRisk:
    enrolment: Enrolment
    overdue: bool
    inactive_days: int | None  # days without activity (since the start when never active)
    threshold: int


def at_risk_list(*, user: Any, now: dt.datetime | None = None, cohort_id: int | None = None) -> list[AtRisk]:
    """Active enrolments in scope that are overdue, or inactive for at least their programme's
    ``at_risk_inactive_days`` (DeliverySettings; 14 without settings). One query for the
    thresholds, one for the candidates; the exact threshold per programme is applied in Python."""
    qs = progress_scope(user=user)
    if cohort_id:
        qs = qs.filter(cohort_id=cohort_id)
    return _at_risk_in(qs, now=now)


def _at_risk_in(qs: QuerySet[Enrolment], *, now: dt.datetime | None = None) -> list[AtRisk]:
    """The enrolments of ``qs`` at risk (see ``at_risk_list``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    thresholds = dict(DeliverySettings.objects.values_list("programme_id", "at_risk_inactive_days"))
    least = min([*thresholds.values(), DEFAULT_AT_RISK_DAYS])
    limit = now - dt.timedelta(days=least)
    qs = (
        qs.filter(status=Enrolment.Status.ACTIVE, cohort__status__in=("open", "running"))
        .filter(
            Q(due_on__lt=today)
            | Q(last_activity_at__lte=limit)
            | Q(last_activity_at__isnull=True, cohort__starts_on__lte=limit.date())
        )
        .order_by("due_on", "last_activity_at", "pk")
    )
    out = []
    for e in qs[:2000]:
        threshold = thresholds.get(e.cohort.path.programme_id, DEFAULT_AT_RISK_DAYS)
        since = e.last_activity_at or dt.datetime.combine(e.cohort.starts_on, dt.time(), tzinfo=dt.UTC)
        days = (now - since).days
        overdue = bool(e.due_on and e.due_on < today)
        if overdue or days >= threshold:
            out.append(AtRisk(enrolment=e, overdue=overdue, inactive_days=max(days, 0), threshold=threshold))
    return out


# --- the waitlist -------------------------------------------------------------------------------


@dataclass
class WaitlistPlace:
    position: int  # 1 = the next promoted
    length: int


def waitlist_position(enrolment: Enrolment) -> WaitlistPlace | None:
    """Where a waitlisted enrolment stands in its cohort's waitlist, in promotion order
    (``waitlisted_at`` then id, as ``services_cohorts`` promotes); None when not waitlisted."""
    if enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    waiting = Enrolment.objects.filter(cohort_id=enrolment.cohort_id, status=Enrolment.Status.WAITLISTED)
    at = enrolment.waitlisted_at
    ahead = Q(waitlisted_at=at, pk__lt=enrolment.pk) if at else Q(waitlisted_at__isnull=True, pk__lt=enrolment.pk)
    if at:
        ahead |= Q(waitlisted_at__lt=at)
    return WaitlistPlace(position=waiting.filter(ahead).count() + 1, length=waiting.count())


# --- the manager's team ------------------------------------------------------------------------


def team_enrolments(*, user: Any) -> QuerySet[Enrolment]:
    """The live enrolments of the manager's team (directly or not): 403 for anyone else."""
    if not permissions.is_manager(user):
        raise PermissionDenied
    return (
        Enrolment.objects.filter(queries.team_q(user.employee_id, "employee__"), status__in=Enrolment.LIVE)
        .exclude(employee_id=user.employee_id)
        .select_related("cohort", "cohort__path", "cohort__path__programme", "employee")
        .order_by("employee__last_name", "employee__first_name", "cohort__starts_on", "pk")
    )


def team_at_risk(*, user: Any, now: dt.datetime | None = None) -> dict[int, AtRisk]:
    """The manager's team enrolments at risk (overdue, or inactive for the programme's threshold),
    by enrolment id: scoped to the team only, whatever other roles the manager has."""
    return {r.enrolment.pk: r for r in _at_risk_in(team_enrolments(user=user), now=now)}


# --- reminder rules -----------------------------------------------------------------------------


def programme_for_reminders(*, user: Any, pk: int) -> Programme:
    """A programme whose reminder rules the user manages (the DLM and the L&D team)."""
    if not permissions.can_manage_delivery(user):
        raise PermissionDenied
    programme = Programme.objects.filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def reminder_rule_list(*, user: Any, programme: Programme) -> QuerySet[ReminderRule]:
    if not permissions.can_manage_delivery(user):
        raise PermissionDenied
    return ReminderRule.objects.filter(programme=programme).order_by("kind", "days", "pk")


def reminder_rule_get(*, user: Any, pk: int) -> ReminderRule:
    if not permissions.can_manage_delivery(user):
        raise PermissionDenied
    rule = ReminderRule.objects.select_related("programme").filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule
