"""Programmes ("dispositifs"): what the L&D team designs to answer objectives and requests —
with a skills framework, a lifecycle, an explainable modality recommender and learning paths
of typed steps.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pilotage.core.models import TimeStampedModel


def _in_language(en: str, fr: str) -> str:
    return (fr or en) if (get_language() or "en").startswith("fr") else (en or fr)


# --- skills framework -----------------------------------------------------------------------


class SkillDomain(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill domain")

    def __str__(self) -> str:
        return self.name


class Skill(TimeStampedModel):
    domain = models.ForeignKey(SkillDomain, on_delete=models.PROTECT, related_name="skills", verbose_name=_("domain"))
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["domain__name", "name"]
        verbose_name = _("skill")
        constraints = [models.UniqueConstraint(fields=["domain", "name"], name="unique_skill_per_domain")]

    def __str__(self) -> str:
        return self.name


class ProficiencyLevel(models.Model):
    """The levels of the framework's scale (e.g. 1 Notions … 4 Expertise)."""

    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("proficiency level")

    def __str__(self) -> str:
        return f"{self.rank} · {self.name}"

    @property
    def name(self) -> str:
        return _in_language(self.name_en, self.name_fr)


# --- modality catalogue and recommender -------------------------------------------------------


class Modality(TimeStampedModel):
    """A pedagogical modality of the editable catalogue (e-learning, virtual class…)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    base_score = models.SmallIntegerField(_("base score"), default=0)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("modality")
        verbose_name_plural = _("modalities")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_en, self.name_fr)

    @property
    def description(self) -> str:
        return _in_language(self.description_en, self.description_fr)


class RuleSet(models.Model):
    """A version of the recommender's rule base. Exactly one is published at a time; edits
    happen on the draft, publishing it freezes it, so every recommendation names the
    version whose rules produced it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("rule set")

    def __str__(self) -> str:
        return f"v{self.version}"


class Rule(models.Model):
    """When ``condition`` holds on the programme's inputs, add ``effects`` to modality scores;
    ``explanation_*`` is the sentence shown to say why.

    condition: {"all": [{"input": "audience_size", "op": ">=", "value": 1000}, ...]} or {"any": [...]}
    effects:   {"micro_learning": 3, "in_person": -2}
    """

    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=160)
    condition = models.JSONField(_("condition"), default=dict)
    effects = models.JSONField(_("effects"), default=dict)
    explanation_en = models.CharField(_("explanation (English)"), max_length=400)
    explanation_fr = models.CharField(_("explanation (French)"), max_length=400)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "key"], name="unique_rule_key_per_version")]

    def __str__(self) -> str:
        return self.name

    @property
    def explanation(self) -> str:
        return _in_language(self.explanation_en, self.explanation_fr)


# --- programmes -------------------------------------------------------------------------------


class Programme(TimeStampedModel):
    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        DESIGN = "design", _("Design")
        PRODUCTION = "production", _("Production")
        DEPLOYMENT = "deployment", _("Deployment")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_programmes",
        verbose_name=_("sponsor"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_programmes",
        verbose_name=_("owner"),
    )
    audiences = models.ManyToManyField(
        "people.Audience", blank=True, related_name="programmes", verbose_name=_("target audiences")
    )
    objectives = models.ManyToManyField(
        "strategy.Objective", blank=True, related_name="programmes", verbose_name=_("objectives")
    )
    requests = models.ManyToManyField(
        "strategy.TrainingRequest", blank=True, related_name="programmes", verbose_name=_("requests answered")
    )
    learning_objectives = models.TextField(_("learning objectives"), blank=True, help_text=_("One per line"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IDEA, db_index=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    budget_estimate = models.DecimalField(
        _("estimated budget (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    requires_manager_approval = models.BooleanField(_("self-enrolment needs the manager's approval"), default=False)
    design_inputs = models.JSONField(
        _("recommender inputs"),
        default=dict,
        blank=True,
        help_text=_("The programme's profile for the modality recommender (see programmes.recommender)"),
    )
    chosen_modality = models.ForeignKey(
        Modality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("modality")
    )

    class Meta:
        ordering = ["planned_start", "title"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="programme_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProgrammeTransition(models.Model):
    """Who moved a programme through its lifecycle, and when."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class ProgrammeCompetency(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="competencies")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+", verbose_name=_("skill"))
    target_level = models.ForeignKey(
        ProficiencyLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("target level")
    )

    class Meta:
        ordering = ["skill__name"]
        constraints = [models.UniqueConstraint(fields=["programme", "skill"], name="one_target_per_skill")]

    def __str__(self) -> str:
        return f"{self.skill} ≥ {self.target_level}"


class ProgrammeScore(models.Model):
    """A hand-given score (0–5) of a programme on one manual prioritisation criterion."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("strategy.Criterion", on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField()
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "criterion"], name="one_score_per_programme_criterion"),
            models.CheckConstraint(condition=models.Q(value__lte=5), name="programme_score_0_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value}"


class Recommendation(models.Model):
    """One run of the recommender for a programme: the inputs it saw, the ranked modalities
    with the rules that fired, the rule version, and the DLM's choice (with the reason when
    it differs from the top of the list)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="recommendations")
    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField(default=dict)
    results = models.JSONField(default=list)  # [{"modality": key, "score": n, "rules": [rule keys]}, ...]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    chosen_modality = models.ForeignKey(Modality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    override_reason = models.TextField(_("reason for overriding the recommendation"), blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.created_at:%Y-%m-%d}"


# --- learning paths -----------------------------------------------------------------------------


class LearningPath(TimeStampedModel):
    class CompletionRule(models.TextChoices):
        ALL_MANDATORY = "all_mandatory", _("All mandatory steps")
        N_OF_M = "n_of_m", _("N steps out of all")
        MIN_SCORE = "min_score", _("A minimum score")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="paths", verbose_name=_("programme")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="fr")
    completion_rule = models.CharField(
        _("completion rule"), max_length=16, choices=CompletionRule.choices, default=CompletionRule.ALL_MANDATORY
    )
    completion_count = models.PositiveSmallIntegerField(_("steps required (N)"), null=True, blank=True)
    completion_min_score = models.PositiveSmallIntegerField(_("minimum score (%)"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "title"]
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")

    def __str__(self) -> str:
        return self.title


class PathStep(TimeStampedModel):
    class Kind(models.TextChoices):
        ELEARNING = "elearning", _("E-learning module")
        VIRTUAL_CLASS = "virtual_class", _("Virtual class")
        IN_PERSON = "in_person", _("In-person session")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")
        LINK = "link", _("Link")
        QUIZ = "quiz", _("Quiz")
        SURVEY = "survey", _("Survey")
        ASSIGNMENT = "assignment", _("Assignment")
        PEER = "peer", _("Peer activity")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    duration_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=0)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="unlocks", verbose_name=_("prerequisites")
    )
    activity_iri = models.CharField(
        _("xAPI activity IRI"),
        max_length=400,
        unique=True,
        help_text=_("Stable: statements about this step use it as their object id"),
    )

    class Meta:
        ordering = ["path", "position", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return self.title
