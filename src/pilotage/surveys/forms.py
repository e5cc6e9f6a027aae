"""Web forms of the survey builder and the dispatch rules. They parse; the services validate
(bilingual texts, choices, scales, rule consistency) and their errors are shown next to the
field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pilotage.programmes.models import Programme
from pilotage.surveys.models import DispatchRule, Question, Survey


class SurveyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Survey.Kind.choices)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    intro_fr = forms.CharField(
        label=_("Introduction (French)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        help_text=_("No link is kept between an answer and the person; no figure is shown for fewer than 5 responses."),
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("code"),
        required=False,
        help_text=_("Empty for a template shared by every programme."),
    )
    is_template = forms.BooleanField(label=_("Template"), required=False)

    def __init__(self, *args: Any, survey: Survey | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if survey is not None:
            del self.fields["is_template"]  # a survey stays what it was created as
            if survey.is_template:
                del self.fields["programme"]

    @classmethod
    def initial_for(cls, survey: Survey) -> dict[str, Any]:
        return {
            "kind": survey.kind,
            "title_fr": survey.title_fr,
            "title_en": survey.title_en,
            "intro_fr": survey.intro_fr,
            "intro_en": survey.intro_en,
            "anonymous": survey.anonymous,
            "programme": survey.programme_id,
        }


def parse_choice_lines(text: str) -> list[dict[str, str]]:
    """``Français | English`` or ``code | Français | English``, one choice a line."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3:
            out.append({"value": parts[0], "fr": parts[1], "en": " | ".join(parts[2:])})
        elif len(parts) == 2:
            out.append({"value": "", "fr": parts[0], "en": parts[1]})
        else:
            out.append({"value": "", "fr": parts[0], "en": ""})
    for index, item in enumerate(out, start=1):
        item["value"] = item["value"] or f"c{index}"
    return out


def choice_lines(choices: list[dict[str, str]]) -> str:
    return "\n".join(f"{c['value']} | {c['fr']} | {c['en']}" for c in choices)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Question.Kind.choices)
    text_fr = forms.CharField(label=_("Question (French)"), max_length=400, required=False)
    text_en = forms.CharField(label=_("Question (English)"), max_length=400, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For single and multiple choice: one a line, “Français | English” (or “code | Français | English”)."
        ),
    )
    scale_max = forms.IntegerField(
        label=_("Rating maximum"),
        min_value=2,
        max_value=10,
        initial=5,
        required=False,
        help_text=_("For a rating: from 1 to this number (2 to 10)."),
    )
    measure = forms.ChoiceField(
        label=_("Measures"),
        choices=Question.Measure.choices,
        required=False,
        help_text=_("Feeds the programme dashboard: satisfaction (hot) or application on the job (cold)."),
    )

    @classmethod
    def initial_for(cls, question: Question) -> dict[str, Any]:
        return {
            "kind": question.kind,
            "text_fr": question.text_fr,
            "text_en": question.text_en,
            "required": question.required,
            "choices": choice_lines(question.choices),
            "scale_max": question.scale_max,
            "measure": question.measure,
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text_fr": data["text_fr"],
            "text_en": data["text_en"],
            "required": data["required"],
            "choices": parse_choice_lines(data.get("choices") or ""),
            "scale_max": data.get("scale_max") or 5,
            "measure": data.get("measure") or "",
        }


class CopyForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("For the programme"), queryset=Programme.objects.order_by("code"), required=False
    )
    as_template = forms.BooleanField(label=_("As a new template (no programme)"), required=False)


class RuleForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.none(),
        help_text=_("A published survey of the programme, or a template (copied into the programme)."),
    )
    trigger = forms.ChoiceField(label=_("When"), choices=DispatchRule.Trigger.choices)
    delay_days = forms.IntegerField(label=_("Delay (days)"), min_value=0, max_value=365, initial=0)
    audience = forms.ChoiceField(label=_("Sent to"), choices=DispatchRule.Audience.choices)
    remind_after_days = forms.IntegerField(
        label=_("Remind non-respondents after (days)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("Once. Empty: no reminder."),
    )
    close_after_days = forms.IntegerField(label=_("Close after (days)"), min_value=1, max_value=365, initial=30)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, programme: Programme, rule: DispatchRule | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["survey"]
        assert isinstance(field, forms.ModelChoiceField)
        offered = Q(programme=programme, status=Survey.Status.PUBLISHED) | Q(
            is_template=True, status=Survey.Status.PUBLISHED
        )
        if rule is not None:
            # The rule's own survey stays a choice even archived or back in draft: the rule can
            # still be edited (switched off, say); the service says if it cannot send it.
            offered |= Q(pk=rule.survey_id)
        field.queryset = Survey.objects.filter(offered).order_by("-is_template", "title_fr")
        field.label_from_instance = self._survey_label  # type: ignore[method-assign,assignment]

    @staticmethod
    def _survey_label(survey: Survey) -> str:
        label = f"{survey.title_fr} / {survey.title_en}"
        if survey.is_template:
            return f"{_('Template')}: {label}"
        if survey.status != Survey.Status.PUBLISHED:
            return f"{label} ({survey.get_status_display()})"
        return label

    @classmethod
    def initial_for(cls, rule: DispatchRule) -> dict[str, Any]:
        return {
            "survey": rule.survey_id,
            "trigger": rule.trigger,
            "delay_days": rule.delay_days,
            "audience": rule.audience,
            "remind_after_days": rule.remind_after_days,
            "close_after_days": rule.close_after_days,
            "active": rule.active,
        }
