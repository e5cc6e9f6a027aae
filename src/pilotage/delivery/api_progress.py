"""/api/v1/delivery/ endpoints of part "progress": an enrolment's progress by step, the cohort
board, learners at risk, the manager's team, and the reminder rules of a programme.

    GET    /api/v1/delivery/enrolments/{id}/progress
    GET    /api/v1/delivery/cohorts/{id}/board            ?state=not_started|in_progress|completed|overdue
    GET    /api/v1/delivery/at-risk                       ?cohort=
    GET    /api/v1/delivery/team
    GET    /api/v1/delivery/programmes/{id}/reminder-rules
    POST   /api/v1/delivery/programmes/{id}/reminder-rules
    PATCH  /api/v1/delivery/reminder-rules/{id}
    DELETE /api/v1/delivery/reminder-rules/{id}

Same scopes as the pages (``queries_progress``): 403 when the role may not, 404 out of scope.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pilotage.delivery import queries_progress as q
from pilotage.delivery import reminders
from pilotage.delivery.models import Enrolment, ReminderRule

router = Router(tags=["delivery"])


class StepProgressOut(Schema):
    step_id: int
    position: int
    title: str
    kind: str
    mandatory: bool
    activity_iri: str
    status: str = Field(description="not_started, in_progress or completed")
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    completed_at: dt.datetime | None
    success: bool | None
    score: float | None = Field(description="Best scaled score, 0..1")
    time_spent_seconds: float


class EnrolmentProgressOut(Schema):
    id: int
    registration: uuid.UUID = Field(description="The xAPI registration of the enrolment's statements")
    cohort_id: int
    employee_id: int
    learner: str
    status: str
    state: str = Field(description="not_started, in_progress, completed or overdue")
    due_on: dt.date | None
    started_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    completed_at: dt.datetime | None
    passed: bool | None
    score: float | None
    steps_completed: int
    progress_percent: int


class EnrolmentProgressDetailOut(EnrolmentProgressOut):
    steps: list[StepProgressOut]


class BoardLineOut(EnrolmentProgressOut):
    steps: list[str] = Field(description="The status of each step, in the order of ``step_ids``")


class BoardOut(Schema):
    cohort_id: int
    step_ids: list[int]
    counts: dict[str, int]
    learners: list[BoardLineOut]


class AtRiskOut(EnrolmentProgressOut):
    overdue: bool
    inactive_days: int | None
    threshold_days: int


class ReminderRuleOut(Schema):
    id: int
    programme_id: int
    kind: str = Field(description="before_session, inactivity or overdue")
    days: int
    repeat_every_days: int | None
    escalate_after: int | None
    active: bool


class ReminderRuleIn(Schema):
    kind: str = Field(description="before_session, inactivity or overdue")
    days: int = Field(1, description="Days before the session, of inactivity, or after the due date")
    repeat_every_days: int | None = Field(None, description="Empty: once")
    escalate_after: int | None = Field(None, description="Reminders before the manager is told; empty: never")
    active: bool = True


class ReminderRulePatch(Schema):
    kind: str | None = None
    days: int | None = None
    repeat_every_days: int | None = None
    escalate_after: int | None = None
    active: bool | None = None


def _enrolment(e: Enrolment, today: dt.date) -> dict[str, Any]:
    return {
        "id": e.pk,
        "registration": e.registration,
        "cohort_id": e.cohort_id,
        "employee_id": e.employee_id,
        "learner": e.employee.full_name,
        "status": e.status,
        "state": q.state_of(e, today),
        "due_on": e.due_on,
        "started_at": e.started_at,
        "last_activity_at": e.last_activity_at,
        "completed_at": e.completed_at,
        "passed": e.passed,
        "score": e.score,
        "steps_completed": e.steps_completed,
        "progress_percent": e.progress_percent,
    }


@router.get(
    "/enrolments/{int:enrolment_id}/progress",
    response=EnrolmentProgressDetailOut,
    summary="An enrolment's progress by step",
    url_name="delivery_enrolment_progress",
)
def enrolment_progress(request: HttpRequest, enrolment_id: int) -> Any:
    enrolment = q.enrolment_progress_get(user=request.user, pk=enrolment_id)
    steps = [
        {
            "step_id": row.step.pk,
            "position": row.step.position,
            "title": row.step.title,
            "kind": row.step.kind,
            "mandatory": row.step.mandatory,
            "activity_iri": row.step.activity_iri,
            "status": row.status,
            "first_at": row.progress.first_at if row.progress else None,
            "last_at": row.progress.last_at if row.progress else None,
            "completed_at": row.progress.completed_at if row.progress else None,
            "success": row.progress.success if row.progress else None,
            "score": row.progress.score if row.progress else None,
            "time_spent_seconds": row.progress.time_spent_seconds if row.progress else 0,
        }
        for row in q.step_rows(enrolment)
    ]
    return {**_enrolment(enrolment, timezone.localdate()), "steps": steps}


@router.get(
    "/cohorts/{int:cohort_id}/board",
    response=BoardOut,
    summary="The progress board of a cohort",
    url_name="delivery_cohort_board",
)
def cohort_board(request: HttpRequest, cohort_id: int, state: str = "") -> Any:
    board = q.cohort_board(user=request.user, pk=cohort_id, state=state)
    today = timezone.localdate()
    return {
        "cohort_id": board.cohort.pk,
        "step_ids": [s.pk for s in board.steps],
        "counts": board.counts,
        "learners": [{**_enrolment(line.enrolment, today), "steps": line.cells} for line in board.lines],
    }


@router.get("/at-risk", response=list[AtRiskOut], summary="Learners at risk", url_name="delivery_at_risk")
def at_risk(request: HttpRequest, cohort: int | None = None) -> Any:
    today = timezone.localdate()
    return [
        {
            **_enrolment(row.enrolment, today),
            "overdue": row.overdue,
            "inactive_days": row.inactive_days,
            "threshold_days": row.threshold,
        }
        for row in q.at_risk_list(user=request.user, cohort_id=cohort)
    ]


@router.get("/team", response=list[EnrolmentProgressOut], summary="My team's enrolments", url_name="delivery_team")
def team(request: HttpRequest) -> Any:
    today = timezone.localdate()
    return [_enrolment(e, today) for e in q.team_enrolments(user=request.user)[:1000]]


@router.get(
    "/programmes/{int:programme_id}/reminder-rules",
    response=list[ReminderRuleOut],
    summary="Reminder rules of a programme",
    url_name="delivery_reminder_rule_list",
)
def reminder_rule_list(request: HttpRequest, programme_id: int) -> Any:
    programme = q.programme_for_reminders(user=request.user, pk=programme_id)
    return list(q.reminder_rule_list(user=request.user, programme=programme))


@router.post(
    "/programmes/{int:programme_id}/reminder-rules",
    response={201: ReminderRuleOut},
    summary="Add a reminder rule",
    url_name="delivery_reminder_rule_create",
)
def reminder_rule_create(request: HttpRequest, programme_id: int, payload: ReminderRuleIn) -> Any:
    programme = q.programme_for_reminders(user=request.user, pk=programme_id)
    rule = reminders.reminder_rule_create(actor=request.user, programme=programme, **payload.model_dump())
    return Status(201, rule)


@router.patch(
    "/reminder-rules/{int:rule_id}",
    response=ReminderRuleOut,
    summary="Change a reminder rule",
    url_name="delivery_reminder_rule_update",
)
def reminder_rule_update(request: HttpRequest, rule_id: int, payload: ReminderRulePatch) -> ReminderRule:
    rule = q.reminder_rule_get(user=request.user, pk=rule_id)
    return reminders.reminder_rule_update(actor=request.user, rule=rule, **payload.model_dump(exclude_unset=True))


@router.delete(
    "/reminder-rules/{int:rule_id}",
    response={204: None},
    summary="Delete a reminder rule",
    url_name="delivery_reminder_rule_delete",
)
def reminder_rule_delete(request: HttpRequest, rule_id: int) -> Any:
    rule = q.reminder_rule_get(user=request.user, pk=rule_id)
    reminders.reminder_rule_delete(actor=request.user, rule=rule)
    return Status(204, None)
