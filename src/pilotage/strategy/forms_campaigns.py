"""Web forms of needs campaigns: they parse; the rules live in ``services_campaigns``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.people import queries as people_queries
from pilotage.people.models import Audience
from pilotage.strategy.models import Need


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructions to managers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent in the invitation and shown above the need form."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput())
    audience = forms.ModelChoiceField(
        label=_("Invited managers"),
        queryset=Audience.objects.none(),
        required=False,
        help_text=_("An audience of managers; they are e-mailed when the campaign opens."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        audience_field = self.fields["audience"]
        assert isinstance(audience_field, forms.ModelChoiceField)
        audience_field.queryset = people_queries.audience_list(user=user).order_by("name")


class NeedForm(forms.Form):
    title = forms.CharField(label=_("Need"), max_length=200, help_text=_("In a few words, e.g. “Negotiation basics”."))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the team should be able to do afterwards, and why now."),
    )
    theme = forms.CharField(
        label=_("Theme"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"list": "theme-suggestions", "autocomplete": "off"}),
    )
    headcount = forms.IntegerField(label=_("People concerned"), min_value=1, initial=1)
    priority = forms.ChoiceField(label=_("Priority"), choices=Need.Priority.choices, initial=Need.Priority.MEDIUM)
    wished_quarter = forms.CharField(
        label=_("Wished quarter"),
        max_length=7,
        required=False,
        help_text=_("For example 2027-Q2."),
        widget=forms.TextInput(attrs={"placeholder": "2027-Q2", "pattern": r"\d{4}-[Qq][1-4]"}),
    )
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (€)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Need.Decision.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    create_request = forms.BooleanField(
        label=_("Make it a training request"),
        required=False,
        help_text=_("Only for a retained need: a request under review in the manager's name."),
    )
