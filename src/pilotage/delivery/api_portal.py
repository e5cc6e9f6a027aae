"""/api/v1/delivery/ endpoints of the learner portal ("me"): the same reads and services as
/learn/, for a mobile app or a script acting as the learner.

    GET  /api/v1/delivery/me/enrolments                       my enrolments (with progress)
    GET  /api/v1/delivery/me/enrolments/{id}                  one, with the state of each step
    POST /api/v1/delivery/me/enrolments/{id}/steps/{step_id}/launch   the launch URL of a step
    POST /api/v1/delivery/me/enrolments/{id}/withdraw         withdraw a pending one / leave the waitlist
    GET  /api/v1/delivery/me/catalogue                        cohorts open to my self-enrolment
    POST /api/v1/delivery/me/catalogue/{cohort_id}/enrol      self-enrol
    GET  /api/v1/delivery/me/sessions                         upcoming sessions of my seated enrolments (.ics URL)
    GET  /api/v1/delivery/me/certificates                     my completed enrolments (certificate URL)
    GET  /api/v1/delivery/me/approvals                        (managers) my team's pending enrolments
    POST /api/v1/delivery/me/approvals/{id}                   {"decision": "approve"|"decline", "reason"}

Another learner's enrolment is 404; a user without an employee record gets 403.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.delivery import launch, queries_portal, services_enrolments
from pilotage.delivery.models import Enrolment, Session, StepProgress
from pilotage.programmes import paths
from pilotage.programmes.models import PathStep

router = Router(tags=["learner portal"])


class MyEnrolmentOut(Schema):
    id: int
    registration: uuid.UUID = Field(description="The xAPI registration of the enrolment's statements")
    status: str
    programme_id: int
    programme_title: str
    path_id: int
    path_title: str
    cohort_id: int
    cohort_title: str
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date | None
    progress_percent: int
    steps_completed: int
    started_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    completed_at: dt.datetime | None
    score: float | None
    passed: bool | None

    @staticmethod
    def resolve_programme_id(obj: Enrolment) -> int:
        return int(obj.cohort.path.programme_id)

    @staticmethod
    def resolve_programme_title(obj: Enrolment) -> str:
        return obj.cohort.path.programme.title

    @staticmethod
    def resolve_path_id(obj: Enrolment) -> int:
        return int(obj.cohort.path_id)

    @staticmethod
    def resolve_path_title(obj: Enrolment) -> str:
        return obj.cohort.path.title

    @staticmethod
    def resolve_cohort_title(obj: Enrolment) -> str:
        return obj.cohort.title

    @staticmethod
    def resolve_starts_on(obj: Enrolment) -> dt.date:
        return obj.cohort.starts_on

    @staticmethod
    def resolve_ends_on(obj: Enrolment) -> dt.date:
        return obj.cohort.ends_on


class MyStepOut(Schema):
    id: int
    title: str
    kind: str
    mandatory: bool
    activity_iri: str
    state: str = Field(description="not_started, in_progress, completed or locked")
    locked_by: list[int] = Field(description="Prerequisite steps not completed yet")
    launchable: bool
    completed_at: dt.datetime | None
    score: float | None


class MyEnrolmentDetailOut(MyEnrolmentOut):
    steps: list[MyStepOut]


class LaunchOut(Schema):
    url: str = Field(description="Open this URL: the step's address, with the xAPI launch parameters for content")
    xapi: bool
    expires_at: dt.datetime | None = Field(description="When the launch credential stops working")


class CatalogueCohortOut(Schema):
    id: int
    title: str
    programme_id: int
    programme_title: str
    path_title: str
    starts_on: dt.date
    ends_on: dt.date
    language: str
    seats_free: int | None = Field(description="null: no limit; 0: full (you would be waitlisted)")
    manager_approval: bool
    my_status: str | None


class MySessionOut(Schema):
    id: int
    uid: uuid.UUID
    title: str
    kind: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    room: str
    address: str
    virtual_link: str
    cohort_id: int
    cohort_title: str
    programme_title: str
    ics_url: str = Field(description="Add to calendar: the session as an iCalendar file")

    @staticmethod
    def resolve_cohort_title(obj: Session) -> str:
        return str(obj.cohort.title)

    @staticmethod
    def resolve_programme_title(obj: Session) -> str:
        return str(obj.cohort.path.programme.title)

    @staticmethod
    def resolve_ics_url(obj: Session) -> str:
        return reverse("portal:session_ics", args=[obj.pk])


class MyCertificateOut(Schema):
    enrolment_id: int
    programme_title: str
    path_title: str
    cohort_title: str
    completed_at: dt.datetime | None
    certificate_url: str = Field(description="The certificate of completion (PDF, numbered on first download)")


class DecisionIn(Schema):
    decision: str = Field(description="approve or decline")
    reason: str = ""


class ApprovalOut(Schema):
    id: int
    status: str
    employee_id: int
    employee_name: str
    cohort_id: int
    cohort_title: str
    programme_title: str

    @staticmethod
    def resolve_employee_name(obj: Enrolment) -> str:
        return obj.employee.full_name

    @staticmethod
    def resolve_cohort_title(obj: Enrolment) -> str:
        return obj.cohort.title

    @staticmethod
    def resolve_programme_title(obj: Enrolment) -> str:
        return obj.cohort.path.programme.title


def _detail(enrolment: Enrolment) -> Enrolment:
    steps = launch.path_steps(enrolment)
    progress = queries_portal.step_progress_by_step(enrolment)
    done = {sid for sid, sp in progress.items() if sp.status == StepProgress.Status.COMPLETED}
    locked = paths.locked_step_ids(paths.step_infos(steps), done)
    seated = enrolment.status in Enrolment.SEATED
    out = []
    for step in steps:
        sp = progress.get(step.pk)
        state = sp.status if sp else StepProgress.Status.NOT_STARTED
        is_locked = step.pk in locked and state != StepProgress.Status.COMPLETED
        out.append(
            {
                "id": step.pk,
                "title": step.title,
                "kind": step.kind,
                "mandatory": step.mandatory,
                "activity_iri": step.activity_iri,
                "state": "locked" if is_locked else state,
                "locked_by": sorted(p.pk for p in step.prerequisites.all() if p.pk not in done),
                "launchable": seated and not is_locked and bool(step.url),
                "completed_at": sp.completed_at if sp else None,
                "score": sp.score if sp else None,
            }
        )
    enrolment.steps = out  # type: ignore[attr-defined]  # read by MyEnrolmentDetailOut
    return enrolment


@router.get(
    "/me/enrolments", response=page_schema(MyEnrolmentOut), summary="My enrolments", url_name="portal_my_enrolments"
)
def my_enrolments(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    return paginate(queries_portal.my_learning(user=request.user), limit, offset)


@router.get(
    "/me/enrolments/{int:enrolment_id}",
    response=MyEnrolmentDetailOut,
    summary="One of my enrolments, with the state of each step",
    url_name="portal_my_enrolment",
)
def my_enrolment(request: HttpRequest, enrolment_id: int) -> Any:
    return _detail(queries_portal.my_enrolment_get(user=request.user, pk=enrolment_id))


@router.post(
    "/me/enrolments/{int:enrolment_id}/steps/{int:step_id}/launch",
    response=LaunchOut,
    summary="Launch a step of my path",
    url_name="portal_launch",
)
def my_launch(request: HttpRequest, enrolment_id: int, step_id: int) -> Any:
    """Stores a "launched" statement; for xAPI content, the URL carries ``endpoint``, ``auth`` (a
    credential made for this launch), ``actor``, ``registration`` and ``activity_id``."""
    enrolment = queries_portal.my_enrolment_get(user=request.user, pk=enrolment_id)
    step = (
        PathStep.objects.filter(pk=step_id, path_id=enrolment.cohort.path_id).prefetch_related("prerequisites").first()
    )
    if step is None:
        raise Http404
    result = launch.step_launch(actor=request.user, enrolment=enrolment, step=step)
    return {"url": result.url, "xapi": result.xapi, "expires_at": result.client.expires_at if result.client else None}


@router.post(
    "/me/enrolments/{int:enrolment_id}/withdraw",
    response=MyEnrolmentOut,
    summary="Withdraw my pending enrolment or leave the waitlist",
    url_name="portal_withdraw",
)
def my_withdraw(request: HttpRequest, enrolment_id: int) -> Any:
    """Ends the enrolment ("unenrolled", reason "Withdrawn by the learner"); 400 for a seated
    one, which the L&D team ends."""
    enrolment = queries_portal.my_enrolment_get(user=request.user, pk=enrolment_id)
    services_enrolments.withdraw(actor=request.user, enrolment=enrolment)
    return queries_portal.my_enrolment_get(user=request.user, pk=enrolment_id)


@router.get(
    "/me/sessions",
    response=page_schema(MySessionOut),
    summary="Upcoming sessions of my seated enrolments",
    url_name="portal_my_sessions",
)
def my_sessions(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    return paginate(queries_portal.my_sessions(user=request.user), limit, offset)


@router.get(
    "/me/certificates",
    response=page_schema(MyCertificateOut),
    summary="My completed enrolments and their certificates",
    url_name="portal_my_certificates",
)
def my_certificates(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    page = paginate(
        queries_portal.my_completed(user=request.user).select_related(
            "cohort", "cohort__path", "cohort__path__programme"
        ),
        limit,
        offset,
    )
    page["items"] = [
        {
            "enrolment_id": e.pk,
            "programme_title": e.cohort.path.programme.title,
            "path_title": e.cohort.path.title,
            "cohort_title": e.cohort.title,
            "completed_at": e.completed_at,
            "certificate_url": reverse("portal:certificate", args=[e.pk]),
        }
        for e in page["items"]
    ]
    return page


@router.get(
    "/me/catalogue",
    response=page_schema(CatalogueCohortOut),
    summary="Cohorts open to my self-enrolment",
    url_name="portal_catalogue",
)
def my_catalogue(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    user: Any = request.user
    page = paginate(queries_portal.with_seats(queries_portal.catalogue_cohorts(user=user)), limit, offset)
    cohorts = page["items"]
    mine = dict(
        Enrolment.objects.filter(
            employee_id=user.employee_id, cohort__in=cohorts, status__in=Enrolment.LIVE
        ).values_list("cohort_id", "status")
    )
    page["items"] = [
        {
            "id": c.pk,
            "title": c.title,
            "programme_id": c.path.programme_id,
            "programme_title": c.path.programme.title,
            "path_title": c.path.title,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "language": c.language,
            "seats_free": queries_portal.seats_free_of(c),
            "manager_approval": c.path.programme.requires_manager_approval,
            "my_status": mine.get(c.pk),
        }
        for c in cohorts
    ]
    return page


@router.post(
    "/me/catalogue/{int:cohort_id}/enrol",
    response={201: MyEnrolmentOut},
    summary="Enrol myself in a cohort of the catalogue",
    url_name="portal_enrol",
)
def my_enrol(request: HttpRequest, cohort_id: int) -> Any:
    """``status`` says what happened: active, waitlisted (the cohort is full) or pending (the
    programme needs the manager's approval)."""
    user: Any = request.user
    cohort = queries_portal.catalogue_cohort_get(user=user, pk=cohort_id)
    enrolment = services_enrolments.enrol(
        actor=user, cohort=cohort, employee=user.employee, source=Enrolment.Source.SELF
    )
    return Status(201, queries_portal.my_enrolment_get(user=user, pk=enrolment.pk))


@router.get(
    "/me/approvals",
    response=page_schema(ApprovalOut),
    summary="My team's enrolments awaiting my approval",
    url_name="portal_approvals",
)
def my_approvals(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    return paginate(queries_portal.approval_list(user=request.user), limit, offset)


@router.post(
    "/me/approvals/{int:enrolment_id}",
    response=ApprovalOut,
    summary="Approve or decline an enrolment of my team",
    url_name="portal_approval_decide",
)
def my_approval_decide(request: HttpRequest, enrolment_id: int, payload: DecisionIn) -> Any:
    enrolment = queries_portal.approval_get(user=request.user, pk=enrolment_id)
    if payload.decision == "approve":
        return services_enrolments.enrolment_approve(actor=request.user, enrolment=enrolment)
    if payload.decision == "decline":
        return services_enrolments.enrolment_decline(actor=request.user, enrolment=enrolment, reason=payload.reason)
    raise ValidationFailed({"decision": [_("Choose “approve” or “decline”.")]})
