"""Evaluations: surveys (bilingual questions), the hot (L1) and cold (L3) templates, dispatch
rules per programme, invitations, responses. Each answer is also an xAPI statement.

Anonymous mode (decision 0027): a response of an anonymous survey keeps no link to its
respondent (the invitation only records that it was answered); results are not shown for a
group of fewer than ``ANONYMITY_THRESHOLD`` responses.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilotage.core.models import TimeStampedModel

ANONYMITY_THRESHOLD = 5
# The kinds of question that may measure satisfaction or application: one definition for the
# results page and the programme dashboard (an NPS question is its own figure).
MEASURED_KINDS = ("likert", "rating")


class Survey(TimeStampedModel):
    class Kind(models.TextChoices):
        HOT = "hot", _("Hot evaluation (L1)")
        COLD_LEARNER = "cold_learner", _("Cold evaluation, learner (L3)")
        COLD_MANAGER = "cold_manager", _("Cold evaluation, manager (L3)")
        OTHER = "other", _("Other survey")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.HOT)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    intro_fr = models.TextField(_("introduction (French)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    is_template = models.BooleanField(_("template"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    programme = models.ForeignKey(
        "programmes.Programme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("programme"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-is_template", "title_fr"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title_fr


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("Likert scale (1–5, disagree → agree)")
        RATING = "rating", _("Rating (1–N stars)")
        NPS = "nps", _("Net Promoter Score (0–10)")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")

    class Measure(models.TextChoices):
        NONE = "", _("—")
        SATISFACTION = "satisfaction", _("Satisfaction")
        APPLICATION = "application", _("Application on the job (L3)")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    text_fr = models.CharField(_("question (French)"), max_length=400)
    text_en = models.CharField(_("question (English)"), max_length=400)
    required = models.BooleanField(_("required"), default=True)
    # single/multiple: [{"value": "a", "fr": "…", "en": "…"}, …]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    scale_max = models.PositiveSmallIntegerField(_("scale maximum"), default=5)  # rating
    measure = models.CharField(_("measures"), max_length=12, choices=Measure.choices, default="", blank=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("question")

    def __str__(self) -> str:
        return self.text_fr


class DispatchRule(TimeStampedModel):
    """When a programme's survey goes out, and to whom. Owned by the DLM."""

    class Trigger(models.TextChoices):
        AFTER_SESSION = "after_session", _("After each held session")
        AFTER_COMPLETION = "after_completion", _("After completing the path")

    class Audience(models.TextChoices):
        LEARNER = "learner", _("The learner")
        MANAGER = "manager", _("The learner's manager")

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="dispatch_rules")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="dispatch_rules")
    trigger = models.CharField(_("trigger"), max_length=18, choices=Trigger.choices)
    delay_days = models.PositiveSmallIntegerField(_("delay (days)"), default=0)
    audience = models.CharField(_("sent to"), max_length=8, choices=Audience.choices, default=Audience.LEARNER)
    remind_after_days = models.PositiveSmallIntegerField(
        _("remind non-respondents after (days)"), null=True, blank=True
    )
    close_after_days = models.PositiveSmallIntegerField(_("close after (days)"), default=30)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["programme", "trigger", "delay_days"]
        verbose_name = _("dispatch rule")


class Invitation(models.Model):
    """One survey to answer, for one respondent, about one enrolment (and session). ``key``
    makes dispatch idempotent (unique); ``answered_at`` makes answering once only."""

    key = models.CharField(max_length=200, unique=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    rule = models.ForeignKey(DispatchRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="survey_invitations")
    role = models.CharField(max_length=8, default="learner")  # learner | manager
    enrolment = models.ForeignKey(
        "delivery.Enrolment", null=True, blank=True, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    session = models.ForeignKey(
        "delivery.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["respondent", "answered_at"], name="surveys_invit_resp_idx")]

    def __str__(self) -> str:
        return self.key


class Response(models.Model):
    """A submitted answer sheet. The context (programme, cohort, session, facilitator, org unit)
    is copied for results; ``invitation`` is empty for an anonymous survey."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    programme = models.ForeignKey("programmes.Programme", null=True, on_delete=models.SET_NULL, related_name="+")
    cohort = models.ForeignKey("delivery.Cohort", null=True, on_delete=models.SET_NULL, related_name="+")
    session = models.ForeignKey("delivery.Session", null=True, on_delete=models.SET_NULL, related_name="+")
    org_unit = models.ForeignKey("people.OrgUnit", null=True, on_delete=models.SET_NULL, related_name="+")
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    role = models.CharField(max_length=8, default="learner")
    language = models.CharField(max_length=5, default="fr")
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return str(self.uid)


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.FloatField(null=True, blank=True)  # likert, rating, nps
    text = models.TextField(blank=True)  # free text
    choices = models.JSONField(default=list, blank=True)  # single/multiple: the values chosen

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="surveys_answer_once")]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
