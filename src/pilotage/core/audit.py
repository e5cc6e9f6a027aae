"""The audit trail: services call ``audit_record`` inside their transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models

from pilotage.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | decimal.Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values worth comparing, foreign keys as their ids."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = _plain(getattr(instance, attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_label=str(actor) if actor_obj else (actor if isinstance(actor, str) else ""),
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
        note=note[:300],
    )


def audit_bulk(
    *, actor: Any, action: str, object_type: str, rows: list[tuple[str, str, dict[str, Any]]], note: str = ""
) -> None:
    """Record many events at once (imports): rows are (object_id, repr, changes)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    label = str(actor) if actor_obj else (actor if isinstance(actor, str) else "")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor_obj,
                actor_label=label,
                action=action,
                object_type=object_type,
                object_id=object_id,
                object_repr=repr_[:200],
                changes=changes,
                note=note[:300],
            )
            for object_id, repr_, changes in rows
        ],
        batch_size=2000,
    )


def history_for(instance: models.Model, limit: int = 50) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk)).select_related(
            "actor"
        )[:limit]
    )
