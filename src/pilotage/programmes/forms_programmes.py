"""Web forms of programmes, the lifecycle, accepting a request, and the skills framework.

The forms only parse; the rules (dates, roles, allowed moves, uniqueness) live in the
services, whose errors are shown next to the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pilotage.people import queries as people_queries
from pilotage.people.models import Audience, Role, User
from pilotage.programmes import queries
from pilotage.programmes.models import ProficiencyLevel, Programme, Skill, SkillDomain
from pilotage.strategy import queries as strategy_queries
from pilotage.strategy.models import Objective, TrainingRequest


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} <{obj.email}>"


def sponsor_choices() -> Any:
    return (
        User.objects.filter(is_active=True, role_assignments__role__in=[Role.CLIENT, Role.DLM, Role.LD])
        .select_related("employee")
        .distinct()
        .order_by("display_name", "email")
    )


def owner_choices() -> Any:
    return (
        User.objects.filter(is_active=True, role_assignments__role__in=[Role.DLM, Role.LD])
        .select_related("employee")
        .distinct()
        .order_by("display_name", "email")
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProgrammeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    sponsor = UserChoiceField(
        label=_("Sponsor"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The internal client (or L&D member) who asked for it and follows it."),
    )
    owner = UserChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, help_text=_("The L&D member who designs it.")
    )
    audiences = forms.ModelMultipleChoiceField(
        label=_("Target audiences"), queryset=Audience.objects.none(), required=False
    )
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives"), queryset=Objective.objects.none(), required=False
    )
    requests = forms.ModelMultipleChoiceField(
        label=_("Requests answered"),
        queryset=TrainingRequest.objects.none(),
        required=False,
        help_text=_("Accepted requests. To accept a new one, use “Accept into a programme” on the request."),
    )
    learning_objectives = forms.CharField(
        label=_("Learning objectives"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One per line, e.g. “Apply the lockout procedure before any intervention”."),
    )
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=DateInput())
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=DateInput())
    budget_estimate = forms.DecimalField(
        label=_("Estimated budget (€)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    requires_manager_approval = forms.BooleanField(
        label=_("Self-enrolment needs the manager's approval"), required=False
    )

    def __init__(self, *args: Any, user: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["sponsor"].queryset = sponsor_choices()
        fields["owner"].queryset = owner_choices()
        fields["audiences"].queryset = people_queries.audience_list(user=user)
        fields["objectives"].queryset = strategy_queries.objective_list(user=user)
        requests = strategy_queries.request_list(user=user).filter(status=TrainingRequest.Status.ACCEPTED)
        if programme is not None:
            requests = requests | strategy_queries.request_list(user=user).filter(programmes=programme)
        fields["requests"].queryset = requests.distinct()
        for name in ("audiences", "objectives", "requests"):
            fields[name].widget.attrs["size"] = 6
        # The live headcount: htmx asks for it when the audiences change (without JavaScript,
        # the form's "Refresh the headcount" button does the same).
        auto_id = self.auto_id if isinstance(self.auto_id, str) else "id_%s"
        target = f"{auto_id % self.add_prefix('audiences')}_headcount"
        fields["audiences"].widget.attrs.update(
            {
                "hx-get": reverse("programmes:programme_headcount"),
                "hx-trigger": "change",
                "hx-target": f"#{target}",
                "hx-include": "this",
                "aria-describedby": target,
            }
        )

    @classmethod
    def initial_for(cls, programme: Programme) -> dict[str, Any]:
        return {
            "title": programme.title,
            "description": programme.description,
            "sponsor": programme.sponsor_id,
            "owner": programme.owner_id,
            "audiences": list(programme.audiences.values_list("pk", flat=True)),
            "objectives": list(programme.objectives.values_list("pk", flat=True)),
            "requests": list(programme.requests.values_list("pk", flat=True)),
            "learning_objectives": programme.learning_objectives,
            "planned_start": programme.planned_start,
            "planned_end": programme.planned_end,
            "budget_estimate": programme.budget_estimate,
            "requires_manager_approval": programme.requires_manager_approval,
        }


class CompetencyForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=Skill.objects.none(), required=False)
    target_level = forms.ModelChoiceField(
        label=_("Target level"), queryset=ProficiencyLevel.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["skill"].queryset = Skill.objects.select_related("domain")
        fields["skill"].label_from_instance = lambda s: f"{s.domain.name} — {s.name}"
        fields["target_level"].queryset = ProficiencyLevel.objects.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("skill") and not data.get("target_level"):
            self.add_error("target_level", _("Choose the level to reach in this skill."))
        if data.get("target_level") and not data.get("skill"):
            self.add_error("skill", _("Choose the skill this level is for."))
        return data


CompetencyFormSet = forms.formset_factory(CompetencyForm, extra=3, max_num=60)


def competency_formset(data: Any = None, programme: Programme | None = None) -> Any:
    initial = []
    if programme is not None:
        initial = [{"skill": c.skill_id, "target_level": c.target_level_id} for c in programme.competencies.all()]
    return CompetencyFormSet(data, initial=initial, prefix="comp")


def competencies_from(formset: Any) -> list[tuple[Skill, ProficiencyLevel]]:
    return [
        (f.cleaned_data["skill"], f.cleaned_data["target_level"])
        for f in formset.forms
        if f.cleaned_data.get("skill") and f.cleaned_data.get("target_level")
    ]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Move to"), choices=Programme.Status.choices)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when going back, abandoning or reopening."),
    )


class FromRequestForm(forms.Form):
    MODE_NEW = "new"
    MODE_EXISTING = "existing"
    mode = forms.ChoiceField(
        label=_("Accept into"),
        choices=[(MODE_NEW, _("A new programme")), (MODE_EXISTING, _("An existing programme"))],
        widget=forms.RadioSelect,
        initial=MODE_NEW,
    )
    programme = forms.ModelChoiceField(label=_("Existing programme"), queryset=Programme.objects.none(), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the requester with the decision."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["programme"].queryset = (
            queries.programme_list(user=user).exclude(status=Programme.Status.CLOSED).order_by("code")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.MODE_EXISTING and not data.get("programme"):
            self.add_error("programme", _("Choose the programme that will answer this request."))
        return data


# --- skills framework ------------------------------------------------------------------------------


class DomainForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SkillForm(forms.Form):
    domain = forms.ModelChoiceField(label=_("Domain"), queryset=SkillDomain.objects.all())
    name = forms.CharField(label=_("Name"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class LevelForm(forms.Form):
    rank = forms.IntegerField(label=_("Rank"), min_value=1, max_value=20, help_text=_("1 is the lowest level."))
    name_en = forms.CharField(label=_("Name (English)"), max_length=80)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=80)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
