"""Web forms of cohorts, sessions, enrolments and a programme's delivery settings. They parse;
the services validate the rules (dates, capacity against the seated count, audiences) and their
errors are shown next to the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.delivery.models import Cohort, DeliverySettings, Session
from pilotage.delivery.services_cohorts import facilitator_choices
from pilotage.people.models import Audience, Language
from pilotage.programmes.models import PathStep
from pilotage.strategy.models import TrainingRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "60"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _facilitators_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Facilitators"),
        queryset=facilitator_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They see the cohort and take attendance."),
    )


class CohortForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Start date"), widget=DATE)
    ends_on = forms.DateField(label=_("End date"), widget=DATE)
    capacity = forms.IntegerField(
        label=_("Capacity"), required=False, min_value=1, help_text=_("Seats. Empty: no limit.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.FR)
    timezone = forms.CharField(
        label=_("Time zone"), max_length=64, initial="Europe/Paris", help_text=_("For example Europe/Paris.")
    )
    location = forms.CharField(label=_("Location"), max_length=300, required=False)
    virtual_link = forms.CharField(label=_("Virtual class link"), max_length=500, required=False, widget=forms.URLInput)
    status = forms.ChoiceField(label=_("Status"), choices=Cohort.Status.choices, initial=Cohort.Status.OPEN)
    cancel_reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=300, required=False, help_text=_("Only when cancelled.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitators"] = _facilitators_field()

    @classmethod
    def initial_for(cls, cohort: Cohort) -> dict[str, Any]:
        return {
            "title": cohort.title,
            "starts_on": cohort.starts_on,
            "ends_on": cohort.ends_on,
            "capacity": cohort.capacity,
            "language": cohort.language,
            "timezone": cohort.timezone,
            "location": cohort.location,
            "virtual_link": cohort.virtual_link,
            "status": cohort.status,
            "cancel_reason": cohort.cancel_reason,
            "facilitators": list(cohort.facilitators.all()),
        }


class CohortCreateForm(CohortForm):
    def __init__(self, *args: Any, paths: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = forms.ModelChoiceField(label=_("Learning path"), queryset=paths)
        self.fields = {"path": field, **self.fields}


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=Session.Kind.choices, initial=Session.Kind.IN_PERSON)
    step = forms.ModelChoiceField(label=_("Path step"), queryset=PathStep.objects.none(), required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DATETIME, input_formats=DATETIME_FORMATS, help_text=_("In the time zone below.")
    )
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    timezone = forms.CharField(label=_("Time zone"), max_length=64)
    room = forms.CharField(label=_("Room"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    virtual_link = forms.CharField(label=_("Virtual class link"), max_length=500, required=False, widget=forms.URLInput)
    capacity = forms.IntegerField(
        label=_("Capacity"), required=False, min_value=1, help_text=_("Seats in the room. Empty: no limit.")
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step: Any = self.fields["step"]
        step.queryset = cohort.path.steps.all()
        self.fields["facilitators"] = _facilitators_field()
        self.fields["facilitators"].help_text = _("Empty: the cohort's facilitators.")
        if not self.is_bound and not self.initial.get("timezone"):
            self.initial["timezone"] = cohort.timezone

    def clean(self) -> dict[str, Any]:
        """Times are typed in the session's time zone: keep them naive, the service localises them."""
        data = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None and value.tzinfo is not None:
                data[name] = value.replace(tzinfo=None)
        return data

    @classmethod
    def initial_for(cls, session: Session) -> dict[str, Any]:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(session.timezone)
        return {
            "title": session.title,
            "kind": session.kind,
            "step": session.step,
            "starts_at": session.starts_at.astimezone(zone).replace(tzinfo=None),
            "ends_at": session.ends_at.astimezone(zone).replace(tzinfo=None),
            "timezone": session.timezone,
            "room": session.room,
            "address": session.address,
            "virtual_link": session.virtual_link,
            "capacity": session.capacity,
            "facilitators": list(session.facilitators.all()),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,  # the service says why it is needed
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EnrolForm(forms.Form):
    employee = forms.CharField(
        label=_("Employee"),
        max_length=200,
        help_text=_("Employee number or e-mail address."),
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE, help_text=_("Empty: the default."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class BulkEnrolForm(forms.Form):
    audience = forms.ModelChoiceField(label=_("Audience"), queryset=Audience.objects.none(), required=False)
    request = forms.ModelChoiceField(
        label=_("Accepted training request"),
        queryset=TrainingRequest.objects.none(),
        required=False,
        help_text=_("Enrols the request's target audience and links the enrolments to the request."),
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE, help_text=_("Empty: the default."))
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, audiences: Any, requests: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        audience: Any = self.fields["audience"]
        audience.queryset = audiences
        request: Any = self.fields["request"]
        request.queryset = requests

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        request = data.get("request")
        if not data.get("audience"):
            if request is not None and request.audience_id:
                data["audience"] = request.audience
            elif request is not None:
                self.add_error("request", _("This request has no target audience: choose an audience."))
            else:
                self.add_error("audience", _("Choose an audience, or an accepted request with a target audience."))
        return data


class TransferForm(forms.Form):
    to_cohort = forms.ModelChoiceField(label=_("To cohort"), queryset=Cohort.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_cohort"]
        field.queryset = cohorts


class DueDateForm(forms.Form):
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE, help_text=_("Empty: no due date."))


class DeliverySettingsForm(forms.Form):
    self_enrolment = forms.BooleanField(
        label=_("Open to self-enrolment"), required=False, help_text=_("Shown in the learners' catalogue")
    )
    manager_approval = forms.BooleanField(
        label=_("Manager approval required"),
        required=False,
        help_text=_("A self-enrolment waits for the learner's manager to approve it"),
    )
    audience_only = forms.BooleanField(
        label=_("Only the programme's audiences"),
        required=False,
        help_text=_("Refuse to enrol an employee outside the programme's target audiences"),
    )
    default_due_days = forms.IntegerField(
        label=_("Due after (days)"),
        required=False,
        min_value=1,
        help_text=_("Due date of a new enrolment, from the cohort's start. Empty: no due date."),
    )
    at_risk_inactive_days = forms.IntegerField(
        label=_("At risk after (days without activity)"), min_value=1, initial=14
    )

    @classmethod
    def initial_for(cls, conf: DeliverySettings) -> dict[str, Any]:
        # Manager approval is the programme's own flag (one source of truth, on both forms).
        return {
            name: conf.programme.requires_manager_approval if name == "manager_approval" else getattr(conf, name)
            for name in cls.base_fields
        }
