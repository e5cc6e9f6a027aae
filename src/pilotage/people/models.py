"""People and organisation: org units, sites, job roles, employees, users, roles, audiences."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilotage.core.models import TimeStampedModel


class Language(models.TextChoices):
    FR = "fr", _("French")
    EN = "en", _("English")


class OrgUnit(TimeStampedModel):
    """A node of the organisation tree.

    ``path`` is a materialised path of ids ("/1/4/17/") so that a whole subtree is
    one indexed ``LIKE 'prefix%'`` query on SQLite and PostgreSQL alike.
    """

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.name


class OrgUnitMove(models.Model):
    """History of subtree moves (the tree keeps its past)."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="moves")
    old_parent = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    new_parent = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    old_path_names = models.CharField(max_length=1000, blank=True)
    moved_at = models.DateTimeField(default=timezone.now)
    moved_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.org_unit}: {self.old_parent} -> {self.new_parent}"


class Site(TimeStampedModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code"))
    city = models.CharField(_("city"), max_length=120)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")

    class Meta:
        ordering = ["country", "city", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class JobRole(TimeStampedModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.CharField(_("job family"), max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job role")
        verbose_name_plural = _("job roles")

    def __str__(self) -> str:
        return self.name


class Employee(TimeStampedModel):
    """An employee from the HRIS. ``manager_path`` materialises the management chain
    ("/12/40/" = managed by 40, itself managed by 12) for "whole team" queries in SQL."""

    employee_number = models.CharField(_("employee number"), max_length=50, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports", verbose_name=_("manager")
    )
    manager_path = models.CharField(max_length=2000, blank=True, default="", db_index=True, editable=False)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="employees", verbose_name=_("org unit")
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="employees", verbose_name=_("site")
    )
    job_role = models.ForeignKey(
        JobRole, null=True, blank=True, on_delete=models.PROTECT, related_name="employees", verbose_name=_("job role")
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    active = models.BooleanField(_("active"), default=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [
            models.Index(fields=["org_unit", "active"]),
            models.Index(fields=["site", "active"]),
            models.Index(fields=["job_role"]),
            models.Index(fields=["hire_date"]),
            # People lists and audience members in name order: the first page walks this index.
            # (Not led by ``active``: two values only, and SQLite would then prefer it to a scan.)
            models.Index(fields=["last_name", "first_name", "id"], name="people_empl_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ExternalOrganisation(TimeStampedModel):
    """A company outside the organisation (a vendor, a training provider).

    Kept here, in ``people``, so that a vendor contact's scope can be expressed from the
    foundation; the ``sourcing`` app will hang its vendor records on it.
    """

    class Kind(models.TextChoices):
        VENDOR = "vendor", _("Vendor")
        PROVIDER = "provider", _("Training provider")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VENDOR)

    class Meta:
        ordering = ["name"]
        verbose_name = _("external organisation")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Linked to an employee, or standalone (vendor contact, external facilitator)."""

    email = models.EmailField(_("e-mail"), unique=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    employee = models.OneToOneField(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="user", verbose_name=_("employee")
    )
    organisation = models.ForeignKey(
        ExternalOrganisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("external organisation"),
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[misc]

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        if self.employee_id and self.employee:
            return self.employee.full_name
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()


class Role(models.TextChoices):
    DLM = "dlm", _("Digital learning manager (admin)")
    LD = "ld", _("L&D team member")
    CLIENT = "client", _("Internal client")
    APPROVER_IT = "approver_it", _("Approver: IT")
    APPROVER_PURCHASING = "approver_purchasing", _("Approver: Purchasing")
    APPROVER_FINANCE = "approver_finance", _("Approver: Finance")
    VENDOR = "vendor", _("Vendor contact")
    FACILITATOR = "facilitator", _("Facilitator")
    MANAGER = "manager", _("Manager")
    LEARNER = "learner", _("Learner")


class RoleAssignment(models.Model):
    """A role given to a user, with its scope: org units (internal clients, managers)
    or an external organisation (vendor contacts)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    org_units = models.ManyToManyField(OrgUnit, blank=True, related_name="+", verbose_name=_("org units in scope"))
    organisation = models.ForeignKey(
        ExternalOrganisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]
        verbose_name = _("role assignment")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class Audience(TimeStampedModel):
    """A saved, rule-based selection of employees (a "public cible").

    ``rules`` is a tree: {"op": "and"|"or", "rules": [ {"field": ..., "operator": ..., "value": ...} | group ]}.
    See ``pilotage.people.audiences`` for the grammar; it compiles to one SQL WHERE clause.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="audiences")
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    included = models.ManyToManyField(Employee, blank=True, related_name="+", verbose_name=_("always included"))
    excluded = models.ManyToManyField(Employee, blank=True, related_name="+", verbose_name=_("always excluded"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name


class ImportMapping(TimeStampedModel):
    """A saved column mapping for HRIS files: Pilotage field -> column header."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    columns = models.JSONField(default=dict)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PeopleImport(TimeStampedModel):
    """One HRIS file uploaded for import, its dry-run report and its outcome."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict)
    deactivate_missing = models.BooleanField(_("deactivate employees absent from the file"), default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
