"""Small helpers for thin views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from pilotage.core.errors import PilotageError, ValidationFailed


def add_service_errors(form: forms.Form, exc: PilotageError) -> None:
    """Show a service's error next to the field it names (or at the top of the form)."""
    errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "__all__": [exc.message]}
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def error_text(exc: ValidationFailed) -> str:
    """Every message of a service error on one line, for a page or flash message with no form."""
    return " ".join(str(m) for msgs in exc.errors.values() for m in msgs)


class Request(HttpRequest):
    """What our middleware stack puts on a request, for the type checker.

    Views annotate ``request: Request``; ``user`` is ``Any`` because the user model lives in
    ``people``, above ``core``.
    """

    htmx: HtmxDetails
    user: Any  # type: ignore[assignment]
