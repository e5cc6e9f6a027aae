from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from pilotage.core import navigation as nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"nav_items": nav.entries_for(request)}
