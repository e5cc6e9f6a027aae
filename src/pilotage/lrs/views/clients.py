"""LRS client management: the DLM creates and revokes the credentials of authoring tools,
LMSs and scripts; the L&D team reads the list (who sends what, when last)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pilotage.core.errors import ValidationFailed
from pilotage.core.web import Request, add_service_errors
from pilotage.lrs import credentials
from pilotage.lrs.models import LrsClient
from pilotage.people.permissions import is_dlm, is_staff_member

SCOPE_CHOICES = [
    *LrsClient.Scope.choices,
    (credentials.ALL_SCOPE, gettext_lazy("Everything (conformance tests, trusted systems)")),
]


class LrsClientForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        help_text=gettext_lazy("The tool or system that will use it, for example “Storyline – onboarding”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=SCOPE_CHOICES,
        initial=[LrsClient.Scope.STATEMENTS_WRITE, LrsClient.Scope.STATE],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("An authoring tool needs “Write statements” and “State documents”."),
    )


def _require_reader(request: Request) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


def _require_manager(request: Request) -> None:
    if not is_dlm(request.user):
        raise PermissionDenied


def _scope_labels(client: LrsClient) -> list[str]:
    labels = dict(SCOPE_CHOICES)
    return [str(labels.get(scope, scope)) for scope in client.scopes or []]


@login_required
@require_http_methods(["GET"])
def client_list(request: Request) -> HttpResponse:
    """Every LRS client with its scopes, last use, statement volume and status."""
    _require_reader(request)
    clients = list(credentials.lrs_client_list().select_related("created_by"))
    for client in clients:
        client.status = credentials.lrs_client_status(client)  # type: ignore[attr-defined]
        client.scope_labels = _scope_labels(client)  # type: ignore[attr-defined]
    return render(
        request,
        "lrs/client_list.html",
        {"clients": clients, "can_manage": is_dlm(request.user), "endpoint": credentials.xapi_endpoint()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: Request) -> HttpResponse:
    """GET: the form; POST: create, then show the key and secret once (rendered, not
    redirected: a redirect would have to keep the clear secret somewhere)."""
    _require_manager(request)
    form = LrsClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = credentials.lrs_client_create(
                actor=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            context: dict[str, Any] = {
                "client": client,
                "secret": secret,
                "endpoint": credentials.xapi_endpoint(),
                "scope_labels": _scope_labels(client),
            }
            response = render(request, "lrs/client_created.html", context)
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "lrs/client_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def client_revoke(request: Request, pk: int) -> HttpResponse:
    """GET: ask for confirmation; POST: revoke (the client's next request gets 401)."""
    _require_manager(request)
    client = get_object_or_404(credentials.lrs_client_list(), pk=pk)
    if request.method == "POST":
        credentials.lrs_client_revoke(actor=request.user, client=client)
        messages.success(request, _("Client “%(name)s” revoked.") % {"name": client.name})
        return redirect("lrs:client_list")
    if client.revoked_at is not None:
        return redirect("lrs:client_list")
    return render(request, "lrs/client_revoke.html", {"client": client})
