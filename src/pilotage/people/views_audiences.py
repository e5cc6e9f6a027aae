"""Audience pages: list, builder with live count and preview (htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pilotage.people import queries
from pilotage.people.permissions import can_use_audiences


@login_required
def audience_list(request: HttpRequest) -> HttpResponse:
    if not can_use_audiences(request.user):
        raise PermissionDenied
    return render(request, "people/audience_list.html", {"audiences": queries.audience_list(user=request.user)})
