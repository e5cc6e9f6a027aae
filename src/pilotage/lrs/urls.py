"""The xAPI resources, mounted at /xapi/ (they follow the xAPI specification, not the REST
API's conventions)."""

from __future__ import annotations

app_name = "xapi"

urlpatterns: list = []
