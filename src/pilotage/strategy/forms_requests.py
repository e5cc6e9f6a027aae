"""Web forms of training requests: the short request form, triage, comments, withdrawal.

Forms parse; the services check the rules (and name the field when one is broken).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.core.errors import ValidationFailed
from pilotage.people import queries as people_queries
from pilotage.people.models import Audience
from pilotage.strategy import permissions, queries
from pilotage.strategy.forms_objectives import DateInput
from pilotage.strategy.models import Objective, TrainingRequest
from pilotage.strategy.services_requests import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, CheckedFile, read_upload
from pilotage.strategy.workflow import allowed_next


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; ``clean`` returns a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


ACCEPT = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


class RequestForm(forms.Form):
    """The short request form of an internal client (the L&D team sees the org unit too)."""

    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("In a few words, e.g. “Negotiation for key account managers”.")
    )
    business_need = forms.CharField(
        label=_("Business need"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What should people do better, and why now?"),
    )
    audience: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Target audience"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("One of your audiences, or describe the people below."),
    )
    population_description = forms.CharField(
        label=_("Target population"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who should be trained, if no audience fits: jobs, sites, seniority."),
    )
    headcount = forms.IntegerField(label=_("Headcount"), required=False, min_value=1)
    wished_date = forms.DateField(label=_("Wished date"), required=False, widget=DateInput())
    objective: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Objective"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("The leadership objective this request serves, if any."),
    )
    expected_impact = forms.CharField(
        label=_("Expected impact"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What will change in the business, and how you will see it."),
    )
    legal_obligation = forms.BooleanField(label=_("Legal or regulatory obligation"), required=False)
    legal_reference = forms.CharField(
        label=_("Legal reference"),
        max_length=200,
        required=False,
        help_text=_("The law or regulation, e.g. “Loi Sapin II, art. 17”."),
    )
    budget_indication = forms.DecimalField(
        label=_("Budget indication (€)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    org_unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Requesting org unit"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Leave empty for the requester's own unit."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV; %(max)d MB each at most.")
        % {"max": MAX_ATTACHMENT_BYTES // 1024 // 1024},
    )

    def __init__(self, *args: Any, user: Any, instance: TrainingRequest | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {
                "title": instance.title,
                "business_need": instance.business_need,
                "audience": instance.audience_id,
                "population_description": instance.population_description,
                "headcount": instance.headcount,
                "wished_date": instance.wished_date,
                "objective": instance.objective_id,
                "expected_impact": instance.expected_impact,
                "legal_obligation": instance.legal_obligation,
                "legal_reference": instance.legal_reference,
                "budget_indication": instance.budget_indication,
                "org_unit": instance.org_unit_id,
            }
        super().__init__(*args, **kwargs)
        audiences = people_queries.audience_list(user=user).order_by("name")
        objectives = queries.objective_list(user=user).filter(status=Objective.Status.ACTIVE)
        if instance is not None:
            # Keep what the request already points at, even if no longer offered to new requests.
            if instance.audience_id:
                audiences = audiences | Audience.objects.filter(pk=instance.audience_id)
            if instance.objective_id:
                objectives = objectives | Objective.objects.filter(pk=instance.objective_id)
        self.fields["audience"].queryset = audiences.distinct()  # type: ignore[attr-defined]
        self.fields["objective"].queryset = objectives.distinct()  # type: ignore[attr-defined]
        if permissions.can_triage(user):
            self.fields["org_unit"].queryset = people_queries.org_unit_list(user=user).order_by("path")  # type: ignore[attr-defined]
        else:
            del self.fields["org_unit"]

    def clean_attachments(self) -> list[CheckedFile]:
        checked = []
        for upload in self.cleaned_data.get("attachments") or []:
            try:
                checked.append(read_upload(upload))
            except ValidationFailed as exc:
                for message in exc.errors.get("attachments", []):
                    self.add_error("attachments", message)
        return checked

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "business_need": data["business_need"],
            "audience": data["audience"],
            "population_description": data["population_description"],
            "headcount": data["headcount"],
            "wished_date": data["wished_date"],
            "objective": data["objective"],
            "expected_impact": data["expected_impact"],
            "legal_obligation": data["legal_obligation"],
            "legal_reference": data["legal_reference"],
            "budget_indication": data["budget_indication"],
            "org_unit": data.get("org_unit"),
            "attachments": data["attachments"],
        }


class TransitionForm(forms.Form):
    """A triage decision: the next status, the reason the requester will read, and for a
    merge, the request this one joins (by reference)."""

    to_status = forms.ChoiceField(label=_("Decision"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The requester reads it in the e-mail and on the request."),
    )
    merged_into = forms.CharField(
        label=_("Merge into"),
        required=False,
        max_length=20,
        help_text=_("Reference of the request this one joins, e.g. DEM-2026-0042."),
        widget=forms.TextInput(attrs={"list": "merge-targets", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, request_obj: TrainingRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(TrainingRequest.Status.choices)
        # Accepting happens through a programme (see the "Accept into a programme" link).
        self.fields["to_status"].choices = [("", _("— choose —"))] + [  # type: ignore[attr-defined]
            (s, labels[s]) for s in allowed_next(request_obj) if s != TrainingRequest.Status.ACCEPTED
        ]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    internal = forms.BooleanField(label=_("Internal note (the requester does not see it)"), required=False)

    def __init__(self, *args: Any, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["internal"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw it? (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
