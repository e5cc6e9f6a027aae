"""Ordered children (path steps, survey questions, recommender rules): the keyboard's
"move up / move down" and the renumbering after it, written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

DIRECTIONS = ("up", "down")


def swapped[T: models.Model](items: Sequence[T], item: models.Model, direction: str) -> list[T] | None:
    """``items`` (in their order) with ``item`` swapped with its neighbour above ("up") or below
    ("down"); ``None`` when it is already first or last. The caller checks ``direction``
    (``DIRECTIONS``) and names the field in its own words."""
    order = list(items)
    index = next(i for i, other in enumerate(order) if other.pk == item.pk)
    neighbour = index - 1 if direction == "up" else index + 1
    if not 0 <= neighbour < len(order):
        return None
    order[index], order[neighbour] = order[neighbour], order[index]
    return order


def renumber(items: Sequence[Any], *, start: int = 1, field: str = "position") -> None:
    """Positions ``start``, ``start + 1``… in the order of ``items`` (one query for those that
    change; none when nothing does)."""
    changed = []
    for position, item in enumerate(items, start=start):
        if getattr(item, field) != position:
            setattr(item, field, position)
            changed.append(item)
    if changed:
        type(changed[0])._default_manager.bulk_update(changed, [field])
