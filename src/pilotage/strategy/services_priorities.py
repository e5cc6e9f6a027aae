"""Writes (and the score reads) of prioritisation: the criteria set, the weights, and the
L&D team's hand-given scores of requests on the manual criteria.

The score itself is computed by the pure ``pilotage.strategy.scoring``; this module turns
requests into the facts it reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.strategy import permissions, queries, scoring
from pilotage.strategy.models import Criterion, RequestScore, TrainingRequest

OPEN_STATUSES = queries.OPEN_STATUSES


def _require_dlm(actor: Any) -> None:
    if not permissions.can_configure_criteria(actor) and actor != "system":
        raise PermissionDenied(_("Only the DLM may change the prioritisation criteria and their weights."))


def _require_scorer(actor: Any) -> None:
    if not permissions.can_prioritise(actor) and actor != "system":
        raise PermissionDenied(_("Only the L&D team may score requests."))


# --- criteria ---------------------------------------------------------------------------------


def weights_problem(weights: Iterable[int]) -> str | None:
    """Why a set of active weights is refused, or None when it sums to 100."""
    total = sum(weights)
    if total != 100:
        return _("The weights of the active criteria add up to %(total)s %%; they must add up to 100 %%.") % {
            "total": total
        }
    return None


def _clean_int(value: Any, path: str, errors: dict[str, list[str]], *, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(path, []).append(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
        return 0
    if not low <= number <= high:
        errors.setdefault(path, []).append(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
    return number


def _unique_key(base: str, taken: set[str]) -> str:
    base = (slugify(base).replace("-", "_") or "criterion")[:36]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


@transaction.atomic
def criteria_save(*, actor: Any, rows: Sequence[Mapping[str, Any]]) -> list[Criterion]:
    """Replace the whole criteria set with ``rows``, in their order (position).

    A row names an existing criterion by ``key`` (or ``id``) or, without one, creates a new
    criterion (its key derived from the English name). Existing criteria absent from ``rows``
    are deactivated, not deleted: their hand-given scores are kept should they come back.
    Refused, with errors keyed ``criteria[i].field``, when a name is missing, a weight is
    outside 0–100, a source is unknown, a key repeats, or the active weights do not sum to 100.
    """
    _require_dlm(actor)
    existing = {c.key: c for c in Criterion.objects.select_for_update()}
    by_id = {c.pk: c for c in existing.values()}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    planned: list[tuple[Criterion | None, dict[str, Any]]] = []
    taken = set(existing)
    for i, row in enumerate(rows):
        path = f"criteria[{i}]"
        current: Criterion | None = None
        if row.get("id") not in (None, ""):
            current = by_id.get(int(row["id"])) if str(row["id"]).isdigit() else None
            if current is None:
                errors.setdefault(f"{path}.id", []).append(_("No criterion with id %(id)s.") % {"id": row["id"]})
        elif row.get("key"):
            current = existing.get(str(row["key"]))
        name_en = str(row.get("name_en") or "").strip()
        name_fr = str(row.get("name_fr") or "").strip() or name_en
        if not name_en:
            errors.setdefault(f"{path}.name_en", []).append(_("Give the criterion an English name."))
        if len(name_en) > 120 or len(name_fr) > 120:
            errors.setdefault(f"{path}.name_en", []).append(_("Names are 120 characters at most."))
        weight = _clean_int(row.get("weight", 0), f"{path}.weight", errors, low=0, high=100)
        source = str(row.get("source") or scoring.MANUAL)
        if source not in Criterion.Source.values:
            errors.setdefault(f"{path}.source", []).append(
                _("Unknown source “%(source)s”: use one of %(choices)s.")
                % {"source": source, "choices": ", ".join(Criterion.Source.values)}
            )
        active = row.get("active", True)
        active = active if isinstance(active, bool) else str(active).lower() in {"1", "true", "on", "yes"}
        if current is not None:
            key = current.key
        elif row.get("key"):
            key = slugify(str(row["key"])).replace("-", "_")[:40]
            if not key:
                errors.setdefault(f"{path}.key", []).append(_("A key is made of letters, digits and underscores."))
            taken.add(key)
        else:
            key = _unique_key(name_en, taken)
            taken.add(key)
        if key in seen:
            errors.setdefault(f"{path}.key", []).append(_("The criterion “%(key)s” appears twice.") % {"key": key})
        seen.add(key)
        planned.append(
            (
                current,
                {
                    "key": key,
                    "name_en": name_en,
                    "name_fr": name_fr,
                    "description": str(row.get("description") or "").strip(),
                    "weight": weight,
                    "source": source,
                    "active": active,
                    "position": i,
                },
            )
        )
    actives = [values for _c, values in planned if values["active"]]
    if not errors:
        if not actives:
            errors["criteria"] = [_("Keep at least one active criterion.")]
        elif problem := weights_problem(v["weight"] for v in actives):
            errors["criteria"] = [problem]
    if errors:
        raise ValidationFailed(errors)

    saved: list[Criterion] = []
    for current, values in planned:
        if current is None:
            criterion = Criterion.objects.create(**values)
            audit_record(actor=actor, action="create", instance=criterion, changes={"weight": [None, values["weight"]]})
        else:
            changes = {
                k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v and k != "position"
            }
            for k, v in values.items():
                setattr(current, k, v)
            current.save(update_fields=[*values.keys(), "updated_at"])
            criterion = current
            if changes:
                audit_record(actor=actor, action="update", instance=criterion, changes=changes)
        saved.append(criterion)
    named = {c.key for c in saved}
    for key, criterion in existing.items():
        if key not in named and criterion.active:
            criterion.active = False
            criterion.save(update_fields=["active", "updated_at"])
            audit_record(actor=actor, action="deactivate", instance=criterion, changes={"active": [True, False]})
    return saved


@transaction.atomic
def criteria_set_weights(*, actor: Any, weights: Mapping[str, int]) -> list[Criterion]:
    """Save new weights for the active criteria (the backlog's "save these weights").
    Refused when a key is unknown or the active weights do not sum to 100."""
    _require_dlm(actor)
    active = {c.key: c for c in Criterion.objects.select_for_update().filter(active=True)}
    errors: dict[str, list[str]] = {}
    new: dict[str, int] = {}
    for key, value in weights.items():
        if key not in active:
            errors.setdefault(f"weights.{key}", []).append(_("No active criterion “%(key)s”.") % {"key": key})
            continue
        new[key] = _clean_int(value, f"weights.{key}", errors, low=0, high=100)
    if not errors and (problem := weights_problem(new.get(k, c.weight) for k, c in active.items())):
        errors["weights"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    for key, criterion in active.items():
        if key in new and new[key] != criterion.weight:
            audit_record(
                actor=actor, action="update", instance=criterion, changes={"weight": [criterion.weight, new[key]]}
            )
            criterion.weight = new[key]
            criterion.save(update_fields=["weight", "updated_at"])
    return list(active.values())


def criterion_specs(
    criteria: Iterable[Criterion] | None = None, *, weights: Mapping[str, int] | None = None
) -> list[scoring.CriterionSpec]:
    """The active criteria as scoring specs, optionally with what-if weights."""
    rows = list(criteria) if criteria is not None else list(Criterion.objects.filter(active=True))
    specs = [scoring.spec_of(c) for c in rows if c.active]
    return scoring.with_weights(specs, weights) if weights else specs


def parse_weights(
    raw: Mapping[str, Any], specs: Iterable[scoring.CriterionSpec]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """What-if weights from a query string (``w_<key>=N``), checked: 0–100, known keys."""
    keys = {s.key for s in specs}
    weights: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for name, value in raw.items():
        if not name.startswith("w_") or value in (None, ""):
            continue
        key = name[2:]
        if key not in keys:
            errors.setdefault(f"weights.{key}", []).append(_("No active criterion “%(key)s”.") % {"key": key})
            continue
        weights[key] = _clean_int(value, f"weights.{key}", errors, low=0, high=100)
    return weights, errors


# --- request scores -------------------------------------------------------------------------


def request_facts(request: TrainingRequest, manual: Mapping[str, int] | None = None) -> scoring.Facts:
    """The facts the score reads of a request (objective selected with it to avoid a query)."""
    objective = request.objective
    return scoring.Facts(
        objective_weight=objective.weight if objective is not None else None,
        objective_title=objective.title if objective is not None else "",
        headcount=request.headcount,
        wished_date=request.wished_date,
        legal_obligation=request.legal_obligation,
        budget=request.budget_indication,
        manual=manual or {},
    )


def manual_scores(requests: Iterable[TrainingRequest]) -> dict[int, dict[str, int]]:
    """Hand-given scores of these requests: request id → {criterion key: value}. One query."""
    ids = [r.pk for r in requests]
    out: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for request_id, key, value in RequestScore.objects.filter(request_id__in=ids).values_list(
        "request_id", "criterion__key", "value"
    ):
        out[request_id][key] = value
    return out


def request_score(
    request: TrainingRequest,
    *,
    specs: list[scoring.CriterionSpec] | None = None,
    today: dt.date | None = None,
) -> scoring.Score:
    """The score of one request with its breakdown."""
    specs = specs if specs is not None else criterion_specs()
    manual = manual_scores([request])[request.pk]
    return scoring.score(specs, request_facts(request, manual), today=today or timezone.localdate())


def open_requests(qs: QuerySet[TrainingRequest]) -> QuerySet[TrainingRequest]:
    """Requests still to decide (submitted, under review, parked): the backlog's share."""
    return qs.filter(status__in=OPEN_STATUSES)


def clean_manual_values(
    values: Mapping[str, Any], manual: Mapping[str, Criterion]
) -> tuple[dict[str, int | None], dict[str, list[str]]]:
    """Check hand-given values: known manual criteria, whole numbers 0–5, blank = clear."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, int | None] = {}
    for key, value in values.items():
        if key not in manual:
            errors.setdefault(f"scores.{key}", []).append(
                _("“%(key)s” is not a criterion scored by hand.") % {"key": key}
            )
            continue
        if value is None or str(value).strip() == "":
            clean[key] = None
            continue
        clean[key] = _clean_int(value, f"scores.{key}", errors, low=0, high=scoring.MAX_VALUE)
    return clean, errors


def apply_manual_scores(
    *, actor: Any, subject: Any, score_model: Any, subject_field: str, values: Mapping[str, Any]
) -> None:
    """Write the hand-given scores of a request or a programme (``score_model`` is
    ``RequestScore`` or ``ProgrammeScore``, keyed by ``subject_field``): criterion key → 0–5,
    blank removes. Refused as a whole, naming the criterion, when a value is bad; audited on
    ``subject``. The caller checks the actor's right and holds the transaction."""
    manual = {c.key: c for c in Criterion.objects.filter(source=Criterion.Source.MANUAL)}
    clean, errors = clean_manual_values(values, manual)
    if errors:
        raise ValidationFailed(errors)
    current = {
        s.criterion.key: s for s in score_model.objects.filter(**{subject_field: subject}).select_related("criterion")
    }
    by = actor if getattr(actor, "is_authenticated", False) else None
    changes: dict[str, list[Any]] = {}
    for key, value in clean.items():
        existing = current.get(key)
        if value is None:
            if existing is not None:
                changes[key] = [existing.value, None]
                existing.delete()
            continue
        if existing is None:
            score_model.objects.create(**{subject_field: subject}, criterion=manual[key], value=value, scored_by=by)
            changes[key] = [None, value]
        elif existing.value != value:
            changes[key] = [existing.value, value]
            existing.value, existing.scored_by = value, by
            existing.save(update_fields=["value", "scored_by", "scored_at"])
    if changes:
        audit_record(actor=actor, action="score", instance=subject, changes=changes)


@transaction.atomic
def request_scores_set(*, actor: Any, request: TrainingRequest, values: Mapping[str, Any]) -> dict[str, int]:
    """Score ``request`` by hand on manual criteria: ``values`` maps criterion key → 0–5
    (blank or None removes the score). Refused as a whole when one value is bad."""
    _require_scorer(actor)
    apply_manual_scores(actor=actor, subject=request, score_model=RequestScore, subject_field="request", values=values)
    return {s.criterion.key: s.value for s in RequestScore.objects.filter(request=request).select_related("criterion")}
