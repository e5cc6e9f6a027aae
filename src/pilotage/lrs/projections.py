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
- they receive every statement of the batch once, voiding statements included, each with
  its ``voided`` flag (a statement whose voiding statement arrived first is stored voided:
  count it nowhere);
- ``Batch.voided`` lists the statements stored *earlier* that this batch voided: a handler
  takes them back out of what it keeps (the LRS recomputes the progress of their keys and
  decrements its daily counts);
- a handler may also register a ``reset`` function: ``pilotage lrs-recompute`` calls every
  reset, then replays every statement that is not voided through the handlers, in order;
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
    voided: bool = False


@dataclass
class Batch:
    statements: list[StoredStatement] = field(default_factory=list)
    voided: list[StoredStatement] = field(default_factory=list)  # stored earlier, voided now


def stored_statements(rows: Any) -> list[StoredStatement]:
    """What the handlers see of statements read back from the store (a queryset of
    ``lrs.Statement``): voidings and recomputes."""
    return [
        StoredStatement(
            pk=pk,
            statement_id=str(sid),
            payload=payload,
            actor_id=actor_id,
            verb_iri=verb_iri,
            activity_id=activity_id,
            registration=str(registration) if registration else None,
            employee_id=employee_id,
            voided=voided,
        )
        for pk, sid, payload, actor_id, verb_iri, activity_id, registration, employee_id, voided in rows.values_list(
            "pk",
            "statement_id",
            "payload",
            "actor_id",
            "verb__iri",
            "activity_id",
            "registration",
            "actor__employee_id",
            "voided",
        )
    ]


Handler = Callable[[Batch], None]
Reset = Callable[[], None]

_HANDLERS: dict[str, Handler] = {}
_RESETS: dict[str, Reset] = {}


def register(name: str, handler: Handler, *, reset: Reset | None = None) -> None:
    """Register (or replace) the handler called ``name``; ``reset`` empties what it keeps,
    before a full replay (``pilotage lrs-recompute``)."""
    _HANDLERS[name] = handler
    if reset is not None:
        _RESETS[name] = reset
    else:
        _RESETS.pop(name, None)


def unregister(name: str) -> None:
    _HANDLERS.pop(name, None)
    _RESETS.pop(name, None)


def resets() -> list[tuple[str, Reset]]:
    return list(_RESETS.items())


def handlers() -> list[tuple[str, Handler]]:
    return list(_HANDLERS.items())


def run(batch: Batch, *, only: set[str] | None = None) -> None:
    """Call every handler (or those named in ``only``) on a stored batch — from
    ``statement_store``, in its transaction, or from a recompute."""
    for name, handler in list(_HANDLERS.items()):
        if only is None or name in only:
            handler(batch)
