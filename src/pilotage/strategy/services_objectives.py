"""Writes of leadership objectives: one function per use case, one transaction each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.strategy import permissions
from pilotage.strategy.models import Objective

OBJECTIVE_FIELDS = [
    "title",
    "description",
    "owner",
    "horizon",
    "business_indicator",
    "indicator_baseline",
    "indicator_target",
    "weight",
    "status",
]


def _checked(
    *,
    title: str,
    description: str,
    owner: Any,
    horizon: dt.date | None,
    business_indicator: str,
    indicator_baseline: str,
    indicator_target: str,
    weight: int,
    status: str,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the objective a title.")]
    elif len(title) > 200:
        errors["title"] = [_("The title is too long: 200 characters at most.")]
    if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 5:
        errors["weight"] = [_("The weight is a whole number from 1 (minor) to 5 (critical).")]
    if status not in Objective.Status.values:
        errors["status"] = [
            _("Unknown status “%(status)s”: use one of %(choices)s.")
            % {"status": status, "choices": ", ".join(Objective.Status.values)}
        ]
    indicator = (business_indicator or "").strip()
    baseline = (indicator_baseline or "").strip()
    target = (indicator_target or "").strip()
    for name, value, limit in (
        ("business_indicator", indicator, 200),
        ("indicator_baseline", baseline, 100),
        ("indicator_target", target, 100),
    ):
        if len(value) > limit:
            errors[name] = [_("Too long: %(limit)d characters at most.") % {"limit": limit}]
    if (baseline or target) and not indicator:
        errors["business_indicator"] = [_("Name the business indicator that the baseline and target measure.")]
    if owner is not None and not getattr(owner, "is_active", False):
        errors["owner"] = [_("The owner must be an active user.")]
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "description": (description or "").strip(),
        "owner": owner,
        "horizon": horizon,
        "business_indicator": indicator,
        "indicator_baseline": baseline,
        "indicator_target": target,
        "weight": weight,
        "status": status,
    }


def _require_manager(actor: Any) -> None:
    if not permissions.can_manage_objectives(actor):
        raise PermissionDenied(_("Only the L&D team may change objectives."))


@transaction.atomic
def objective_create(
    *,
    actor: Any,
    title: str,
    description: str = "",
    owner: Any = None,
    horizon: dt.date | None = None,
    business_indicator: str = "",
    indicator_baseline: str = "",
    indicator_target: str = "",
    weight: int = 3,
    status: str = Objective.Status.ACTIVE,
) -> Objective:
    """Record an objective set by leadership (the L&D team types it in)."""
    _require_manager(actor)
    data = _checked(
        title=title,
        description=description,
        owner=owner,
        horizon=horizon,
        business_indicator=business_indicator,
        indicator_baseline=indicator_baseline,
        indicator_target=indicator_target,
        weight=weight,
        status=status,
    )
    objective = Objective.objects.create(**data)
    audit_record(actor=actor, action="create", instance=objective)
    return objective


@transaction.atomic
def objective_update(
    *,
    actor: Any,
    objective: Objective,
    title: str,
    description: str = "",
    owner: Any = None,
    horizon: dt.date | None = None,
    business_indicator: str = "",
    indicator_baseline: str = "",
    indicator_target: str = "",
    weight: int = 3,
    status: str = Objective.Status.ACTIVE,
) -> Objective:
    """Change every field of an objective (a full replacement, as the form and the API send it)."""
    _require_manager(actor)
    data = _checked(
        title=title,
        description=description,
        owner=owner,
        horizon=horizon,
        business_indicator=business_indicator,
        indicator_baseline=indicator_baseline,
        indicator_target=indicator_target,
        weight=weight,
        status=status,
    )
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = snapshot(objective, OBJECTIVE_FIELDS)
    for name, value in data.items():
        setattr(objective, name, value)
    objective.save(update_fields=[*data, "updated_at"])
    changes = diff(before, snapshot(objective, OBJECTIVE_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", instance=objective, changes=changes)
    return objective
