"""Web forms of the modality recommender: a programme's inputs, the choice, rules, modalities."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.core.errors import PilotageError, ValidationFailed
from pilotage.programmes.models import Modality
from pilotage.programmes.recommender import DEVICE_ACCESS, PRACTICE_NEEDS, SKILL_TYPES, choice_label, input_label


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, choice_label("", v)) for v in values]


class InputsForm(forms.Form):
    """Every input of the recommender; the page marks which are derived and which edited."""

    audience_size = forms.IntegerField(min_value=0)
    sites = forms.IntegerField(min_value=0)
    countries = forms.IntegerField(min_value=0)
    time_zones = forms.IntegerField(min_value=0)
    device_access = forms.ChoiceField()
    lead_time_weeks = forms.IntegerField(min_value=0, required=False)
    content_shelf_life_months = forms.IntegerField(min_value=1)
    skill_type = forms.ChoiceField()
    practice_need = forms.ChoiceField()
    budget_per_learner = forms.DecimalField(min_value=0, decimal_places=2, max_digits=12, required=False)
    languages = forms.CharField(max_length=100)
    attendance_proof = forms.BooleanField(required=False)

    def __init__(
        self,
        *args: Any,
        sources: dict[str, str] | None = None,
        edited: Any = (),
        derived: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, values in (
            ("device_access", DEVICE_ACCESS),
            ("skill_type", SKILL_TYPES),
            ("practice_need", PRACTICE_NEEDS),
        ):
            self.fields[name].choices = _choices(values)  # type: ignore[attr-defined]
        sources = sources or {}
        helps = {
            "languages": _("Language codes separated by commas, e.g. fr, en, nl."),
            "lead_time_weeks": _("Weeks until the planned start; leave empty when unknown."),
            "budget_per_learner": _("Leave empty when unknown."),
            "device_access": _("Deskless: no computer at work; mobile only: a phone and nothing else."),
        }
        for name, f in self.fields.items():
            f.label = input_label(name)
            if name in edited:
                shown = (derived or {}).get(name)
                if isinstance(shown, list):
                    shown = ", ".join(shown)
                origin = _("Edited; derived value: %(value)s") % {"value": "—" if shown in (None, "") else shown}
            else:
                origin = sources.get(name) or str(_("Default value"))
            f.help_text = f"{origin}. {helps[name]}" if name in helps else str(origin)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["languages"] = [c.strip() for c in data["languages"].replace(";", ",").split(",") if c.strip()]
        if data.get("budget_per_learner") is not None:
            data["budget_per_learner"] = float(data["budget_per_learner"])
        return data

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "languages": ", ".join(values.get("languages") or [])}


class ChooseForm(forms.Form):
    modality = forms.ModelChoiceField(
        label=_("Modality chosen"), queryset=Modality.objects.filter(active=True), to_field_name="key"
    )
    override_reason = forms.CharField(
        label=_("Reason, when you do not follow the recommendation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What changed in this version"),
        max_length=300,
        help_text=_("The L&D team reads it in the list of versions."),
    )


class DraftForm(forms.Form):
    note = forms.CharField(label=_("Why a new version"), max_length=300, required=False)


def _json_field(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    key = forms.CharField(
        label=_("Key"),
        max_length=60,
        help_text=_("Lower-case letters, digits, - and _; unique within the version."),
    )
    condition = _json_field(
        _("Condition (JSON)"),
        _(
            'E.g. {"all": [{"input": "audience_size", "op": ">=", "value": 1000}]}. '
            "Groups: all / any; operators: == != < <= > >= in contains."
        ),
    )
    effects = _json_field(
        _("Effects on modality scores (JSON)"),
        _('Modality keys and points, e.g. {"micro_learning": 3, "in_person": -2}.'),
    )
    explanation_en = forms.CharField(
        label=_("Explanation (English)"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    explanation_fr = forms.CharField(
        label=_("Explanation (French)"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def _json(self, name: str) -> Any:
        raw = self.cleaned_data.get(name, "")
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from None

    def clean_condition(self) -> Any:
        return self._json("condition")

    def clean_effects(self) -> Any:
        return self._json("effects")

    @staticmethod
    def initial_from(rule: Any) -> dict[str, Any]:
        return {
            "name": rule.name,
            "key": rule.key,
            "condition": json.dumps(rule.condition, indent=2, ensure_ascii=False),
            "effects": json.dumps(rule.effects, indent=2, ensure_ascii=False),
            "explanation_en": rule.explanation_en,
            "explanation_fr": rule.explanation_fr,
            "active": rule.active,
        }


class ModalityForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40, help_text=_("What rules name in their effects."))
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=120)
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_fr = forms.CharField(
        label=_("Description (French)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    base_score = forms.IntegerField(
        label=_("Base score"), min_value=-20, max_value=20, initial=0, help_text=_("Points before any rule fires.")
    )
    position = forms.IntegerField(
        label=_("Position in the catalogue"), min_value=0, initial=0, help_text=_("Ties go to the first.")
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PreviewForm(forms.Form):
    programme: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Programme"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


def add_path_errors(form: forms.Form, exc: PilotageError) -> None:
    """Service errors onto the form: a JSON path (``condition.all[1].op``) goes to the field
    it starts with, prefixed by the path so the DLM sees where the problem is."""
    errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "__all__": [exc.message]}
    for path, messages in errors.items():
        head = path.split(".", 1)[0].split("[", 1)[0]
        for message in messages:
            if head in form.fields and path != head:
                form.add_error(head, f"{path}: {message}")
            elif head in form.fields:
                form.add_error(head, message)
            else:
                form.add_error(None, message if path == "__all__" else f"{path}: {message}")
