"""The navigation registry: each app declares its areas in ``AppConfig.ready``.

Only areas that exist and that the user may see are shown, in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str | Promise
    url_name: str
    order: int
    visible: Callable[[Any], bool]

    def url(self) -> str:
        return reverse(self.url_name)


_ENTRIES: dict[str, NavEntry] = {}


def register(key: str, label: str | Promise, url_name: str, *, order: int, visible: Callable[[Any], bool]) -> None:
    _ENTRIES[key] = NavEntry(key=key, label=label, url_name=url_name, order=order, visible=visible)


def entries_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if not entry.visible(user):
            continue
        items.append({"key": entry.key, "label": entry.label, "url": entry.url(), "active": False})
    # The area whose URL is the longest prefix of the current path is the active one
    # ("/people/org/" is the org chart, not the people list).
    matches = [item for item in items if item["url"] != "/" and path.startswith(str(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(str(item["url"])))["active"] = True
    return items
