"""HRIS import pages (the DLM only) and the people exports (anyone who reads people).

Upload -> map the columns -> dry run (a background job with progress) -> report with every
bad row -> import everything, or only the valid rows -> result.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, add_service_errors
from pilotage.people import exports, imports
from pilotage.people.models import ImportMapping, PeopleImport
from pilotage.people.permissions import can_manage_people, can_read_people

ERRORS_PER_PAGE = 100


def _require_importer(request: Request) -> None:
    if not can_manage_people(request.user):
        raise PermissionDenied


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("HRIS file"),
        help_text=gettext_lazy(
            "A .csv (UTF-8 or Windows-1252; comma, semicolon or tab) or .xlsx file, header on line 1."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    saved_mapping = forms.ModelChoiceField(
        label=gettext_lazy("Column mapping"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=gettext_lazy("Detect the columns from their names"),
    )
    deactivate_missing = forms.BooleanField(
        label=gettext_lazy("Deactivate the employees absent from the file"),
        required=False,
        help_text=gettext_lazy("Use it with a full extract of the HRIS, not with a partial file."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved_mapping"].queryset = imports.import_mapping_list()  # type: ignore[attr-defined]


class MappingForm(forms.Form):
    """One select per Pilotage field (which column holds it), one attribute name per column."""

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— not imported —")), *((h, h) for h in headers if h)]
        for spec in imports.FIELDS:
            self.fields[f"field_{spec.key}"] = forms.ChoiceField(
                label=str(spec.label),
                choices=choices,
                required=spec.required,
                initial=initial_mapping.get(spec.key, ""),
            )
        attribute_for = {
            header: key[len(imports.ATTR_PREFIX) :]
            for key, header in initial_mapping.items()
            if key.startswith(imports.ATTR_PREFIX)
        }
        for i, header in enumerate(headers):
            if not header:
                continue
            self.fields[f"attr_{i}"] = forms.CharField(
                label=_("Custom attribute for “%(header)s”") % {"header": header},
                required=False,
                max_length=60,
                initial=attribute_for.get(header, ""),
            )
        self.fields["save_as"] = forms.CharField(
            label=_("Save this mapping as"),
            required=False,
            max_length=100,
            help_text=_("Optional: a name to reuse this mapping with the next files."),
        )

    def field_boxes(self) -> list[forms.BoundField]:
        return [self[f"field_{spec.key}"] for spec in imports.FIELDS]

    def attribute_boxes(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("attr_")]

    def mapping(self) -> dict[str, str]:
        data = self.cleaned_data
        mapping = {spec.key: data.get(f"field_{spec.key}", "") or "" for spec in imports.FIELDS}
        for i, header in enumerate(self.headers):
            name = imports.normalize_header(data.get(f"attr_{i}", "") or "")
            if header and name:
                mapping[f"{imports.ATTR_PREFIX}{name}"] = header
        return mapping

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: dict[str, str] = {}
        for spec in imports.FIELDS:
            header = data.get(f"field_{spec.key}")
            if header and header in chosen:
                self.add_error(
                    f"field_{spec.key}",
                    _("The column “%(header)s” is already used for %(field)s.")
                    % {"header": header, "field": chosen[header]},
                )
            elif header:
                chosen[header] = str(spec.label)
        return data


@login_required
def import_start(request: Request) -> HttpResponse:
    """Upload a file (checked before it is kept), then go to the mapping step."""
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        saved = form.cleaned_data["saved_mapping"]
        try:
            imp = imports.people_import_create(
                actor=request.user,
                uploaded_file=form.cleaned_data["file"],
                mapping=saved.columns if saved else None,
                deactivate_missing=form.cleaned_data["deactivate_missing"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:import_mapping", imp.pk)
    recent = imports.people_import_list(user=request.user)[:10]
    return render(request, "people/import_start.html", {"form": form, "imports": recent})


@login_required
def import_mapping(request: Request, pk: int) -> HttpResponse:
    """Show the detected headers; the DLM maps each field to a column, then the dry run starts."""
    _require_importer(request)
    imp = imports.get_people_import_for_user(request.user, pk)
    headers = list((imp.summary or {}).get("file", {}).get("headers", []))
    columns, problems = imports.resolve_columns(headers, imp.mapping)
    form = MappingForm(request.POST or None, headers=headers, initial_mapping=columns.as_mapping())
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        try:
            if form.cleaned_data.get("save_as"):
                imports.import_mapping_save(actor=request.user, name=form.cleaned_data["save_as"], columns=mapping)
            imports.people_import_request_validation(actor=request.user, import_id=imp.pk, mapping=mapping)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:import_detail", imp.pk)
    return render(
        request,
        "people/import_mapping.html",
        {
            "imp": imp,
            "form": form,
            "headers": headers,
            "problems": [p for p in problems if p.code == "mapped_column_missing"],
        },
    )


def _with_reasons(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "reason_text": imports.describe_error(e)} for e in errors]


@login_required
def import_detail(request: Request, pk: int) -> HttpResponse:
    """The dry-run report (every bad row, paginated), the job's progress, the buttons, the result."""
    _require_importer(request)
    imp = imports.get_people_import_for_user(request.user, pk)
    summary = imp.summary or {}
    errors_page = Paginator(imp.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    dependents = summary.get("dependents", [])
    check = summary.get("check", {})
    context = {
        "imp": imp,
        "job": imp.job,
        "check": check,
        "result": summary.get("result"),
        "errors_page": errors_page,
        "errors": _with_reasons(list(errors_page.object_list)),
        "dependents": _with_reasons(dependents[:ERRORS_PER_PAGE]),
        "dependent_count": len(dependents),
        "running": imp.status in (PeopleImport.Status.VALIDATING, PeopleImport.Status.IMPORTING),
        "can_import": imp.status == PeopleImport.Status.VALIDATED and not imp.error_count,
        "can_import_valid": imp.status == PeopleImport.Status.VALIDATED
        and bool(imp.error_count)
        and check.get("valid", 0) > 0,
        "checked": imp.status in (PeopleImport.Status.VALIDATED, PeopleImport.Status.DONE),
    }
    if request.htmx and request.GET.get("page"):
        return render(request, "people/import_detail.html#error_rows", context)
    return render(request, "people/import_detail.html", context)


@login_required
@require_POST
def import_apply(request: Request, pk: int) -> HttpResponse:
    """Start the import: everything (only when no row is bad) or only the valid rows."""
    _require_importer(request)
    imp = imports.get_people_import_for_user(request.user, pk)
    only_valid = request.POST.get("only_valid") == "1"
    try:
        imports.people_import_request_apply(actor=request.user, import_id=imp.pk, only_valid=only_valid)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect("people:import_detail", imp.pk)


@login_required
@require_POST
def import_recheck(request: Request, pk: int) -> HttpResponse:
    """Run the dry run again (after fixing a site or a job role in Pilotage, say)."""
    _require_importer(request)
    imp = imports.get_people_import_for_user(request.user, pk)
    try:
        imports.people_import_request_validation(actor=request.user, import_id=imp.pk)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect("people:import_detail", imp.pk)


# --- exports -----------------------------------------------------------------------------


def _require_people_reader(request: Request) -> None:
    if not can_read_people(request.user):
        raise PermissionDenied


@login_required
def people_export_csv(request: Request) -> StreamingHttpResponse:
    """The people list as CSV, with the list page's filters, streamed."""
    _require_people_reader(request)
    qs = exports.filtered_employee_list(user=request.user, params=request.GET)
    response = StreamingHttpResponse(exports.csv_stream(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("csv")}"'
    return response


@login_required
def people_export_xlsx(request: Request) -> HttpResponse:
    """The people list as an Excel workbook, with the list page's filters."""
    _require_people_reader(request)
    qs = exports.filtered_employee_list(user=request.user, params=request.GET)
    response = HttpResponse(
        exports.xlsx_bytes(qs), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("xlsx")}"'
    return response
