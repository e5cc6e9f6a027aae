"""Writes of the survey builder: surveys, questions, copies, the hot/cold templates and the
dispatch rules of a programme. Every function is one transaction, audited.

A survey's questions are its structure: once it has responses, questions can no longer be
added, removed or change type or choices (the results would mix two questionnaires); texts can
still be corrected. To change the structure, copy the survey.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pilotage.core import ordering
from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import ValidationFailed
from pilotage.programmes.models import Programme
from pilotage.surveys import templates_data
from pilotage.surveys.models import MEASURED_KINDS, DispatchRule, Question, Survey

SURVEY_FIELDS = ["kind", "title_fr", "title_en", "intro_fr", "intro_en", "anonymous", "programme", "status"]
QUESTION_FIELDS = ["kind", "text_fr", "text_en", "required", "choices", "scale_max", "measure", "position"]
RULE_FIELDS = [
    "survey",
    "trigger",
    "delay_days",
    "audience",
    "remind_after_days",
    "close_after_days",
    "active",
]

CHOICE_KINDS = {Question.Kind.SINGLE, Question.Kind.MULTIPLE}
RATING_MIN, RATING_MAX = 2, 10
MAX_CHOICES = 20
_VALUE_RE = re.compile(r"^[a-z0-9_-]{1,40}$")


# --- surveys ----------------------------------------------------------------------------------


def _clean_survey(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("title_fr", "title_en"):
        if not str(data.get(name) or "").strip():
            errors[name] = [
                _("A title is needed in French and in English: learners read the survey in their language.")
            ]
    if data.get("kind") not in Survey.Kind.values:
        errors["kind"] = [_("Choose a kind of survey: hot, cold (learner or manager) or other.")]
    if data.get("is_template") and data.get("programme") is not None:
        errors["programme"] = [_("A template belongs to no programme: leave the programme empty.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def survey_create(
    *,
    actor: Any,
    kind: str,
    title_fr: str,
    title_en: str,
    intro_fr: str = "",
    intro_en: str = "",
    anonymous: bool = False,
    programme: Programme | None = None,
    is_template: bool = False,
) -> Survey:
    """A new survey, in draft: add its questions, preview it, then publish it."""
    data = {
        "kind": kind,
        "title_fr": title_fr,
        "title_en": title_en,
        "programme": programme,
        "is_template": is_template,
    }
    _clean_survey(data)
    survey = Survey.objects.create(
        kind=kind,
        title_fr=title_fr.strip(),
        title_en=title_en.strip(),
        intro_fr=intro_fr.strip(),
        intro_en=intro_en.strip(),
        anonymous=anonymous,
        programme=programme,
        is_template=is_template,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="survey.create", instance=survey, changes=snapshot(survey, SURVEY_FIELDS))
    return survey


@transaction.atomic
def survey_update(*, actor: Any, survey: Survey, **fields: Any) -> Survey:
    """Change a survey's texts, kind, anonymity or programme. The promises made are kept: the
    anonymity is fixed once an invitation went out (it told the respondent how their answers
    are kept), the programme once a dispatch rule, an invitation or a response uses the survey
    (its results belong to that programme), the kind once it has responses. Copy it instead."""
    allowed = {"kind", "title_fr", "title_en", "intro_fr", "intro_en", "anonymous", "programme"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    before = snapshot(survey, SURVEY_FIELDS)
    data = {**{name: getattr(survey, name) for name in allowed}, **fields, "is_template": survey.is_template}
    _clean_survey(data)
    errors: dict[str, list[str]] = {}
    if _changes(survey, fields, "anonymous") and (survey.invitations.exists() or survey.responses.exists()):
        errors["anonymous"] = [
            _(
                "Anonymous: invitations already went out saying how answers are kept, so this can no longer "
                "change. Copy the survey to ask differently."
            )
        ]
    if _changes(survey, fields, "programme") and (
        survey.dispatch_rules.exists() or survey.invitations.exists() or survey.responses.exists()
    ):
        errors["programme"] = [
            _(
                "Programme: this survey already has dispatch rules, invitations or responses for its programme, "
                "so it can no longer move. Copy it for the other programme instead."
            )
        ]
    if _changes(survey, fields, "kind") and survey.responses.exists():
        errors["kind"] = [_("Kind: the survey already has responses, so this can no longer change. Copy it instead.")]
    if errors:
        raise ValidationFailed(errors)
    for name, value in fields.items():
        setattr(survey, name, value.strip() if isinstance(value, str) else value)
    survey.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor, action="survey.update", instance=survey, changes=diff(before, snapshot(survey, SURVEY_FIELDS))
    )
    return survey


def _changes(survey: Survey, fields: dict[str, Any], name: str) -> bool:
    if name not in fields:
        return False
    value = fields[name]
    if name == "programme":
        return (value.pk if value is not None else None) != survey.programme_id
    return bool(value != getattr(survey, name))


def publish_problems(survey: Survey) -> list[str]:
    """What stops ``survey`` from being published (empty: it can be)."""
    problems = []
    questions = list(survey.questions.all())
    if not questions:
        problems.append(_("Add at least one question."))
    for number, question in enumerate(sorted(questions, key=lambda q: (q.position, q.pk)), start=1):
        if not question.text_fr.strip() or not question.text_en.strip():
            problems.append(_("Question %(n)s needs its text in French and in English.") % {"n": number})
        for choice in question.choices if question.kind in CHOICE_KINDS else []:
            if not str(choice.get("fr", "")).strip() or not str(choice.get("en", "")).strip():
                problems.append(_("Question %(n)s: every choice needs a French and an English label.") % {"n": number})
                break
    if not survey.title_fr.strip() or not survey.title_en.strip():
        problems.append(_("The survey needs a title in French and in English."))
    return problems


@transaction.atomic
def survey_publish(*, actor: Any, survey: Survey) -> Survey:
    """Make a survey usable by dispatch rules (and answerable). Refused with the list of what
    is missing: a question, a text or a choice label in one of the two languages."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    problems = publish_problems(survey)
    if problems:
        raise ValidationFailed({"__all__": problems})
    if survey.status != Survey.Status.PUBLISHED:
        before = survey.status
        survey.status = Survey.Status.PUBLISHED
        survey.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="survey.publish", instance=survey, changes={"status": [before, survey.status]})
    return survey


@transaction.atomic
def survey_archive(*, actor: Any, survey: Survey) -> Survey:
    """Archive: its rules stop sending it, open invitations can no longer be answered; results stay."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.ARCHIVED:
        before = survey.status
        survey.status = Survey.Status.ARCHIVED
        survey.save(update_fields=["status", "updated_at"])
        DispatchRule.objects.filter(survey=survey, active=True).update(active=False)
        audit_record(actor=actor, action="survey.archive", instance=survey, changes={"status": [before, survey.status]})
    return survey


@transaction.atomic
def survey_copy(
    *, actor: Any, survey: Survey, programme: Programme | None, as_template: bool = False, publish: bool = False
) -> Survey:
    """A copy of ``survey`` and its questions: for a programme (from a template, typically), or
    as a new template. The copy is a draft unless ``publish``."""
    if as_template and programme is not None:
        raise ValidationFailed({"programme": [_("A template belongs to no programme: leave the programme empty.")]})
    if not as_template and programme is None:
        raise ValidationFailed({"programme": [_("Choose the programme the copy is for.")]})
    copy = Survey.objects.create(
        kind=survey.kind,
        title_fr=survey.title_fr,
        title_en=survey.title_en,
        intro_fr=survey.intro_fr,
        intro_en=survey.intro_en,
        anonymous=survey.anonymous,
        programme=programme,
        is_template=as_template,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Question.objects.bulk_create(
        [
            Question(
                survey=copy,
                position=q.position,
                kind=q.kind,
                text_fr=q.text_fr,
                text_en=q.text_en,
                required=q.required,
                choices=q.choices,
                scale_max=q.scale_max,
                measure=q.measure,
            )
            for q in survey.questions.order_by("position", "id")
        ]
    )
    audit_record(actor=actor, action="survey.copy", instance=copy, note=f"copy of survey {survey.pk}")
    if publish:
        copy = survey_publish(actor=actor, survey=copy)
    return copy


# --- questions --------------------------------------------------------------------------------


def clean_choices(raw: Any) -> list[dict[str, str]]:
    """Normalise choices given as ``[{"value", "fr", "en"}]`` (values made from the position
    when missing). Raises ``ValidationFailed`` on ``choices``, naming the line."""
    if not isinstance(raw, list):
        raise ValidationFailed({"choices": [_("Choices must be a list of {value, fr, en}.")]})
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ValidationFailed(
                {"choices": [_("Choice %(n)s must have a French and an English label.") % {"n": index}]}
            )
        fr, en = str(item.get("fr") or "").strip(), str(item.get("en") or "").strip()
        if not fr and not en:
            continue
        if not fr or not en:
            raise ValidationFailed(
                {"choices": [_("Choice %(n)s needs both its French and its English label.") % {"n": index}]}
            )
        value = str(item.get("value") or "").strip().lower() or f"c{index}"
        if not _VALUE_RE.match(value):
            raise ValidationFailed(
                {"choices": [_("Choice %(n)s: its code may only hold letters, digits, - and _.") % {"n": index}]}
            )
        if value in seen:
            raise ValidationFailed(
                {"choices": [_("Choice %(n)s repeats the code “%(v)s”.") % {"n": index, "v": value}]}
            )
        seen.add(value)
        out.append({"value": value, "fr": fr, "en": en})
    return out


def _clean_question(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in Question.Kind.values:
        errors["kind"] = [_("Choose a type of question.")]
    for name in ("text_fr", "text_en"):
        if not str(data.get(name) or "").strip():
            errors[name] = [_("The question is needed in French and in English.")]
    if data.get("measure", "") not in Question.Measure.values:
        errors["measure"] = [_("Choose what the question measures, or nothing.")]
    if errors:
        raise ValidationFailed(errors)
    data = {**data, "text_fr": str(data["text_fr"]).strip(), "text_en": str(data["text_en"]).strip()}
    if kind in CHOICE_KINDS:
        data["choices"] = clean_choices(data.get("choices") or [])
        if len(data["choices"]) < 2:
            raise ValidationFailed({"choices": [_("A choice question needs at least two choices.")]})
        if len(data["choices"]) > MAX_CHOICES:
            raise ValidationFailed({"choices": [_("At most %(n)s choices.") % {"n": MAX_CHOICES}]})
    else:
        data["choices"] = []
    if kind == Question.Kind.RATING:
        scale = data.get("scale_max") or 5
        if not isinstance(scale, int) or not RATING_MIN <= scale <= RATING_MAX:
            raise ValidationFailed(
                {
                    "scale_max": [
                        _("A rating goes from 1 to a maximum between %(a)s and %(b)s.")
                        % {"a": RATING_MIN, "b": RATING_MAX}
                    ]
                }
            )
        data["scale_max"] = scale
    else:
        data["scale_max"] = {"likert": 5, "nps": 10}.get(str(kind), 5)
    if data.get("measure") and kind not in MEASURED_KINDS:
        raise ValidationFailed(
            {"measure": [_("Only a Likert or rating question can measure something (an NPS is its own figure).")]}
        )
    return data


def _structure_locked(survey: Survey) -> bool:
    return survey.responses.exists()


def _locked_error() -> ValidationFailed:
    return ValidationFailed(
        {
            "__all__": [
                _(
                    "This survey already has responses: its questions can no longer change. Copy it to make a new version."
                )
            ]
        }
    )


@transaction.atomic
def question_create(
    *,
    actor: Any,
    survey: Survey,
    kind: str,
    text_fr: str,
    text_en: str,
    required: bool = True,
    choices: list[dict[str, str]] | None = None,
    scale_max: int = 5,
    measure: str = "",
) -> Question:
    """Add a question at the end of the survey."""
    if _structure_locked(survey):
        raise _locked_error()
    data = _clean_question(
        {
            "kind": kind,
            "text_fr": text_fr,
            "text_en": text_en,
            "choices": choices,
            "scale_max": scale_max,
            "measure": measure,
        }
    )
    position = (survey.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    question = Question.objects.create(survey=survey, position=position, required=required, **data)
    audit_record(
        actor=actor, action="survey.question_create", instance=survey, changes=snapshot(question, QUESTION_FIELDS)
    )
    return question


@transaction.atomic
def question_update(*, actor: Any, question: Question, **fields: Any) -> Question:
    """Change a question. With responses, only the texts, labels and "required" may change."""
    allowed = {"kind", "text_fr", "text_en", "required", "choices", "scale_max", "measure"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    before = snapshot(question, QUESTION_FIELDS)
    data = {name: getattr(question, name) for name in allowed}
    data.update(fields)
    data = _clean_question(data)
    if _structure_locked(question.survey):
        old_values = [c["value"] for c in question.choices]
        new_values = [c["value"] for c in data["choices"]]
        if data["kind"] != question.kind or old_values != new_values or data["scale_max"] != question.scale_max:
            raise _locked_error()
    for name in allowed:
        setattr(question, name, data.get(name, getattr(question, name)))
    question.save()
    audit_record(
        actor=actor,
        action="survey.question_update",
        instance=question.survey,
        changes=diff(before, snapshot(question, QUESTION_FIELDS)),
    )
    return question


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    survey = question.survey
    if _structure_locked(survey):
        raise _locked_error()
    audit_record(
        actor=actor, action="survey.question_delete", instance=survey, changes=snapshot(question, QUESTION_FIELDS)
    )
    question.delete()
    _renumber(survey)


def _renumber(survey: Survey) -> None:
    ordering.renumber(list(survey.questions.order_by("position", "id")))


@transaction.atomic
def question_move(*, actor: Any, question: Question, direction: str) -> Question:
    """Swap a question with its neighbour ("up" or "down"); at an end, nothing changes."""
    if direction not in ordering.DIRECTIONS:
        raise ValidationFailed({"direction": [_("Move a question up or down.")]})
    # The survey locked first, as step_move locks its path: two moves at once renumber in turn.
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    ordered = ordering.swapped(list(survey.questions.order_by("position", "id")), question, direction)
    if ordered is not None:
        ordering.renumber(ordered)
        note = f"question {question.pk} {direction}"
        audit_record(actor=actor, action="survey.question_move", instance=survey, note=note)
    else:
        _renumber(survey)
    question.refresh_from_db()
    return question


# --- templates --------------------------------------------------------------------------------


@transaction.atomic
def templates_ensure(*, actor: Any = "system") -> list[Survey]:
    """Create the standard templates that are missing — hot evaluation (L1), cold evaluation of
    the learner and of the manager (L3) — published, in French and English. Idempotent: a
    template already there (even edited or archived) is left alone. Returns those created."""
    created = []
    existing = set(Survey.objects.filter(is_template=True).values_list("kind", flat=True))
    for spec in templates_data.TEMPLATES:
        if spec["kind"] in existing:
            continue
        survey = survey_create(
            actor=actor,
            kind=spec["kind"],
            title_fr=spec["title_fr"],
            title_en=spec["title_en"],
            intro_fr=spec["intro_fr"],
            intro_en=spec["intro_en"],
            anonymous=spec["anonymous"],
            is_template=True,
        )
        for q in spec["questions"]:
            question_create(actor=actor, survey=survey, **q)
        created.append(survey_publish(actor=actor, survey=survey))
    return created


def templates_missing() -> bool:
    kinds = {spec["kind"] for spec in templates_data.TEMPLATES}
    return Survey.objects.filter(is_template=True, kind__in=kinds).values("kind").distinct().count() < len(kinds)


# --- dispatch rules ---------------------------------------------------------------------------


def _clean_rule(programme: Programme, data: dict[str, Any], *, require_published: bool = True) -> None:
    """``require_published`` False: an inactive rule keeping its survey may point at a survey
    archived (or back in draft) since — it is not sending it."""
    survey: Survey | None = data.get("survey")
    errors: dict[str, list[str]] = {}
    if survey is None:
        errors["survey"] = [_("Choose the survey to send.")]
    elif survey.is_template:
        errors["survey"] = [_("Use a copy of the template for this programme, not the template itself.")]
    elif survey.programme_id != programme.pk:
        errors["survey"] = [_("This survey belongs to another programme.")]
    elif survey.status != Survey.Status.PUBLISHED and require_published:
        if survey.status == Survey.Status.ARCHIVED:
            errors["survey"] = [_("This survey is archived: choose a published survey, or leave the rule inactive.")]
        else:
            errors["survey"] = [_("Publish the survey before sending it.")]
    if data.get("trigger") not in DispatchRule.Trigger.values:
        errors["trigger"] = [_("Choose when the survey goes out.")]
    if data.get("audience") not in DispatchRule.Audience.values:
        errors["audience"] = [_("Choose who receives it.")]
    elif survey is not None and (data["audience"] == DispatchRule.Audience.MANAGER) != (
        survey.kind == Survey.Kind.COLD_MANAGER
    ):
        errors["audience"] = [
            _("A manager's cold evaluation goes to the manager, and only it does: match the audience and the survey.")
        ]
    if (
        data.get("trigger") == DispatchRule.Trigger.AFTER_SESSION
        and data.get("audience") == DispatchRule.Audience.MANAGER
    ):
        errors["trigger"] = [_("Managers are asked after the path is completed, not after each session.")]
    delay = data.get("delay_days")
    if not isinstance(delay, int) or not 0 <= delay <= 365:
        errors["delay_days"] = [_("A delay between 0 and 365 days.")]
    close = data.get("close_after_days")
    if not isinstance(close, int) or not 1 <= close <= 365:
        errors["close_after_days"] = [_("Close after 1 to 365 days.")]
    remind = data.get("remind_after_days")
    if remind is not None and (
        not isinstance(remind, int) or remind < 1 or (isinstance(close, int) and remind >= close)
    ):
        errors["remind_after_days"] = [_("Remind at least a day after sending, and before the survey closes.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def rule_create(
    *,
    actor: Any,
    programme: Programme,
    survey: Survey,
    trigger: str,
    delay_days: int = 0,
    audience: str = DispatchRule.Audience.LEARNER,
    remind_after_days: int | None = None,
    close_after_days: int = 30,
    active: bool = True,
) -> DispatchRule:
    """A dispatch rule of a programme. Given a template, the template is first copied into the
    programme (published) and the rule uses the copy."""
    if survey.is_template:
        survey = survey_copy(actor=actor, survey=survey, programme=programme, publish=True)
    data = {
        "survey": survey,
        "trigger": trigger,
        "delay_days": delay_days,
        "audience": audience,
        "remind_after_days": remind_after_days,
        "close_after_days": close_after_days,
        "active": active,
    }
    _clean_rule(programme, data)
    rule = DispatchRule.objects.create(programme=programme, **data)
    audit_record(actor=actor, action="survey.rule_create", instance=rule, changes=snapshot(rule, RULE_FIELDS))
    return rule


@transaction.atomic
def rule_update(*, actor: Any, rule: DispatchRule, **fields: Any) -> DispatchRule:
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    if fields.get("survey") is not None and fields["survey"].is_template:
        fields["survey"] = survey_copy(actor=actor, survey=fields["survey"], programme=rule.programme, publish=True)
    before = snapshot(rule, RULE_FIELDS)
    data = {name: getattr(rule, name) for name in RULE_FIELDS}
    data.update(fields)
    same_survey = data["survey"] is not None and data["survey"].pk == rule.survey_id
    _clean_rule(rule.programme, data, require_published=bool(data["active"]) or not same_survey)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    audit_record(
        actor=actor, action="survey.rule_update", instance=rule, changes=diff(before, snapshot(rule, RULE_FIELDS))
    )
    return rule


@transaction.atomic
def rule_delete(*, actor: Any, rule: DispatchRule) -> None:
    """Delete a rule; the invitations it sent stay (and can still be answered)."""
    audit_record(actor=actor, action="survey.rule_delete", instance=rule, changes=snapshot(rule, RULE_FIELDS))
    rule.delete()
