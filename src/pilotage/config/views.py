"""The home page: the cockpit's front door, showing what the user's roles allow."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from pilotage.core.web import Request
from pilotage.people import queries as people_queries
from pilotage.people.models import Role
from pilotage.people.permissions import can_read_people, can_use_audiences, roles_of


@login_required
def home(request: Request) -> HttpResponse:
    user = request.user
    roles = roles_of(user)
    context: dict[str, object] = {
        "role_labels": [label for value, label in Role.choices if value in roles],
    }
    if can_read_people(user):
        employees = people_queries.employee_list(user=user, include_inactive=False)
        context["headcount"] = employees.count()
        context["org_unit_count"] = people_queries.org_unit_list(user=user).count()
        context["site_count"] = people_queries.site_list(user=user).count()
    if can_use_audiences(user):
        context["audience_count"] = people_queries.audience_list(user=user).count()
    if user.employee_id:
        context["me"] = user.employee
    return render(request, "home.html", context)
