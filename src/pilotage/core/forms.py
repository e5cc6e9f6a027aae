"""Web forms of the shell: the personal access token form of the account page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from pilotage.core.models import ApiToken
from pilotage.core.tokens import EXPIRY_CHOICES_DAYS

NEVER = "never"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use this token, for example “HR dashboard sync”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_("Read only is enough for reports and synchronisations."),
    )
    expiry = forms.ChoiceField(
        label=_("Expires"),
        choices=[
            (str(d), ngettext_lazy("In %(days)d day", "In %(days)d days", "days") % {"days": d})
            for d in EXPIRY_CHOICES_DAYS
        ]
        + [(NEVER, _("Never"))],
        initial="90",
    )

    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expiry"]
        return None if value == NEVER else int(value)
