"""Web form of an objective (the service checks the rules again: the form only parses)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.people.models import User
from pilotage.strategy.models import Objective

WEIGHT_CHOICES = [
    (1, _("1 — minor")),
    (2, _("2")),
    (3, _("3 — important")),
    (4, _("4")),
    (5, _("5 — critical")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What leadership expects, in its own words."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(is_active=True).order_by("display_name", "email"),
        required=False,
        help_text=_("The leader who carries the objective."),
    )
    horizon = forms.DateField(
        label=_("Horizon"), required=False, widget=DateInput(), help_text=_("Date by which it should be met.")
    )
    business_indicator = forms.CharField(
        label=_("Business indicator"),
        max_length=200,
        required=False,
        help_text=_("The business figure it should move, e.g. “lost-time injury rate”."),
    )
    indicator_baseline = forms.CharField(label=_("Baseline"), max_length=100, required=False)
    indicator_target = forms.CharField(label=_("Target"), max_length=100, required=False)
    weight = forms.TypedChoiceField(
        label=_("Weight"),
        choices=WEIGHT_CHOICES,
        coerce=int,
        initial=3,
        help_text=_("Strategic weight: it feeds the prioritisation of requests."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Objective.Status.choices, initial=Objective.Status.ACTIVE)

    @classmethod
    def from_objective(cls, objective: Objective) -> ObjectiveForm:
        return cls(
            initial={
                "title": objective.title,
                "description": objective.description,
                "owner": objective.owner_id,
                "horizon": objective.horizon,
                "business_indicator": objective.business_indicator,
                "indicator_baseline": objective.indicator_baseline,
                "indicator_target": objective.indicator_target,
                "weight": objective.weight,
                "status": objective.status,
            }
        )
