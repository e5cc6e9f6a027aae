"""/api/v1/delivery/ endpoints of part "cohorts": cohorts, sessions, enrolments. Thin over
``services_cohorts`` / ``services_enrolments`` and the scoped selectors: the L&D team writes; a
facilitator reads their cohorts and sessions, a sponsor those of their programmes; enrolments
are read in the scope of ``queries.enrolment_list`` (a learner their own, a manager their team).

    GET/POST   /api/v1/delivery/cohorts                       (?programme=)
    GET/PATCH  /api/v1/delivery/cohorts/{cohort_id}
    GET/POST   /api/v1/delivery/cohorts/{cohort_id}/sessions
    GET/PATCH  /api/v1/delivery/sessions/{session_id}
    POST       /api/v1/delivery/sessions/{session_id}/cancel   {"reason": …}
    POST       /api/v1/delivery/sessions/{session_id}/restore
    POST       /api/v1/delivery/sessions/{session_id}/hold      (a session that has started)
    GET        /api/v1/delivery/sessions/{session_id}/ics
    GET/POST   /api/v1/delivery/cohorts/{cohort_id}/enrolments
    POST       /api/v1/delivery/cohorts/{cohort_id}/enrolments/bulk  {"audience_id", "confirm", "expected"}
    GET        /api/v1/delivery/enrolments                     (?cohort=&status=)
    GET/PATCH  /api/v1/delivery/enrolments/{enrolment_id}       (PATCH: due_on)
    POST       /api/v1/delivery/enrolments/{enrolment_id}/unenrol  {"reason"}
    POST       /api/v1/delivery/enrolments/{enrolment_id}/transfer {"to_cohort_id", "reason"}
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.delivery import ical, permissions, queries, queries_portal, services_cohorts, services_enrolments
from pilotage.delivery.models import Cohort, Enrolment, Session
from pilotage.delivery.views_cohorts import ics_download
from pilotage.people import queries as people_queries
from pilotage.people.models import Employee
from pilotage.programmes import queries as programme_queries
from pilotage.strategy.models import TrainingRequest

router = Router(tags=["delivery"])


class _Facilitated(Schema):
    """An output with the ids of its facilitators (a cohort's or a session's), from a prefetch."""

    facilitators: list[int]

    @staticmethod
    def resolve_facilitators(obj: Cohort | Session) -> list[int]:
        return sorted(u.pk for u in obj.facilitators.all())


class CohortOut(_Facilitated):
    id: int
    uid: uuid.UUID
    code: str
    path_id: int
    programme_id: int
    title: str
    starts_on: dt.date
    ends_on: dt.date
    capacity: int | None
    language: str
    timezone: str
    location: str
    virtual_link: str
    status: str
    cancel_reason: str
    seated: int = Field(description="Active and completed enrolments")
    seat_limit: int | None = Field(description="Smallest of the cohort's and its open sessions' capacities")

    @staticmethod
    def resolve_programme_id(obj: Cohort) -> int:
        return obj.path.programme_id

    @staticmethod
    def resolve_seated(obj: Cohort) -> int:
        return queries_portal.seated_of(obj)

    @staticmethod
    def resolve_seat_limit(obj: Cohort) -> int | None:
        return queries_portal.seat_limit_of(obj)


class CohortIn(Schema):
    path_id: int
    title: str
    starts_on: dt.date
    ends_on: dt.date
    capacity: int | None = None
    language: str = "fr"
    timezone: str = "Europe/Paris"
    location: str = ""
    virtual_link: str = ""
    status: str = "open"
    facilitators: list[int] | None = None


class CohortPatch(Schema):
    title: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    capacity: int | None = None
    language: str | None = None
    timezone: str | None = None
    location: str | None = None
    virtual_link: str | None = None
    status: str | None = None
    cancel_reason: str | None = None
    facilitators: list[int] | None = None


class SessionOut(_Facilitated):
    id: int
    uid: uuid.UUID
    cohort_id: int
    step_id: int | None
    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    room: str
    address: str
    virtual_link: str
    capacity: int | None
    status: str
    cancel_reason: str
    sequence: int = Field(description="iCalendar SEQUENCE: moves on every change calendars must apply")


class SessionIn(Schema):
    title: str
    starts_at: dt.datetime = Field(description="ISO 8601; without an offset, in the session's time zone")
    ends_at: dt.datetime
    kind: str = "in_person"
    step_id: int | None = None
    timezone: str = ""
    room: str = ""
    address: str = ""
    virtual_link: str = ""
    capacity: int | None = None
    facilitators: list[int] | None = None


class SessionPatch(Schema):
    title: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    kind: str | None = None
    step_id: int | None = None
    timezone: str | None = None
    room: str | None = None
    address: str | None = None
    virtual_link: str | None = None
    capacity: int | None = None
    facilitators: list[int] | None = None


class ReasonIn(Schema):
    reason: str = ""


class EnrolmentOut(Schema):
    id: int
    registration: uuid.UUID = Field(description="The xAPI registration of the enrolment's statements")
    cohort_id: int
    employee_id: int
    employee_name: str
    status: str
    source: str
    request_id: int | None
    due_on: dt.date | None
    waitlisted_at: dt.datetime | None
    transferred_from_id: int | None
    progress_percent: int
    steps_completed: int
    completed_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_employee_name(obj: Enrolment) -> str:
        return obj.employee.full_name


class EnrolIn(Schema):
    employee_id: int
    due_on: dt.date | None = None
    note: str = ""
    request_id: int | None = Field(None, description="An accepted training request the enrolment answers")


class BulkIn(Schema):
    audience_id: int | None = None
    request_id: int | None = Field(None, description="Accepted request: its target audience, linked enrolments")
    due_on: dt.date | None = None
    confirm: bool = Field(False, description="False: preview only. True: enrol (send the previewed count)")
    expected: int | None = Field(
        None, description="The 'to_enrol' count of the preview you confirm (required with confirm)"
    )


class ConflictOut(Schema):
    employee_id: int
    employee_name: str
    reason: str


class BulkOut(Schema):
    audience_count: int
    to_enrol: int
    seated: int
    waitlisted: int
    conflicts: list[ConflictOut]


class BulkJobOut(Schema):
    to_enrol: int = Field(description="The confirmed count")
    job_id: int = Field(description="The background job enrolling the previewed members")
    job_url: str = Field(description="Its progress (status, done / total, the result message)")


class EnrolmentPatch(Schema):
    due_on: dt.date | None = None


class TransferIn(Schema):
    to_cohort_id: int
    reason: str = ""


def _manager(user: Any) -> None:
    if not permissions.can_manage_delivery(user):
        raise PermissionDenied


def _cohort(cohort: Cohort) -> Cohort:
    return Cohort.objects.select_related("path").prefetch_related("facilitators").get(pk=cohort.pk)


def _session(session: Session) -> Session:
    return Session.objects.prefetch_related("facilitators").get(pk=session.pk)


# --- cohorts --------------------------------------------------------------------------------------------


@router.get("/cohorts", response=page_schema(CohortOut), summary="Cohorts in scope", url_name="delivery_cohort_list")
def cohort_list(
    request: HttpRequest, programme: int | None = None, limit: int = limit_query(), offset: int = offset_query()
) -> Any:
    qs = queries_portal.with_seats(queries.cohort_list(user=request.user).prefetch_related("facilitators"))
    if programme is not None:
        qs = qs.filter(path__programme_id=programme)
    return paginate(qs.order_by("-starts_on", "code"), limit, offset)


@router.post("/cohorts", response={201: CohortOut}, summary="Create a cohort", url_name="delivery_cohort_create")
def cohort_create(request: HttpRequest, payload: CohortIn) -> Any:
    _manager(request.user)
    data = payload.model_dump()
    path = programme_queries.path_list(user=request.user).filter(pk=data.pop("path_id")).first()
    if path is None:
        raise ValidationFailed({"path_id": [_("Unknown learning path.")]})
    cohort = services_cohorts.cohort_create(actor=request.user, path=path, **data)
    return Status(201, _cohort(cohort))


@router.get("/cohorts/{int:cohort_id}", response=CohortOut, summary="A cohort", url_name="delivery_cohort_read")
def cohort_read(request: HttpRequest, cohort_id: int) -> Any:
    return _cohort(queries.cohort_get(user=request.user, pk=cohort_id))


@router.patch(
    "/cohorts/{int:cohort_id}", response=CohortOut, summary="Change a cohort", url_name="delivery_cohort_update"
)
def cohort_update(request: HttpRequest, cohort_id: int, payload: CohortPatch) -> Any:
    """Only the fields sent change; a capacity below the seated count is refused."""
    cohort = queries.cohort_for_manage(user=request.user, pk=cohort_id)
    fields = payload.model_dump(exclude_unset=True)
    cohort = services_cohorts.cohort_update(actor=request.user, cohort=cohort, **fields)
    return _cohort(cohort)


# --- sessions -------------------------------------------------------------------------------------------


@router.get(
    "/cohorts/{int:cohort_id}/sessions",
    response=page_schema(SessionOut),
    summary="Sessions of a cohort",
    url_name="delivery_cohort_sessions",
)
def cohort_sessions(
    request: HttpRequest, cohort_id: int, limit: int = limit_query(), offset: int = offset_query()
) -> Any:
    cohort = queries.cohort_get(user=request.user, pk=cohort_id)
    qs = Session.objects.filter(cohort=cohort).prefetch_related("facilitators").order_by("starts_at", "id")
    return paginate(qs, limit, offset)


def _session_fields(data: dict[str, Any]) -> dict[str, Any]:
    if "step_id" in data:
        data["step"] = data.pop("step_id")
    return data


@router.post(
    "/cohorts/{int:cohort_id}/sessions",
    response={201: SessionOut},
    summary="Schedule a session (invitations sent)",
    url_name="delivery_session_create",
)
def session_create(request: HttpRequest, cohort_id: int, payload: SessionIn) -> Any:
    cohort = queries.cohort_for_manage(user=request.user, pk=cohort_id)
    session = services_cohorts.session_create(
        actor=request.user, cohort=cohort, **_session_fields(payload.model_dump())
    )
    return Status(201, _session(session))


@router.get("/sessions/{int:session_id}", response=SessionOut, summary="A session", url_name="delivery_session_read")
def session_read(request: HttpRequest, session_id: int) -> Any:
    return _session(queries.session_get(user=request.user, pk=session_id))


@router.patch(
    "/sessions/{int:session_id}", response=SessionOut, summary="Change a session", url_name="delivery_session_update"
)
def session_update(request: HttpRequest, session_id: int, payload: SessionPatch) -> Any:
    """A change of time, place or link moves the SEQUENCE and re-sends the invitations."""
    session = queries.session_for_manage(user=request.user, pk=session_id)
    fields = _session_fields(payload.model_dump(exclude_unset=True))
    return _session(services_cohorts.session_update(actor=request.user, session=session, **fields))


@router.post(
    "/sessions/{int:session_id}/cancel",
    response=SessionOut,
    summary="Cancel a session with a reason",
    url_name="delivery_session_cancel",
)
def session_cancel(request: HttpRequest, session_id: int, payload: ReasonIn) -> Any:
    session = queries.session_for_manage(user=request.user, pk=session_id)
    return _session(services_cohorts.session_cancel(actor=request.user, session=session, reason=payload.reason))


@router.post(
    "/sessions/{int:session_id}/restore",
    response=SessionOut,
    summary="Restore a cancelled session",
    url_name="delivery_session_restore",
)
def session_restore(request: HttpRequest, session_id: int) -> Any:
    session = queries.session_for_manage(user=request.user, pk=session_id)
    return _session(services_cohorts.session_restore(actor=request.user, session=session))


@router.post(
    "/sessions/{int:session_id}/hold",
    response=SessionOut,
    summary="Mark a session that has started as held",
    url_name="delivery_session_hold",
)
def session_hold(request: HttpRequest, session_id: int) -> Any:
    session = queries.session_for_manage(user=request.user, pk=session_id)
    return _session(services_cohorts.session_hold(actor=request.user, session=session))


@router.get(
    "/sessions/{int:session_id}/ics",
    summary="The session as an iCalendar file",
    url_name="delivery_session_ics",
)
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    return ics_download(queries.session_get(user=request.user, pk=session_id), method=ical.PUBLISH)


# --- enrolments -----------------------------------------------------------------------------------------


def _enrolments(qs: Any) -> Any:
    return qs.select_related("employee").order_by("cohort_id", "employee__last_name", "employee__first_name", "id")


@router.get(
    "/cohorts/{int:cohort_id}/enrolments",
    response=page_schema(EnrolmentOut),
    summary="Enrolments of a cohort (all statuses)",
    url_name="delivery_cohort_enrolments",
)
def cohort_enrolments(
    request: HttpRequest, cohort_id: int, limit: int = limit_query(), offset: int = offset_query()
) -> Any:
    cohort = queries.cohort_get(user=request.user, pk=cohort_id)
    return paginate(_enrolments(Enrolment.objects.filter(cohort=cohort)), limit, offset)


def _request(request_id: int | None) -> TrainingRequest | None:
    if request_id is None:
        return None
    obj = TrainingRequest.objects.filter(pk=request_id).first()
    if obj is None:
        raise ValidationFailed({"request_id": [_("Unknown training request.")]})
    return obj


@router.post(
    "/cohorts/{int:cohort_id}/enrolments",
    response={201: EnrolmentOut},
    summary="Enrol one employee (seated, or waitlisted when full)",
    url_name="delivery_enrol",
)
def enrol(request: HttpRequest, cohort_id: int, payload: EnrolIn) -> Any:
    cohort = queries.cohort_for_manage(user=request.user, pk=cohort_id)
    employee = Employee.objects.filter(pk=payload.employee_id).first()
    if employee is None:
        raise ValidationFailed({"employee_id": [_("Unknown employee.")]})
    enrolment = services_enrolments.enrol(
        actor=request.user,
        cohort=cohort,
        employee=employee,
        due_on=payload.due_on,
        note=payload.note,
        request=_request(payload.request_id),
    )
    return Status(201, Enrolment.objects.select_related("employee").get(pk=enrolment.pk))


@router.post(
    "/cohorts/{int:cohort_id}/enrolments/bulk",
    response={200: BulkOut, 202: BulkJobOut},
    summary="Enrol an audience: preview (count and conflicts), then confirm (202: a background job)",
    url_name="delivery_enrol_bulk",
)
def enrol_bulk(request: HttpRequest, cohort_id: int, payload: BulkIn) -> Any:
    """Send ``confirm: false`` first: the answer counts who would be enrolled and lists the
    conflicts. Then ``confirm: true`` with ``expected`` = that count (mandatory): the answer is
    202 with the id and URL of the background job that enrols them; if the audience changed
    meanwhile, or ``expected`` is missing, the call is refused (400) and nothing is enrolled."""
    cohort = queries.cohort_for_manage(user=request.user, pk=cohort_id)
    req = _request(payload.request_id)
    audience_id = payload.audience_id or (req.audience_id if req else None)
    if audience_id is None:
        raise ValidationFailed({"audience_id": [_("Give an audience, or an accepted request with a target audience.")]})
    audience = people_queries.audience_list(user=request.user).filter(pk=audience_id).first()
    if audience is None:
        raise ValidationFailed({"audience_id": [_("Unknown audience.")]})
    if payload.confirm:
        job = services_enrolments.enrol_audience_start(
            actor=request.user,
            cohort=cohort,
            audience=audience,
            due_on=payload.due_on,
            expected=payload.expected,
            request=req,
        )
        n = payload.expected or 0
        return Status(
            202,
            {
                "to_enrol": n,
                "job_id": job.pk,
                "job_url": reverse("job_progress", args=[job.pk]),
            },
        )
    preview = services_enrolments.bulk_preview(cohort=cohort, audience=audience, user=request.user)
    return {
        "audience_count": preview.audience_count,
        "to_enrol": len(preview.to_enrol),
        "seated": preview.seated,
        "waitlisted": preview.waitlisted,
        "conflicts": [
            {"employee_id": e.pk, "employee_name": e.full_name, "reason": why} for e, why in preview.conflicts
        ],
    }


@router.get(
    "/enrolments",
    response=page_schema(EnrolmentOut),
    summary="Enrolments in scope",
    url_name="delivery_enrolment_list",
)
def enrolment_list(
    request: HttpRequest,
    cohort: int | None = None,
    status: str | None = None,
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> Any:
    qs = queries.enrolment_list(user=request.user)
    if cohort is not None:
        qs = qs.filter(cohort_id=cohort)
    if status:
        qs = qs.filter(status=status)
    return paginate(_enrolments(qs), limit, offset)


@router.get(
    "/enrolments/{int:enrolment_id}",
    response=EnrolmentOut,
    summary="An enrolment",
    url_name="delivery_enrolment_read",
)
def enrolment_read(request: HttpRequest, enrolment_id: int) -> Any:
    return queries.enrolment_get(user=request.user, pk=enrolment_id)


def _for_manage(request: HttpRequest, enrolment_id: int) -> Enrolment:
    enrolment = queries.enrolment_get(user=request.user, pk=enrolment_id)
    _manager(request.user)
    return enrolment


@router.patch(
    "/enrolments/{int:enrolment_id}",
    response=EnrolmentOut,
    summary="Change the due date",
    url_name="delivery_enrolment_update",
)
def enrolment_update(request: HttpRequest, enrolment_id: int, payload: EnrolmentPatch) -> Any:
    enrolment = _for_manage(request, enrolment_id)
    services_enrolments.due_date_set(actor=request.user, enrolment=enrolment, due_on=payload.due_on)
    return queries.enrolment_get(user=request.user, pk=enrolment_id)


@router.post(
    "/enrolments/{int:enrolment_id}/unenrol",
    response=EnrolmentOut,
    summary="Unenrol with a reason (the waitlist moves up)",
    url_name="delivery_enrolment_unenrol",
)
def enrolment_unenrol(request: HttpRequest, enrolment_id: int, payload: ReasonIn) -> Any:
    enrolment = _for_manage(request, enrolment_id)
    services_enrolments.unenrol(actor=request.user, enrolment=enrolment, reason=payload.reason)
    return queries.enrolment_get(user=request.user, pk=enrolment_id)


@router.post(
    "/enrolments/{int:enrolment_id}/transfer",
    response={201: EnrolmentOut},
    summary="Transfer to another cohort (the old enrolment stays as history)",
    url_name="delivery_enrolment_transfer",
)
def enrolment_transfer(request: HttpRequest, enrolment_id: int, payload: TransferIn) -> Any:
    enrolment = _for_manage(request, enrolment_id)
    target = Cohort.objects.filter(pk=payload.to_cohort_id).first()
    if target is None:
        raise ValidationFailed({"to_cohort_id": [_("Unknown cohort.")]})
    new = services_enrolments.transfer(actor=request.user, enrolment=enrolment, to_cohort=target, reason=payload.reason)
    return Status(201, Enrolment.objects.select_related("employee").get(pk=new.pk))
