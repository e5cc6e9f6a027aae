"""Strategy: leadership objectives, training requests and their triage, needs campaigns
("recueil des besoins") and the weighted criteria that rank the backlog.

Programmes live one layer up (``pilotage.programmes``): a programme points at the objectives
and requests it answers, never the other way round.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pilotage.core.models import TimeStampedModel


class Objective(TimeStampedModel):
    """A goal set by leadership that training should serve."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    horizon = models.DateField(_("horizon"), null=True, blank=True, help_text=_("Date by which it should be met"))
    business_indicator = models.CharField(
        _("business indicator"), max_length=200, blank=True, help_text=_("The business figure it should move")
    )
    indicator_baseline = models.CharField(_("baseline"), max_length=100, blank=True)
    indicator_target = models.CharField(_("target"), max_length=100, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=3, help_text=_("Strategic weight from 1 (minor) to 5 (critical)")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["-weight", "title"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=5), name="objective_weight_1_5")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingRequest(TimeStampedModel):
    """A business need filed by an internal client (or created from a needs campaign)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        ACCEPTED = "accepted", _("Accepted")
        MERGED = "merged", _("Merged")
        PARKED = "parked", _("Parked")
        DECLINED = "declined", _("Declined")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    business_need = models.TextField(_("business need"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_requests",
        verbose_name=_("requester"),
    )
    org_unit = models.ForeignKey(
        "people.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requesting org unit"),
    )
    audience = models.ForeignKey(
        "people.Audience",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("target audience"),
    )
    population_description = models.TextField(_("target population"), blank=True)
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    wished_date = models.DateField(_("wished date"), null=True, blank=True)
    objective = models.ForeignKey(
        Objective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
        verbose_name=_("objective"),
    )
    expected_impact = models.TextField(_("expected impact"), blank=True)
    legal_obligation = models.BooleanField(_("legal or regulatory obligation"), default=False)
    legal_reference = models.CharField(_("legal reference"), max_length=200, blank=True)
    budget_indication = models.DecimalField(
        _("budget indication (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_requests",
        verbose_name=_("merged into"),
    )
    campaign_need = models.OneToOneField(
        "strategy.Need",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request",
        verbose_name=_("from the need"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("training request")
        verbose_name_plural = _("training requests")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.SUBMITTED, self.Status.UNDER_REVIEW, self.Status.PARKED}


class RequestTransition(models.Model):
    """One status change of a request, shown to the requester as its history."""

    request = models.ForeignKey(TrainingRequest, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class RequestComment(TimeStampedModel):
    """The conversation between the requester and the L&D team on a request."""

    request = models.ForeignKey(TrainingRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("comment"))
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Seen by the L&D team only, not by the requester")
    )

    class Meta:
        ordering = ["created_at", "id"]


class RequestAttachment(TimeStampedModel):
    request = models.ForeignKey(TrainingRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="requests/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]


class NeedsCampaign(TimeStampedModel):
    """The yearly "recueil des besoins": managers (an audience) submit their team's needs."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARBITRATED = "arbitrated", _("Arbitrated")

    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions to managers"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    audience = models.ForeignKey(
        "people.Audience",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited managers"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("needs campaign")
        verbose_name_plural = _("needs campaigns")
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="campaign_dates")
        ]

    def __str__(self) -> str:
        return self.title


class Need(TimeStampedModel):
    """A need submitted by a manager for their team during a campaign, then arbitrated."""

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Decision(models.TextChoices):
        PENDING = "pending", _("To arbitrate")
        RETAINED = "retained", _("Retained")
        MERGED = "merged", _("Merged")
        POSTPONED = "postponed", _("Postponed")
        REJECTED = "rejected", _("Rejected")

    campaign = models.ForeignKey(NeedsCampaign, on_delete=models.CASCADE, related_name="needs")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("people.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("need"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    theme = models.CharField(_("theme"), max_length=120, blank=True)
    headcount = models.PositiveIntegerField(_("people concerned"), default=1)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    wished_quarter = models.CharField(_("wished quarter"), max_length=7, blank=True, help_text=_("e.g. 2027-Q2"))
    estimated_cost = models.DecimalField(
        _("estimated cost (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, default=Decision.PENDING)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.title


class Criterion(TimeStampedModel):
    """A weighted prioritisation criterion configured by the DLM. Weights of the active
    criteria sum to 100. A criterion is scored 0–5, by hand or from the request's data."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Scored by hand")
        OBJECTIVE = "objective", _("Weight of the linked objective")
        REACH = "reach", _("Headcount reached")
        LEGAL = "legal", _("Legal or regulatory obligation")
        URGENCY = "urgency", _("Closeness of the wished date")
        COST = "cost", _("Budget (lower is better)")

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight (%)"), default=0)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


class RequestScore(models.Model):
    """A hand-given score (0–5) of a request on one manual criterion."""

    request = models.ForeignKey(TrainingRequest, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField()
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "criterion"], name="one_score_per_request_criterion"),
            models.CheckConstraint(condition=models.Q(value__lte=5), name="request_score_0_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value}"
