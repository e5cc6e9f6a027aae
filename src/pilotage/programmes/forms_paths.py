"""Web forms of learning paths and steps. They parse; the services validate the rules (the
completion rule against the number of steps, URLs by type, prerequisite cycles) and their
errors are shown next to the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.people.models import Language
from pilotage.programmes import paths
from pilotage.programmes.models import LearningPath, PathStep


class PathForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What learners will get from this path, in a sentence or two."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.FR)
    completion_rule = forms.ChoiceField(
        label=_("Completion rule"),
        choices=LearningPath.CompletionRule.choices,
        initial=LearningPath.CompletionRule.ALL_MANDATORY,
        widget=forms.RadioSelect,
        help_text=_("When does a learner count as having completed the path?"),
    )
    completion_count = forms.IntegerField(
        label=_("Steps required (N)"),
        required=False,
        min_value=1,
        help_text=_("For “N steps out of all”: any N steps, mandatory or optional."),
    )
    completion_min_score = forms.IntegerField(
        label=_("Minimum score (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("For “a minimum score”: the average of the quizzes and assignments, 0 to 100."),
    )

    @classmethod
    def initial_for(cls, path: LearningPath) -> dict[str, Any]:
        return {
            "title": path.title,
            "description": path.description,
            "language": path.language,
            "completion_rule": path.completion_rule,
            "completion_count": path.completion_count,
            "completion_min_score": path.completion_min_score,
        }


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=PathStep.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    url = forms.CharField(
        label=_("URL"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
        help_text=_("Required for an e-learning module, a video, a document or a link."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Estimated duration (minutes)"), min_value=0, max_value=paths.MAX_DURATION_MINUTES, initial=30
    )
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)
    prerequisites = forms.MultipleChoiceField(
        label=_("Prerequisites"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Steps of this path to complete before this one opens."),
    )

    def __init__(self, *args: Any, path: LearningPath, step: PathStep | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = path.steps.order_by("position", "id")
        if step is not None:
            others = others.exclude(pk=step.pk)
        field = self.fields["prerequisites"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(s.pk), f"{s.position}. {s.title}") for s in others]
        if not field.choices:
            field.help_text = _("No other step yet: add steps first to make this one depend on them.")

    @classmethod
    def initial_for(cls, step: PathStep) -> dict[str, Any]:
        return {
            "kind": step.kind,
            "title": step.title,
            "description": step.description,
            "url": step.url,
            "duration_minutes": step.duration_minutes,
            "mandatory": step.mandatory,
            "prerequisites": [str(pk) for pk in step.prerequisites.values_list("pk", flat=True)],
        }
