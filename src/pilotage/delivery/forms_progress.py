"""Web forms of the progress part: a reminder rule (validated again by ``reminders._check``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.delivery.models import ReminderRule
from pilotage.delivery.reminders import MAX_DAYS


class ReminderRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("When"), choices=ReminderRule.Kind.choices)
    days = forms.IntegerField(
        label=_("Days"),
        min_value=0,
        max_value=MAX_DAYS,
        initial=1,
        help_text=_(
            "Before a session: days ahead. Inactivity: days without activity. Overdue: days after the due date."
        ),
    )
    repeat_every_days = forms.IntegerField(
        label=_("Repeat every (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text=_("Empty: once. Not for reminders before a session."),
    )
    escalate_after = forms.IntegerField(
        label=_("Escalate to the manager after (reminders)"),
        min_value=1,
        max_value=20,
        required=False,
        help_text=_("Empty: never. Not for reminders before a session."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_rule(cls, rule: ReminderRule, data: Any = None) -> ReminderRuleForm:
        initial = {
            "kind": rule.kind,
            "days": rule.days,
            "repeat_every_days": rule.repeat_every_days,
            "escalate_after": rule.escalate_after,
            "active": rule.active,
        }
        return cls(data, initial=initial)
