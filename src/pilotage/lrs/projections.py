"""The projection registry: how other apps learn that statements were stored.

``lrs`` sits below the apps that need learning data (delivery, surveys, production, kpis).
Rather than read LRS tables or listen to scattered signals, an app registers a handler in
its ``AppConfig.ready``::

    from pilotage.lrs import projections

    def _update_enrolment_progress(batch: projections.Batch) -> None:
        ...

    projections.register("delivery.progress", _update_enrolment_progress)

Contract:
- handlers run **inside the transaction** that inserts the batch: if one raises, the whole
  batch is rolled back and the client gets an error — so handlers must be fast, set-based
  (a few queries per batch, never one per statement) and must not call outside services;
- they receive every statement of the batch once, voiding statements included;
- they run in registration order; ``lrs`` registers its own (progress, daily rollups) first;
- a handler never writes LRS tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredStatement:
    """What a handler sees of one stored statement."""

    pk: int
    statement_id: str
    payload: dict[str, Any]  # the statement as stored
    actor_id: int | None  # lrs.Agent id
    verb_iri: str
    activity_id: int | None  # lrs.Activity id of the object, when it is an activity
    registration: str | None
    employee_id: int | None  # people.Employee matched to the actor, if any


@dataclass
class Batch:
    statements: list[StoredStatement] = field(default_factory=list)


Handler = Callable[[Batch], None]

_HANDLERS: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> None:
    """Register (or replace) the handler called ``name``."""
    _HANDLERS[name] = handler


def unregister(name: str) -> None:
    _HANDLERS.pop(name, None)


def handlers() -> list[tuple[str, Handler]]:
    return list(_HANDLERS.items())


def run(batch: Batch) -> None:
    """Call every handler on a stored batch (from ``statement_store``, in its transaction)."""
    for _name, handler in list(_HANDLERS.items()):
        handler(batch)
