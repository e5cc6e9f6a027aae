"""LMS export import pages (the DLM only).

Upload -> map the columns (or take a saved mapping) -> dry run (a background job with
progress) -> report with every bad line -> import everything, or only the valid lines ->
result.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, add_service_errors
from pilotage.lrs import lms_import
from pilotage.lrs.models import LmsImport, LmsImportMapping
from pilotage.people.permissions import is_dlm

ERRORS_PER_PAGE = 100


def _require_importer(request: Request) -> None:
    if not is_dlm(request.user):
        raise PermissionDenied


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("LMS completion report"),
        help_text=gettext_lazy(
            "A .csv (UTF-8 or Windows-1252; comma, semicolon or tab) or .xlsx file, header on line 1: "
            "learner, course, status, score, date, time spent."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    saved_mapping = forms.ModelChoiceField(
        label=gettext_lazy("Column mapping"),
        queryset=LmsImportMapping.objects.none(),
        required=False,
        empty_label=gettext_lazy("Detect the columns from their names"),
    )
    learner_key = forms.ChoiceField(
        label=gettext_lazy("Learners are identified by"),
        choices=LmsImportMapping.LearnerKey.choices,
        initial=LmsImportMapping.LearnerKey.EMPLOYEE_NUMBER,
        help_text=gettext_lazy("Ignored when a saved mapping is chosen: the mapping says it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved_mapping"].queryset = lms_import.lms_import_mapping_list()  # type: ignore[attr-defined]


class MappingForm(forms.Form):
    """One select per field (which column holds it), the learner key, the title language."""

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— not in the file —")), *((h, h) for h in headers if h)]
        for spec in lms_import.FIELDS:
            self.fields[f"field_{spec.key}"] = forms.ChoiceField(
                label=str(spec.label),
                choices=choices,
                required=spec.required,
                initial=initial_mapping.get(spec.key, ""),
            )
        self.fields["learner_key"] = forms.ChoiceField(
            label=_("The learner column holds"), choices=LmsImportMapping.LearnerKey.choices
        )
        self.fields["language"] = forms.CharField(
            label=_("Language of the course titles"),
            max_length=16,
            help_text=_("A language tag: fr, en, fr-FR…"),
        )
        self.fields["save_as"] = forms.CharField(
            label=_("Save this mapping as"),
            required=False,
            max_length=100,
            help_text=_("Optional: a name to reuse this mapping with the next reports of this LMS."),
        )

    def field_boxes(self) -> list[forms.BoundField]:
        return [self[f"field_{spec.key}"] for spec in lms_import.FIELDS]

    def mapping(self) -> dict[str, str]:
        data = self.cleaned_data
        return {spec.key: data.get(f"field_{spec.key}", "") or "" for spec in lms_import.FIELDS}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: dict[str, str] = {}
        for spec in lms_import.FIELDS:
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
@require_http_methods(["GET", "POST"])
def lms_import_start(request: Request) -> HttpResponse:
    """Upload a report (checked before it is kept), then go to the mapping step."""
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        saved: LmsImportMapping | None = form.cleaned_data["saved_mapping"]
        try:
            imp = lms_import.lms_import_create(
                actor=request.user,
                uploaded_file=form.cleaned_data["file"],
                mapping=saved.columns if saved else None,
                learner_key=saved.learner_key if saved else form.cleaned_data["learner_key"],
                language=saved.language if saved else request.LANGUAGE_CODE.split("-")[0],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return redirect("lrs:lms_import_mapping", imp.pk)
    recent = lms_import.lms_import_list(user=request.user)[:10]
    return render(request, "lrs/lms_import_start.html", {"form": form, "imports": recent})


@login_required
@require_http_methods(["GET", "POST"])
def lms_import_mapping(request: Request, pk: int) -> HttpResponse:
    """Show the detected headers; the DLM maps each field to a column, then the dry run starts."""
    _require_importer(request)
    imp = lms_import.get_lms_import_for_user(request.user, pk)
    headers = list((imp.summary or {}).get("file", {}).get("headers", []))
    columns, problems = lms_import.resolve_columns(headers, imp.mapping, learner_key=imp.learner_key)
    form = MappingForm(
        request.POST or None,
        headers=headers,
        initial_mapping=columns.as_mapping(),
        initial={"learner_key": imp.learner_key, "language": imp.language},
    )
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        learner_key = form.cleaned_data["learner_key"]
        language = form.cleaned_data["language"]
        try:
            if form.cleaned_data.get("save_as"):
                lms_import.lms_import_mapping_save(
                    actor=request.user,
                    name=form.cleaned_data["save_as"],
                    columns=mapping,
                    learner_key=learner_key,
                    language=language,
                )
            lms_import.lms_import_request_validation(
                actor=request.user, import_id=imp.pk, mapping=mapping, learner_key=learner_key, language=language
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return redirect("lrs:lms_import_detail", imp.pk)
    return render(
        request,
        "lrs/lms_import_mapping.html",
        {
            "imp": imp,
            "form": form,
            "headers": headers,
            "problems": [p for p in problems if p.code == "mapped_column_missing"],
        },
    )


@login_required
@require_http_methods(["GET"])
def lms_import_detail(request: Request, pk: int) -> HttpResponse:
    """The dry-run report (every bad line, paginated), the job's progress, the buttons, the result."""
    _require_importer(request)
    imp = lms_import.get_lms_import_for_user(request.user, pk)
    summary = imp.summary or {}
    check = summary.get("check", {})
    errors_page = Paginator(imp.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    validated = imp.status == LmsImport.Status.VALIDATED
    context = {
        "imp": imp,
        "job": imp.job,
        "check": check,
        "result": summary.get("result"),
        "not_started_lines": summary.get("not_started_lines", []),
        "duplicate_lines": summary.get("duplicate_lines", []),
        "errors_page": errors_page,
        "errors": [{**e, "reason_text": lms_import.describe_error(e)} for e in errors_page.object_list],
        "running": imp.status in (LmsImport.Status.VALIDATING, LmsImport.Status.IMPORTING),
        "can_import": validated and not imp.error_count,
        "can_import_valid": validated and bool(imp.error_count) and check.get("valid", 0) > 0,
        "checked": imp.status in (LmsImport.Status.VALIDATED, LmsImport.Status.DONE),
    }
    if request.htmx and request.GET.get("page"):
        return render(request, "lrs/lms_import_detail.html#error_rows", context)
    return render(request, "lrs/lms_import_detail.html", context)


@login_required
@require_POST
def lms_import_apply(request: Request, pk: int) -> HttpResponse:
    """Start the import: everything (only when no line is bad) or only the valid lines."""
    _require_importer(request)
    imp = lms_import.get_lms_import_for_user(request.user, pk)
    only_valid = request.POST.get("only_valid") == "1"
    try:
        lms_import.lms_import_request_apply(actor=request.user, import_id=imp.pk, only_valid=only_valid)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect("lrs:lms_import_detail", imp.pk)
