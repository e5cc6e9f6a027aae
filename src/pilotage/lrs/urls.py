"""The xAPI resources, mounted at /xapi/ (they follow the xAPI specification, not the REST
API's conventions)."""

from __future__ import annotations

app_name = "xapi"

urlpatterns: list = []

# --- document resources, activities, agents, about (views/documents.py) -----------------
from django.urls import path, re_path  # noqa: E402

from pilotage.lrs.views import documents as _documents  # noqa: E402

urlpatterns += [
    path("activities/state", _documents.activities_state, name="activities_state"),
    path("activities/profile", _documents.activities_profile, name="activities_profile"),
    path("activities", _documents.activities, name="activities"),
    path("agents/profile", _documents.agents_profile, name="agents_profile"),
    path("agents", _documents.agents, name="agents"),
    path("about", _documents.about, name="about"),
]

# --- statements (views/statements.py) -----------------------------------------------------
from pilotage.lrs.views import statements as _statements  # noqa: E402

urlpatterns += [
    path("statements", _statements.statements, name="statements"),
    path("statements/more/<str:cursor>", _statements.statements_more, name="statements_more"),
]

# --- anything else under /xapi/: a 404 with the xAPI headers (last, it matches every path)
urlpatterns += [re_path(r"^(?P<rest>.*)$", _documents.unknown_resource, name="unknown_resource")]
