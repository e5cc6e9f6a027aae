"""Panels of the learner portal contributed by apps above delivery (surveys: "evaluations to
answer"). An app registers a panel in its ``AppConfig.ready``::

    from pilotage.delivery import portal

    portal.register_panel("surveys.pending", pending_evaluations, order=40)

A panel is a function ``(request) -> dict | None``: ``None`` hides it, else a dict with
``template`` (rendered with the dict as context, plus ``request``) and ``title``. The portal
home renders them in ``order``; a panel must be cheap (a query or two).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Panel = Callable[[Any], dict[str, Any] | None]

_PANELS: dict[str, tuple[int, Panel]] = {}


def register_panel(name: str, panel: Panel, *, order: int = 50) -> None:
    _PANELS[name] = (order, panel)


def panels_for(request: Any) -> list[dict[str, Any]]:
    out = []
    for _order, panel in sorted(_PANELS.values(), key=lambda item: item[0]):
        data = panel(request)
        if data is not None:
            out.append(data)
    return out
