"""Writes of enrolments: one function per use case, one transaction each, audited, with the
enrolment's own history (EnrolmentEvent). Callers check who may (``queries`` / ``permissions``);
the portal calls ``enrol(source="self")`` and the manager's inbox ``enrolment_approve`` /
``enrolment_decline``.

Rules (docs/delivery.md):
- one live enrolment (pending, waitlisted, active or completed) per employee and cohort;
- a cancelled or closed cohort takes no enrolment; self-enrolment needs the programme open to it
  and the cohort open for enrolment;
- ``audience_only``: an employee outside every target audience of the programme is refused, the
  message names them;
- self-enrolment waits for the manager when the programme's settings require approval;
- otherwise a seat if one is free, else the waitlist (services_cohorts, decision 0026);
- unenrolment and transfer need a reason; a freed seat promotes the waitlist; a transfer keeps the
  old enrolment (status "transferred") and links the new one to it;
- due date: given, else the cohort's start (or today if later) + ``default_due_days``;
- a request given must be accepted and answered by the cohort's programme;
- e-mails (sent on commit): a pending self-enrolment to the learner's manager (link to the
  approvals inbox), the decision (approved, or declined with the reason) to the learner;
- the learner may withdraw a pending or waitlisted enrolment themselves (``withdraw``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_bulk, audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.core.jobs import enqueue_on_commit, job_create
from pilotage.core.mail import notify
from pilotage.core.models import Job
from pilotage.core.site import site_url
from pilotage.delivery import ical
from pilotage.delivery import services_cohorts as caps
from pilotage.delivery.models import Cohort, DeliverySettings, Enrolment, EnrolmentEvent, Session, StepProgress
from pilotage.people.audiences import audience_members
from pilotage.people.models import Audience, Employee, User
from pilotage.programmes.models import Programme
from pilotage.strategy.models import TrainingRequest

REASON_MAX = 300
CLOSED_COHORT = (Cohort.Status.CLOSED, Cohort.Status.CANCELLED)
MOVABLE = (Enrolment.Status.PENDING, Enrolment.Status.WAITLISTED, Enrolment.Status.ACTIVE)


# --- settings --------------------------------------------------------------------------------------


def settings_for(programme: Programme) -> DeliverySettings:
    """The programme's delivery settings, created with the defaults on first use (manager approval
    follows the programme's own "self-enrolment needs the manager's approval" flag)."""
    obj = DeliverySettings.objects.filter(programme=programme).first()
    if obj is not None:
        return obj
    try:
        with transaction.atomic():
            return DeliverySettings.objects.create(
                programme=programme, manager_approval=bool(programme.requires_manager_approval)
            )
    except IntegrityError:  # created concurrently
        return DeliverySettings.objects.get(programme=programme)


# --- checks -----------------------------------------------------------------------------------------


def _name(employee: Employee) -> str:
    return f"{employee.full_name} ({employee.employee_number})"


def in_audiences(programme: Programme, employee_ids: Iterable[int]) -> set[int]:
    """Which of ``employee_ids`` belong to at least one target audience of the programme."""
    ids = set(employee_ids)
    found: set[int] = set()
    for audience in Audience.objects.filter(programmes=programme):
        missing = ids - found
        if not missing:
            break
        found |= set(audience_members(audience, user=None).filter(pk__in=missing).values_list("pk", flat=True))
    return found


def _clean_reason(reason: Any, field_name: str = "reason") -> str:
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed({field_name: [_("Give a reason: it is kept in the enrolment's history.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed({field_name: [_("At most %(n)d characters.") % {"n": REASON_MAX}]})
    return text


def _due(cohort: Cohort, conf: DeliverySettings, due_on: dt.date | None) -> dt.date | None:
    if due_on is not None:
        if not isinstance(due_on, dt.date):
            raise ValidationFailed({"due_on": [_("Enter a date (YYYY-MM-DD).")]})
        if due_on < cohort.starts_on:
            raise ValidationFailed(
                {
                    "due_on": [
                        _("The due date (%(due)s) is before the cohort starts (%(start)s).")
                        % {"due": due_on.isoformat(), "start": cohort.starts_on.isoformat()}
                    ]
                }
            )
        return due_on
    if conf.default_due_days is None:
        return None
    return max(cohort.starts_on, timezone.localdate()) + dt.timedelta(days=conf.default_due_days)


def enrol_problem(
    cohort: Cohort, employee: Employee, *, conf: DeliverySettings, in_audience: bool | None = None
) -> str:
    """Why ``employee`` cannot be enrolled in ``cohort`` (empty: they can). The bulk preview
    calls it per member; ``in_audience`` spares the audience query when already known."""
    if not employee.active:
        return _("%(name)s has left the organisation (inactive).") % {"name": _name(employee)}
    if cohort.status in CLOSED_COHORT:
        return _("Cohort %(code)s is %(status)s: it takes no enrolment.") % {
            "code": cohort.code,
            "status": cohort.get_status_display(),
        }
    if Enrolment.objects.filter(cohort=cohort, employee=employee, status__in=Enrolment.LIVE).exists():
        return _("%(name)s is already enrolled in %(code)s.") % {"name": _name(employee), "code": cohort.code}
    if conf.audience_only:
        if in_audience is None:
            in_audience = employee.pk in in_audiences(cohort.path.programme, [employee.pk])
        if not in_audience:
            return _(
                "%(name)s is outside the target audiences of programme %(programme)s, which only enrols members of its audiences."
            ) % {
                "name": _name(employee),
                "programme": cohort.path.programme.code,
            }
    return ""


def _seat_or_wait(enrolment: Enrolment, cohort: Cohort) -> None:
    free = caps.seats_free(cohort)
    if free is None or free > 0:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.waitlisted_at = None
    else:
        enrolment.status = Enrolment.Status.WAITLISTED
        enrolment.waitlisted_at = timezone.now()


# --- use cases -------------------------------------------------------------------------------------


@transaction.atomic
def enrol(
    *,
    actor: Any,
    cohort: Cohort,
    employee: Employee,
    source: str = "manual",
    due_on: dt.date | None = None,
    request: TrainingRequest | None = None,
    note: str = "",
) -> Enrolment:
    """Enrol one employee: a seat, the waitlist when the cohort is full, or pending approval."""
    if source not in Enrolment.Source.values:
        raise ValidationFailed({"source": [_("Unknown source “%(value)s”.") % {"value": source}]})
    cohort = caps.lock_cohort(cohort)
    programme = cohort.path.programme
    conf = settings_for(programme)
    problem = enrol_problem(cohort, employee, conf=conf)
    if problem:
        raise ValidationFailed({"employee": [problem]})
    if source == Enrolment.Source.SELF:
        if not conf.self_enrolment:
            raise ValidationFailed(
                {"cohort": [_("Programme %(code)s is not open to self-enrolment.") % {"code": programme.code}]}
            )
        if cohort.status != Cohort.Status.OPEN:
            raise ValidationFailed(
                {"cohort": [_("Cohort %(code)s is not open for enrolment.") % {"code": cohort.code}]}
            )
    if request is not None:
        if request.status != TrainingRequest.Status.ACCEPTED:
            raise ValidationFailed(
                {
                    "request": [
                        _("Request %(ref)s is “%(status)s”: only an accepted request leads to enrolments.")
                        % {"ref": request.reference, "status": request.get_status_display()}
                    ]
                }
            )
        if not request.programmes.filter(pk=programme.pk).exists():
            raise ValidationFailed(
                {
                    "request": [
                        _(
                            "Request %(ref)s is not answered by programme %(code)s: choose a request linked to the cohort's programme."
                        )
                        % {"ref": request.reference, "code": programme.code}
                    ]
                }
            )
        if source == Enrolment.Source.MANUAL:
            source = Enrolment.Source.REQUEST
    enrolment = Enrolment(
        cohort=cohort,
        employee=employee,
        source=source,
        request=request,
        due_on=_due(cohort, conf, due_on),
        enrolled_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if source == Enrolment.Source.SELF and programme.requires_manager_approval:
        enrolment.status = Enrolment.Status.PENDING
    else:
        _seat_or_wait(enrolment, cohort)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as exc:  # a concurrent enrolment of the same person
        raise ValidationFailed(
            {
                "employee": [
                    _("%(name)s is already enrolled in %(code)s.") % {"name": _name(employee), "code": cohort.code}
                ]
            }
        ) from exc
    caps.event(enrolment, "created", actor=actor, note=note or enrolment.get_source_display())
    audit_record(
        actor=actor,
        action="create",
        instance=enrolment,
        changes={
            "status": [None, enrolment.status],
            "source": [None, source],
            "due_on": [None, str(enrolment.due_on) if enrolment.due_on else None],
        },
        note=note,
    )
    if enrolment.status == Enrolment.Status.ACTIVE:
        caps.refresh_session_statuses(cohort, actor=actor)
        ical.attendee_changed(enrolment, seated=True)
    if enrolment.status == Enrolment.Status.PENDING:
        _notify_pending(enrolment)
    return enrolment


# --- notifications ----------------------------------------------------------------------------------


def _notify_pending(enrolment: Enrolment) -> None:
    """Ask the learner's manager to decide (nothing without a manager: the L&D team decides)."""
    manager = enrolment.employee.manager
    if manager is None:
        return
    recipient, language = ical.employee_address(manager)
    notify(
        recipient=recipient,
        template="delivery/mail/enrolment_pending",
        language=language,
        context={
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "employee": enrolment.employee,
            "manager": manager,
            "approvals_url": site_url(reverse("portal:approvals")),
        },
    )


def _notify_decision(enrolment: Enrolment, *, template: str, reason: str = "") -> None:
    recipient, language = ical.employee_address(enrolment.employee)
    notify(
        recipient=recipient,
        template=template,
        language=language,
        context={
            "enrolment": enrolment,
            "cohort": enrolment.cohort,
            "employee": enrolment.employee,
            "reason": reason,
            "waitlisted": enrolment.status == Enrolment.Status.WAITLISTED,
            "portal_url": site_url(reverse("portal:enrolment", args=[enrolment.pk])),
        },
    )


def _locked(enrolment: Enrolment) -> tuple[Enrolment, Cohort]:
    cohort = caps.lock_cohort(enrolment.cohort)
    fresh = Enrolment.objects.select_related("employee", "cohort").get(pk=enrolment.pk)
    return fresh, cohort


@transaction.atomic
def enrolment_approve(*, actor: Any, enrolment: Enrolment) -> Enrolment:
    """The manager approves a pending self-enrolment: a seat, or the waitlist when full."""
    enrolment, cohort = _locked(enrolment)
    if enrolment.status != Enrolment.Status.PENDING:
        raise ValidationFailed(
            {
                "status": [
                    _("Only a pending enrolment can be approved; this one is “%(status)s”.")
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    if cohort.status in CLOSED_COHORT:
        raise ValidationFailed({"cohort": [_("Cohort %(code)s no longer takes enrolments.") % {"code": cohort.code}]})
    before = enrolment.status
    _seat_or_wait(enrolment, cohort)
    enrolment.save(update_fields=["status", "waitlisted_at", "updated_at"])
    caps.event(enrolment, "approved", actor=actor, from_status=before)
    audit_record(actor=actor, action="approve", instance=enrolment, changes={"status": [before, enrolment.status]})
    if enrolment.status == Enrolment.Status.ACTIVE:
        caps.refresh_session_statuses(cohort, actor=actor)
        ical.attendee_changed(enrolment, seated=True)
    _notify_decision(enrolment, template="delivery/mail/enrolment_approved")
    return enrolment


@transaction.atomic
def enrolment_decline(*, actor: Any, enrolment: Enrolment, reason: str) -> Enrolment:
    reason = _clean_reason(reason)
    enrolment, _cohort = _locked(enrolment)
    if enrolment.status != Enrolment.Status.PENDING:
        raise ValidationFailed(
            {
                "status": [
                    _("Only a pending enrolment can be declined; this one is “%(status)s”.")
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    before = enrolment.status
    enrolment.status = Enrolment.Status.DECLINED
    enrolment.save(update_fields=["status", "updated_at"])
    caps.event(enrolment, "declined", actor=actor, from_status=before, note=reason)
    audit_record(
        actor=actor, action="decline", instance=enrolment, changes={"status": [before, enrolment.status]}, note=reason
    )
    _notify_decision(enrolment, template="delivery/mail/enrolment_declined", reason=reason)
    return enrolment


WITHDRAWABLE = (Enrolment.Status.PENDING, Enrolment.Status.WAITLISTED)


@transaction.atomic
def withdraw(*, actor: Any, enrolment: Enrolment) -> Enrolment:
    """The learner withdraws their own pending enrolment or leaves the waitlist; a seated
    enrolment is ended by the L&D team (``unenrol``). The caller checks it is theirs."""
    enrolment, _cohort = _locked(enrolment)
    if enrolment.status not in WITHDRAWABLE:
        raise ValidationFailed(
            {
                "status": [
                    _(
                        "This enrolment is “%(status)s”: only a pending one or a place on the waitlist can be withdrawn here; ask the L&D team to end a seated enrolment."
                    )
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    return unenrol(actor=actor, enrolment=enrolment, reason=_("Withdrawn by the learner"))


@transaction.atomic
def unenrol(*, actor: Any, enrolment: Enrolment, reason: str) -> Enrolment:
    """End a live enrolment (kept as history); a freed seat promotes the waitlist."""
    reason = _clean_reason(reason)
    enrolment, cohort = _locked(enrolment)
    if enrolment.status not in MOVABLE:
        raise ValidationFailed(
            {
                "status": [
                    _("This enrolment is “%(status)s”: only a pending, waitlisted or active one can be ended.")
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    before = enrolment.status
    enrolment.status = Enrolment.Status.UNENROLLED
    enrolment.save(update_fields=["status", "updated_at"])
    caps.event(enrolment, "unenrolled", actor=actor, from_status=before, note=reason)
    audit_record(
        actor=actor, action="unenrol", instance=enrolment, changes={"status": [before, enrolment.status]}, note=reason
    )
    if before == Enrolment.Status.ACTIVE:
        ical.attendee_changed(enrolment, seated=False)
        caps.promote_waitlist(cohort, actor=actor)
    return enrolment


@transaction.atomic
def transfer(*, actor: Any, enrolment: Enrolment, to_cohort: Cohort, reason: str) -> Enrolment:
    """Move a live enrolment to another cohort: the old one stays as "transferred", the new one
    links to it (``transferred_from``) and keeps its progress when both run the same path."""
    reason = _clean_reason(reason)
    if to_cohort.pk == enrolment.cohort_id:
        raise ValidationFailed({"to_cohort": [_("Choose another cohort than the current one.")]})
    # Lock both cohorts in id order (no deadlock between two crossing transfers).
    first, second = sorted([enrolment.cohort_id, to_cohort.pk])
    locked = {c.pk: c for c in Cohort.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    from_cohort, target = locked[enrolment.cohort_id], locked[to_cohort.pk]
    enrolment = Enrolment.objects.select_related("employee").get(pk=enrolment.pk)
    if enrolment.status not in MOVABLE:
        raise ValidationFailed(
            {
                "status": [
                    _("This enrolment is “%(status)s”: only a pending, waitlisted or active one can move.")
                    % {"status": enrolment.get_status_display()}
                ]
            }
        )
    conf = settings_for(target.path.programme)
    problem = enrol_problem(target, enrolment.employee, conf=conf)
    if problem:
        raise ValidationFailed({"to_cohort": [problem]})
    before = enrolment.status
    enrolment.status = Enrolment.Status.TRANSFERRED
    enrolment.save(update_fields=["status", "updated_at"])
    caps.event(enrolment, "transferred", actor=actor, from_status=before, note=f"→ {target.code}: {reason}")
    new = Enrolment(
        cohort=target,
        employee=enrolment.employee,
        source=Enrolment.Source.TRANSFER,
        request=enrolment.request,
        due_on=enrolment.due_on,
        enrolled_by=actor if getattr(actor, "is_authenticated", False) else None,
        transferred_from=enrolment,
    )
    if before == Enrolment.Status.PENDING:
        new.status = Enrolment.Status.PENDING
    else:
        _seat_or_wait(new, target)
    if target.path_id == from_cohort.path_id:
        for name in ("started_at", "last_activity_at", "passed", "score", "steps_completed", "progress_percent"):
            setattr(new, name, getattr(enrolment, name))
    new.save()
    if target.path_id == from_cohort.path_id:
        StepProgress.objects.bulk_create(
            [
                StepProgress(
                    enrolment=new,
                    step_id=sp.step_id,
                    status=sp.status,
                    first_at=sp.first_at,
                    last_at=sp.last_at,
                    completed_at=sp.completed_at,
                    success=sp.success,
                    score=sp.score,
                    time_spent_seconds=sp.time_spent_seconds,
                )
                for sp in enrolment.step_progress.all()
            ]
        )
    caps.event(new, "transferred_in", actor=actor, note=f"← {from_cohort.code}: {reason}")
    audit_record(
        actor=actor,
        action="transfer",
        instance=enrolment,
        changes={"status": [before, enrolment.status], "cohort": [from_cohort.code, target.code]},
        note=reason,
    )
    audit_record(
        actor=actor,
        action="create",
        instance=new,
        changes={"status": [None, new.status], "source": [None, "transfer"]},
        note=reason,
    )
    if before == Enrolment.Status.ACTIVE:
        ical.attendee_changed(enrolment, seated=False)
        caps.promote_waitlist(from_cohort, actor=actor)
    if new.status == Enrolment.Status.ACTIVE:
        caps.refresh_session_statuses(target, actor=actor)
        ical.attendee_changed(new, seated=True)
    return new


@transaction.atomic
def due_date_set(*, actor: Any, enrolment: Enrolment, due_on: dt.date | None) -> Enrolment:
    enrolment = Enrolment.objects.select_related("cohort").get(pk=enrolment.pk)
    before = enrolment.due_on
    if due_on is not None:
        enrolment.due_on = _due(enrolment.cohort, settings_for(enrolment.cohort.path.programme), due_on)
    else:
        enrolment.due_on = None
    if before == enrolment.due_on:
        return enrolment
    enrolment.save(update_fields=["due_on", "updated_at"])
    caps.event(enrolment, "due_date", actor=actor, from_status=enrolment.status, note=str(enrolment.due_on or "—"))
    audit_record(
        actor=actor,
        action="update",
        instance=enrolment,
        changes={"due_on": [str(before) if before else None, str(enrolment.due_on) if enrolment.due_on else None]},
    )
    return enrolment


# --- bulk from an audience ------------------------------------------------------------------------


@dataclass
class BulkPreview:
    """What a bulk enrolment would do, shown before confirming."""

    audience_count: int = 0
    to_enrol: list[Employee] = field(default_factory=list)
    conflicts: list[tuple[Employee, str]] = field(default_factory=list)
    free_seats: int | None = None

    @property
    def seated(self) -> int:
        n = len(self.to_enrol)
        return n if self.free_seats is None else min(n, self.free_seats)

    @property
    def waitlisted(self) -> int:
        return len(self.to_enrol) - self.seated


BULK_MAX = 2000


def bulk_preview(*, cohort: Cohort, audience: Audience, user: Any = None) -> BulkPreview:
    """Members of ``audience`` (in ``user``'s scope) split into those who would be enrolled and
    the conflicts (already enrolled, outside the programme's audiences, inactive), with why."""
    conf = settings_for(cohort.path.programme)
    members = list(audience_members(audience, user=user).order_by("last_name", "first_name", "pk")[: BULK_MAX + 1])
    if len(members) > BULK_MAX:
        raise ValidationFailed(
            {
                "audience": [
                    _("The audience has more than %(n)d members: split it into smaller audiences.") % {"n": BULK_MAX}
                ]
            }
        )
    ids = [m.pk for m in members]
    already = set(
        Enrolment.objects.filter(cohort=cohort, employee_id__in=ids, status__in=Enrolment.LIVE).values_list(
            "employee_id", flat=True
        )
    )
    inside = in_audiences(cohort.path.programme, ids) if conf.audience_only else set(ids)
    out = BulkPreview(audience_count=len(members), free_seats=caps.seats_free(cohort))
    for member in members:
        if member.pk in already:
            out.conflicts.append(
                (member, _("%(name)s is already enrolled in %(code)s.") % {"name": _name(member), "code": cohort.code})
            )
            continue
        problem = ""
        if cohort.status in CLOSED_COHORT or not member.active or member.pk not in inside:
            problem = enrol_problem(cohort, member, conf=conf, in_audience=member.pk in inside)
        if problem:
            out.conflicts.append((member, problem))
        else:
            out.to_enrol.append(member)
    return out


BULK_CHUNK = 200
BULK_JOB_KIND = "delivery.enrol_bulk"


def _bulk_note(audience: Audience, request: TrainingRequest | None) -> str:
    if request is not None:
        return _("From request %(ref)s (audience “%(name)s”)") % {"ref": request.reference, "name": audience.name}
    return _("From audience “%(name)s”") % {"name": audience.name}


def _confirmed_preview(*, actor: Any, cohort: Cohort, audience: Audience, expected: int | None) -> BulkPreview:
    """The preview the person confirms: refused without the previewed count, or when the
    audience changed since (nothing is done and they see why)."""
    if expected is None:
        raise ValidationFailed(
            {
                "expected": [
                    _(
                        "Confirm with the previewed count (“expected”: how many the preview would enrol): preview first, then confirm."
                    )
                ]
            }
        )
    preview = bulk_preview(
        cohort=cohort, audience=audience, user=actor if getattr(actor, "is_authenticated", False) else None
    )
    if expected != len(preview.to_enrol):
        raise ValidationFailed(
            {
                "audience": [
                    _(
                        "The audience changed since the preview (%(then)d to enrol, now %(now)d): check the new preview and confirm again."
                    )
                    % {"then": expected, "now": len(preview.to_enrol)}
                ]
            }
        )
    return preview


def _invite_seated(cohort: Cohort, enrolments: list[Enrolment]) -> None:
    """Calendar invitations of the cohort's upcoming sessions for a chunk of newly seated
    learners: the sessions and the learners' accounts read once per chunk, one e-mail per
    learner and session (CalendarSend keeps it once per sequence)."""
    sessions = list(
        Session.objects.filter(
            cohort_id=cohort.pk,
            status__in=(Session.Status.SCHEDULED, Session.Status.FULL),
            starts_at__gt=timezone.now(),
        ).select_related("cohort")
    )
    if not sessions:
        return
    users = {
        u.employee_id: u
        for u in User.objects.filter(employee_id__in=[e.employee_id for e in enrolments], is_active=True).only(
            "email", "language", "employee_id"
        )
    }
    for enrolment in enrolments:
        employee = enrolment.employee
        user = users.get(employee.pk)
        email = (user.email if user else "") or employee.email
        if not email:
            continue
        language = (user.language if user else "") or employee.language
        name = employee.full_name
        for session in sessions:
            if ical._record_send(session, email, ical.REQUEST):
                ical._send(session, ical.REQUEST, email, name, language)


@transaction.atomic
def _enrol_chunk(
    *,
    actor: Any,
    cohort_id: int,
    employee_ids: list[int],
    source: str,
    due_on: dt.date | None,
    request: TrainingRequest | None,
    note: str,
) -> tuple[list[Enrolment], int]:
    """Enrol one chunk of already-checked members in one transaction under the cohort lock:
    a few queries for the chunk (no audience re-check: the confirmed preview did it). Members
    enrolled meanwhile (a self-enrolment, another bulk run) are skipped. Returns (created, skipped)."""
    cohort = caps.lock_cohort(Cohort(pk=cohort_id))
    if cohort.status in CLOSED_COHORT:
        raise ValidationFailed(
            {
                "cohort": [
                    _("Cohort %(code)s is %(status)s: it takes no enrolment.")
                    % {"code": cohort.code, "status": cohort.get_status_display()}
                ]
            }
        )
    conf = settings_for(cohort.path.programme)
    already = set(
        Enrolment.objects.filter(cohort=cohort, employee_id__in=employee_ids, status__in=Enrolment.LIVE).values_list(
            "employee_id", flat=True
        )
    )
    employees = {e.pk: e for e in Employee.objects.filter(pk__in=set(employee_ids) - already)}
    free = caps.seats_free(cohort)
    due = _due(cohort, conf, due_on)
    by = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    rows: list[Enrolment] = []
    for pk in employee_ids:
        employee = employees.get(pk)
        if employee is None:
            continue
        seated = free is None or free > 0
        if free is not None and seated:
            free -= 1
        rows.append(
            Enrolment(
                cohort=cohort,
                employee=employee,
                source=source,
                request=request,
                due_on=due,
                enrolled_by=by,
                status=Enrolment.Status.ACTIVE if seated else Enrolment.Status.WAITLISTED,
                waitlisted_at=None if seated else now,
            )
        )
    created = Enrolment.objects.bulk_create(rows)
    EnrolmentEvent.objects.bulk_create(
        [
            EnrolmentEvent(
                enrolment=e, kind="created", from_status="", to_status=e.status, note=note[: caps.REASON_MAX], by=by
            )
            for e in created
        ]
    )
    audit_bulk(
        actor=actor,
        action="create",
        object_type=Enrolment._meta.label_lower,
        rows=[
            (
                str(e.pk),
                str(e),
                {
                    "status": [None, e.status],
                    "source": [None, source],
                    "due_on": [None, str(e.due_on) if e.due_on else None],
                },
            )
            for e in created
        ],
        note=note,
    )
    seated_rows = [e for e in created if e.status == Enrolment.Status.ACTIVE]
    if seated_rows:
        caps.refresh_session_statuses(cohort, actor=actor)
        _invite_seated(cohort, seated_rows)
    return created, len(employee_ids) - len(created)


def enrol_members(
    *,
    actor: Any,
    cohort: Cohort,
    employee_ids: list[int],
    source: str = Enrolment.Source.AUDIENCE,
    due_on: dt.date | None = None,
    request: TrainingRequest | None = None,
    note: str = "",
    progress: Any = None,
) -> dict[str, Any]:
    """Enrol the members a confirmed preview listed, ``BULK_CHUNK`` at a time, one transaction
    per chunk (docs/delivery.md: a failure keeps the chunks already written; the preview run
    again lists them as already enrolled). ``progress(done, total, message)`` is called after
    each chunk. Returns the counts and the created enrolments' ids."""
    total = len(employee_ids)
    out: dict[str, Any] = {"seated": 0, "waitlisted": 0, "skipped": 0, "ids": []}
    for start in range(0, total, BULK_CHUNK):
        chunk = employee_ids[start : start + BULK_CHUNK]
        created, skipped = _enrol_chunk(
            actor=actor,
            cohort_id=cohort.pk,
            employee_ids=chunk,
            source=source,
            due_on=due_on,
            request=request,
            note=note,
        )
        out["ids"] += [e.pk for e in created]
        out["seated"] += sum(1 for e in created if e.status == Enrolment.Status.ACTIVE)
        out["waitlisted"] += sum(1 for e in created if e.status == Enrolment.Status.WAITLISTED)
        out["skipped"] += skipped
        if progress is not None:
            done = min(total, start + len(chunk))
            progress(done, total, _("%(done)d of %(total)d enrolled") % {"done": done, "total": total})
    return out


@transaction.atomic
def enrol_audience_start(
    *,
    actor: Any,
    cohort: Cohort,
    audience: Audience,
    expected: int | None,
    due_on: dt.date | None = None,
    request: TrainingRequest | None = None,
) -> Job:
    """Confirm a bulk enrolment: check the preview against ``expected`` (mandatory), then
    create a Job and enqueue the task that enrols the preview's members in chunks."""
    from pilotage.delivery.tasks import enrol_members_task

    preview = _confirmed_preview(actor=actor, cohort=cohort, audience=audience, expected=expected)
    ids = [m.pk for m in preview.to_enrol]
    job = job_create(
        kind=BULK_JOB_KIND,
        label=_("Enrolling “%(audience)s” in %(code)s") % {"audience": audience.name, "code": cohort.code},
        user=actor,
        total=len(ids),
    )
    audit_record(
        actor=actor,
        action="update",
        instance=cohort,
        changes={"bulk_enrolment": [None, {"audience": audience.pk, "count": len(ids), "job": job.pk}]},
        note=_bulk_note(audience, request),
    )
    enqueue_on_commit(
        enrol_members_task,
        job_id=job.pk,
        cohort_id=cohort.pk,
        employee_ids=ids,
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        source=Enrolment.Source.REQUEST if request is not None else Enrolment.Source.AUDIENCE,
        due_on=due_on.isoformat() if due_on else None,
        request_id=request.pk if request is not None else None,
        note=_bulk_note(audience, request),
    )
    return job
