"""The xAPI Learning Record Store: statements, the identifiers they index by, documents,
attachments, credentials, and the projections maintained at insert time.

Storage is made for volume (see DESIGN.md, "Facts measured for the data path"):
- the statement JSON is kept whole (``payload``) beside a few extracted integer columns;
- agents, verbs and activities are interned in small dictionary tables, so a statement row
  carries integer ids, and every filter index is ``(key, id)`` where ``id`` grows with time
  (inserts append at the end of each key's range instead of rewriting scattered pages);
- the three filters on values spread over many keys (actor, activity, registration) are
  indexed per era, ``(id >> ERA_BITS, key, id)``: a batch inserts only into the current
  era's part of each, whose size does not grow with the store. Their readers state the era
  (``lrs.eras``; decision 0043);
- the statement UUID has one unique index (lookups by ``statementId`` and 409 checks).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NO_REGISTRATION = uuid.UUID(int=0)

# A statement's era is ``id >> ERA_BITS``: 131,072 statements an era (decision 0043).
ERA_BITS = 17


class Era(models.Func):
    """The era of a statement, ``("id" >> 17)``. The shift is written into the SQL, not passed
    as a parameter: only then does the expression match the era indexes' (on SQLite and on
    PostgreSQL alike)."""

    template = f"(%(expressions)s >> {ERA_BITS})"
    output_field = models.BigIntegerField()

    def __init__(self) -> None:
        super().__init__(models.F("id"))


class Agent(models.Model):
    """An interned actor identity: one row per inverse functional identifier (IFI).

    ``ifi`` is canonical text: ``mbox:mailto:x@y``, ``mbox_sha1sum:<hex>``,
    ``openid:<uri>``, ``account:<homePage>|<name>``; groups without IFI are not interned.
    """

    ifi = models.CharField(max_length=512, unique=True)
    name = models.CharField(max_length=255, blank=True)
    employee = models.ForeignKey(
        "people.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="xapi_agents"
    )
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("xAPI agent")

    def __str__(self) -> str:
        return self.name or self.ifi


class Verb(models.Model):
    iri = models.CharField(max_length=512, unique=True)
    display = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.iri


class Activity(models.Model):
    """An activity known from statements (the catalogue is built from them)."""

    iri = models.CharField(max_length=1024, unique=True)
    definition = models.JSONField(default=dict, blank=True)
    # The name to sort the catalogue by: the French name, else English, else any, else the
    # IRI — case- and accent-folded (see ``activity_sort_name``); kept with the definition.
    sort_name = models.CharField(max_length=300, default="", db_index=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.iri


def activity_sort_name(definition: Any, iri: str) -> str:
    import unicodedata

    names = definition.get("name") if isinstance(definition, dict) else None
    text = ""
    if isinstance(names, dict) and names:
        for prefix in ("fr", "en"):
            text = next((v for k, v in names.items() if k.lower().startswith(prefix) and v), "")
            if text:
                break
        text = text or next((v for v in names.values() if v), "")
    folded = unicodedata.normalize("NFKD", str(text or iri)).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.casefold().split())[:300]


class LrsClient(models.Model):
    """Credentials of an xAPI client (HTTP Basic key:secret), with scopes."""

    class Scope(models.TextChoices):
        STATEMENTS_WRITE = "statements/write", _("Write statements")
        STATEMENTS_READ = "statements/read", _("Read all statements")
        STATEMENTS_READ_MINE = "statements/read/mine", _("Read its own statements")
        STATE = "state", _("State documents")
        PROFILE = "define", _("Activity and agent profiles")

    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=128)
    scopes = models.JSONField(default=list)
    authority = models.JSONField(default=dict, blank=True)  # the Agent/Group stored as authority
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    statement_count = models.BigIntegerField(default=0)
    # A short-lived launch credential (content launched by the learner portal) expires.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("LRS client")

    def __str__(self) -> str:
        return self.name


class Statement(models.Model):
    """One stored statement. ``payload`` is the statement as stored (with ``id``,
    ``stored``, ``authority``, ``version`` filled in); the columns beside it serve filters."""

    statement_id = models.UUIDField(unique=True)
    stored = models.DateTimeField(db_index=True)
    timestamp = models.DateTimeField()
    # No database FOREIGN KEY constraint on the ingest tables' references (``db_constraint``
    # False; the ORM still enforces PROTECT/CASCADE): the ids come from the interning in
    # the same transaction, and on PostgreSQL each constraint is a per-row trigger run at
    # commit that also share-locks the referenced row — 40 ms of a 100 ms batch of 1,000,
    # and every concurrent batch locking the same few verb rows. No single-column index
    # either (``db_index`` False) where an index below has the column first (after the era).
    # See docs/performance.md.
    actor = models.ForeignKey(
        Agent, null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    verb = models.ForeignKey(Verb, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    activity = models.ForeignKey(
        Activity, null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    registration = models.UUIDField(null=True)
    # The statement this one voids (a voiding statement), and whether this one is voided.
    voided_target = models.UUIDField(null=True)
    voided = models.BooleanField(default=False)
    # The statement a StatementRef object targets (voiding or not): filters also match a
    # statement through its target (XAPI-00162).
    ref_target = models.UUIDField(null=True)
    client = models.ForeignKey(LrsClient, null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    version = models.CharField(max_length=16, default="1.0.0")
    payload = models.JSONField()
    # Canonical JSON text hash, for "same id, same content" (idempotent re-send) checks.
    content_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # Per era (see the module's docstring): read through ``lrs.eras``.
            models.Index(Era(), models.F("actor"), models.F("id"), name="lrs_stmt_actor_idx"),
            models.Index(fields=["verb", "id"], name="lrs_stmt_verb_idx"),
            models.Index(Era(), models.F("activity"), models.F("id"), name="lrs_stmt_activity_idx"),
            models.Index(Era(), models.F("registration"), models.F("id"), name="lrs_stmt_registration_idx"),
            # Voiding statements only (a handful): finds the voider of a late-arriving target.
            # Statements whose object is a StatementRef only (few): walked in id order.
            models.Index(fields=["id"], name="lrs_stmt_refs_idx", condition=models.Q(ref_target__isnull=False)),
            models.Index(
                fields=["voided_target"],
                name="lrs_stmt_voided_target_idx",
                condition=models.Q(voided_target__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementRef(models.Model):
    """Agents and activities a statement mentions beyond its actor and object, for the
    ``related_agents`` / ``related_activities`` filters (context, sub-statement, group
    members, authority...). ``kind`` is "agent" or "activity"."""

    # No database constraints: see Statement.actor.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="refs", db_constraint=False)
    agent = models.ForeignKey(
        Agent, null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    activity = models.ForeignKey(
        Activity, null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["agent", "statement"], name="lrs_ref_agent_idx"),
            models.Index(fields=["activity", "statement"], name="lrs_ref_activity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} -> {self.agent_id or self.activity_id}"


class Attachment(models.Model):
    """Attachment content, stored once per SHA-256."""

    sha2 = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=255)
    length = models.BigIntegerField()
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha2


class Document(models.Model):
    """State, activity profile and agent profile documents (one table, ``kind`` says which)."""

    class Kind(models.TextChoices):
        STATE = "state", "state"
        ACTIVITY_PROFILE = "activity_profile", "activity profile"
        AGENT_PROFILE = "agent_profile", "agent profile"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    activity_iri = models.CharField(max_length=1024, blank=True, default="")
    agent_ifi = models.CharField(max_length=512, blank=True, default="")
    registration = models.UUIDField(null=True, blank=True)
    doc_id = models.CharField(max_length=1024)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "activity_iri", "agent_ifi", "registration"], name="lrs_doc_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.doc_id}"


class LearnerProgress(models.Model):
    """Projection: per (learner, activity, registration) progress, kept in the same
    transaction as the statements that move it."""

    # No database constraints on the interned ids: see Statement.actor.
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # No registration is the nil UUID (NO_REGISTRATION), so the unique key needs no NULL.
    registration = models.UUIDField(default=NO_REGISTRATION)
    employee = models.ForeignKey("people.Employee", null=True, on_delete=models.SET_NULL, related_name="+")
    first_launch = models.DateTimeField(null=True)
    last_activity = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)
    success = models.BooleanField(null=True)
    best_score = models.FloatField(null=True)  # scaled, -1..1
    time_spent_seconds = models.FloatField(default=0)
    statement_count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "activity", "registration"], name="lrs_progress_unique")
        ]
        indexes = [models.Index(fields=["activity", "completed_at"], name="lrs_progress_activity_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id}/{self.activity_id}/{self.registration}"


class DailyActivity(models.Model):
    """Projection: statements per (day, activity, verb, org unit) — small rollups for KPIs.

    Plain integer keys (0 = none: no activity object, learner without org unit) keep the
    unique key free of NULLs on both databases; they hold ``Activity`` and ``OrgUnit`` ids.
    """

    day = models.DateField()
    activity_key = models.BigIntegerField(default=0)
    verb = models.ForeignKey(Verb, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    org_unit_key = models.BigIntegerField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "activity_key", "verb", "org_unit_key"], name="lrs_daily_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.verb_id} {self.activity_key}: {self.count}"


class LmsImportMapping(models.Model):
    """A saved column mapping for LMS completion reports: Pilotage field -> column header,
    with how learners are identified and the language of course titles."""

    class LearnerKey(models.TextChoices):
        EMPLOYEE_NUMBER = "employee_number", _("Employee number")
        EMAIL = "email", _("E-mail")

    name = models.CharField(_("name"), max_length=100, unique=True)
    columns = models.JSONField(default=dict)
    learner_key = models.CharField(
        _("learners identified by"), max_length=20, choices=LearnerKey.choices, default=LearnerKey.EMPLOYEE_NUMBER
    )
    language = models.CharField(_("language of course titles"), max_length=16, default="fr")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("LMS import mapping")

    def __str__(self) -> str:
        return self.name


class LmsImport(models.Model):
    """One LMS completion report uploaded for import, its dry-run report and its outcome."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    file = models.FileField(upload_to="lms-imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict)
    learner_key = models.CharField(
        max_length=20, choices=LmsImportMapping.LearnerKey.choices, default=LmsImportMapping.LearnerKey.EMPLOYEE_NUMBER
    )
    language = models.CharField(max_length=16, default="fr")
    only_valid = models.BooleanField(_("import only the valid rows"), default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("LMS import")

    def __str__(self) -> str:
        return self.original_name
