"""Delivery: a learning path runs as cohorts; sessions are its scheduled events; employees are
enrolled; facilitators take attendance; progress comes from the LRS; reminders nudge.

Capacity (decision 0026): a cohort has a capacity (seats); every active enrolment of a cohort is
expected at each of its sessions, so a session's own capacity (the room) caps the cohort too.
Enrolling past the smaller of the two puts the enrolment on the cohort's waitlist, promoted in
order when a seat frees up. A session whose seats are all taken is "full"; it goes back to
"scheduled" when a seat frees up.

Each enrolment's ``registration`` (a UUID) is the xAPI registration its statements carry.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilotage.core.models import TimeStampedModel


class DeliverySettings(models.Model):
    """The delivery rules of a programme, owned by the DLM (one row per programme, created on
    first use with the defaults)."""

    programme = models.OneToOneField("programmes.Programme", on_delete=models.CASCADE, related_name="delivery_settings")
    self_enrolment = models.BooleanField(
        _("open to self-enrolment"), default=False, help_text=_("Shown in the learners' catalogue")
    )
    manager_approval = models.BooleanField(
        _("manager approval required"),
        default=False,
        help_text=_("A self-enrolment waits for the learner's manager to approve it"),
    )
    audience_only = models.BooleanField(
        _("only the programme's audiences"),
        default=False,
        help_text=_("Refuse to enrol an employee outside the programme's target audiences"),
    )
    default_due_days = models.PositiveSmallIntegerField(
        _("due after (days)"), null=True, blank=True, help_text=_("Due date of a new enrolment, from its start")
    )
    at_risk_inactive_days = models.PositiveSmallIntegerField(_("at risk after (days without activity)"), default=14)

    class Meta:
        verbose_name = _("delivery settings")

    def __str__(self) -> str:
        return f"{self.programme_id}"


class Cohort(TimeStampedModel):
    """A run of a learning path."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for enrolment")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    path = models.ForeignKey(
        "programmes.LearningPath", on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("learning path")
    )
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: no limit"))
    language = models.CharField(_("language"), max_length=5, default="fr")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_cohorts", verbose_name=_("facilitators")
    )
    location = models.CharField(_("location"), max_length=300, blank=True)
    virtual_link = models.URLField(_("virtual class link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Session(TimeStampedModel):
    """A scheduled event of a cohort. Never deleted: cancelled with a reason, and restorable."""

    class Kind(models.TextChoices):
        VIRTUAL = "virtual", _("Virtual class")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        FULL = "full", _("Full")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("cohort"))
    step = models.ForeignKey(
        "programmes.PathStep",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        verbose_name=_("path step"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.IN_PERSON)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    room = models.CharField(_("room"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    virtual_link = models.URLField(_("virtual class link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty: no limit"))
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_sessions", verbose_name=_("facilitators")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # iCalendar SEQUENCE: incremented on every change an attendee's calendar must apply.
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["starts_at", "status"], name="delivery_session_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="delivery_session_ends_after")
        ]

    def __str__(self) -> str:
        return self.title


class SessionChange(models.Model):
    """History of a session's lifecycle (scheduled → full → held, cancelled, restored)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.from_status} → {self.to_status}"


class Enrolment(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting manager approval")
        WAITLISTED = "waitlisted", _("Waitlisted")
        ACTIVE = "active", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined by the manager")
        UNENROLLED = "unenrolled", _("Unenrolled")
        TRANSFERRED = "transferred", _("Transferred")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        AUDIENCE = "audience", _("From an audience")
        REQUEST = "request", _("From a training request")
        SELF = "self", _("Self-enrolment")
        TRANSFER = "transfer", _("Transfer")

    # Statuses that hold (or wait for) a seat; the others are history.
    LIVE = ("pending", "waitlisted", "active", "completed")
    SEATED = ("active", "completed")

    registration = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("cohort"))
    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("employee")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    request = models.ForeignKey(
        "strategy.TrainingRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    waitlisted_at = models.DateTimeField(null=True, blank=True)  # waitlist order
    transferred_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="transferred_to"
    )
    # Progress, kept by the LRS projection (delivery.progress) and by attendance.
    started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    score = models.FloatField(null=True, blank=True)  # best scaled score of a scored step, 0..1
    steps_completed = models.PositiveSmallIntegerField(default=0)
    progress_percent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["cohort", "employee__last_name", "employee__first_name", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "employee"],
                condition=Q(status__in=["pending", "waitlisted", "active", "completed"]),
                name="delivery_one_live_enrolment",
            )
        ]
        indexes = [
            models.Index(fields=["employee", "status"], name="delivery_enrol_employee_idx"),
            models.Index(fields=["cohort", "status"], name="delivery_enrol_cohort_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}/{self.employee_id}"


class EnrolmentEvent(models.Model):
    """History of an enrolment: created, approved, waitlisted, promoted, transferred…"""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.kind}"


class StepProgress(models.Model):
    """Per enrolment and path step, from the LRS (projection ``delivery.progress``) and attendance."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="step_progress")
    step = models.ForeignKey("programmes.PathStep", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    success = models.BooleanField(null=True)
    score = models.FloatField(null=True, blank=True)  # best scaled score, 0..1
    time_spent_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "step"], name="delivery_step_progress_unique")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.step_id}: {self.status}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        EXCUSED = "excused", _("Excused absence")
        ABSENT = "absent", _("Absent")
        NO_SHOW = "no_show", _("No-show")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    statement_id = models.UUIDField(null=True, blank=True)  # the xAPI statement that records it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="delivery_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.enrolment_id}: {self.status}"


class ReminderRule(TimeStampedModel):
    class Kind(models.TextChoices):
        BEFORE_SESSION = "before_session", _("Before a session")
        INACTIVITY = "inactivity", _("After days without activity")
        OVERDUE = "overdue", _("When overdue")

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="reminder_rules")
    kind = models.CharField(_("when"), max_length=16, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(_("days"), default=1)
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True, help_text=_("Empty: once")
    )
    escalate_after = models.PositiveSmallIntegerField(
        _("escalate to the manager after (reminders)"), null=True, blank=True, help_text=_("Empty: never")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["programme", "kind", "days"]
        verbose_name = _("reminder rule")


class ReminderSend(models.Model):
    """One reminder sent. ``key`` makes each send idempotent: the row is inserted before the
    mail leaves, in the same transaction, and a second worker's insert of the same key fails."""

    key = models.CharField(max_length=200, unique=True)
    rule = models.ForeignKey(ReminderRule, null=True, on_delete=models.SET_NULL, related_name="sends")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reminders")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    to_manager = models.BooleanField(default=False)
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return self.key


class CalendarSend(models.Model):
    """The last calendar invitation sent to one attendee for one session (iCalendar
    REQUEST/CANCEL with the session's SEQUENCE): a re-send only happens when the sequence moved."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="calendar_sends")
    email = models.EmailField()
    sequence = models.PositiveIntegerField()
    method = models.CharField(max_length=8)  # REQUEST or CANCEL
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "email", "sequence", "method"], name="delivery_calendar_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.email} {self.method} #{self.sequence}"


class Certificate(models.Model):
    """A certificate of completion ("certificat de réalisation"), numbered once per enrolment."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(max_length=30, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)

    def __str__(self) -> str:
        return self.number
