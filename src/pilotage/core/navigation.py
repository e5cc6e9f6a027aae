"""The navigation registry: each app declares its areas in ``AppConfig.ready``.

Only areas that exist and that the user may see are shown, in ``order``. Areas may belong to
a group (``register_group``): a group shows as one menu entry that opens its areas, at the
group's ``order``; a group with a single visible area shows that area alone.
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
    group: str | None = None

    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    order: int


_ENTRIES: dict[str, NavEntry] = {}
_GROUPS: dict[str, NavGroup] = {}


def register(
    key: str,
    label: str | Promise,
    url_name: str,
    *,
    order: int,
    visible: Callable[[Any], bool],
    group: str | None = None,
) -> None:
    _ENTRIES[key] = NavEntry(key=key, label=label, url_name=url_name, order=order, visible=visible, group=group)


def register_group(key: str, label: str | Promise, *, order: int) -> None:
    _GROUPS[key] = NavGroup(key=key, label=label, order=order)


def entries_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if not entry.visible(user):
            continue
        items.append(
            {"key": entry.key, "label": entry.label, "url": entry.url(), "active": False, "group": entry.group}
        )
    # The area whose URL is the longest prefix of the current path is the active one
    # ("/people/org/" is the org chart, not the people list).
    matches = [item for item in items if item["url"] != "/" and path.startswith(str(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(str(item["url"])))["active"] = True
    return _grouped(items)


def _grouped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level entries: plain areas, and groups ``{"key", "label", "members", "active"}``."""
    members: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item["group"] in _GROUPS:
            members.setdefault(item["group"], []).append(item)
    out: list[tuple[int, int, dict[str, Any]]] = []
    placed: set[str] = set()
    for position, item in enumerate(items):
        key = item["group"]
        if key not in members or len(members[key]) == 1:
            out.append((_ENTRIES[item["key"]].order, position, item))
        elif key not in placed:
            placed.add(key)
            group = _GROUPS[key]
            entry = {
                "key": key,
                "label": group.label,
                "members": members[key],
                "active": any(m["active"] for m in members[key]),
            }
            out.append((group.order, position, entry))
    return [entry for _order, _position, entry in sorted(out, key=lambda t: (t[0], t[1]))]
