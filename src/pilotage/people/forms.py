"""Web forms of the people area (administration by the DLM)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pilotage.people.models import Employee, ExternalOrganisation, Language, OrgUnit, Role


class OrgUnitCreateForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ModelChoiceField(label=_("Parent"), queryset=OrgUnit.objects.all(), required=False)


class OrgUnitMoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("New parent"),
        queryset=OrgUnit.objects.all(),
        required=False,
        help_text=_("Leave empty to make it a root unit. The whole subtree moves with it."),
    )


class OrgUnitRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org_units = forms.ModelMultipleChoiceField(
        label=_("Org units in scope"),
        queryset=OrgUnit.objects.all(),
        required=False,
        help_text=_("Internal clients and managers: the org units (and everything below) they see."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Vendor"),
        queryset=ExternalOrganisation.objects.all(),
        required=False,
        help_text=_("Vendor contacts: the vendor they belong to."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_units"].widget.attrs["size"] = 8


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    display_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    employee_number = forms.CharField(
        label=_("Employee number"),
        max_length=50,
        required=False,
        help_text=_("Link the login to this employee; leave empty for a vendor contact or an external facilitator."),
    )
    organisation = forms.ModelChoiceField(
        label=_("External organisation"), queryset=ExternalOrganisation.objects.all(), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def clean_employee_number(self) -> Employee | None:
        number = self.cleaned_data["employee_number"].strip()
        if not number:
            return None
        employee = Employee.objects.filter(employee_number=number).first()
        if employee is None:
            raise forms.ValidationError(_("No employee has this number."))
        return employee
