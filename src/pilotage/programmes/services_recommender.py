"""Writes (and the few computations around them) of the modality recommender.

- a programme's inputs: derived from its audiences, planned start and budget; the DLM's
  edits are kept in ``Programme.design_inputs`` as a flat object holding only the inputs
  that differ from the derived values (so a derived value follows its audiences until
  someone overrides it);
- runs: ``recommendation_run`` stores the inputs it saw, the ranked modalities with the rules
  that fired, and the published rule version; ``recommendation_choose`` records the choice,
  with a reason when it is not the top of the list;
- the rule base: one draft at a time (a copy of the published version), edited rule by rule,
  then published (the previous published version is retired; published rules are frozen);
- the modality catalogue.

Every write checks the actor's role, validates with messages naming the field or JSON path,
runs in one transaction and is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilotage.core import ordering
from pilotage.core.audit import audit_record, diff
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.people.audiences import audience_members
from pilotage.people.models import Employee
from pilotage.programmes import permissions
from pilotage.programmes.models import Modality, Programme, Recommendation, Rule, RuleSet
from pilotage.programmes.recommender import (
    EDITABLE_INPUTS,
    DesignInputs,
    Fired,
    Ranked,
    recommend,
    summarise,
    validate_rule,
)

# --- device access from HR data -------------------------------------------------------------
# The HRIS rarely says who has a computer. The heuristic (docs/recommender.md): an employee is
# deskless when their "collar" attribute says blue-collar ("ouvrier"…), or when their job family
# is a field one (production, logistics, maintenance…) and they are not "cadre" (engineers and
# managers of those families have a desk). The audience is "deskless" from 70 % of deskless
# members, "desk" up to 30 %, "mixed" in between. "Mobile only" is never guessed: the DLM sets it.
DESKLESS_COLLARS = frozenset({"ouvrier", "ouvrière", "ouvriers", "blue-collar", "blue collar", "operator", "worker"})
FIELD_FAMILIES = frozenset(
    {"production", "logistique", "logistics", "maintenance", "manufacturing", "fabrication", "chantier", "terrain"}
)
DESK_COLLARS = frozenset({"cadre", "cadres", "white-collar", "white collar", "executive"})
DESKLESS_SHARE, DESK_SHARE = 0.7, 0.3
DEFAULT_SHELF_LIFE_MONTHS = 24


def is_deskless(collar: str | None, family: str | None) -> bool:
    collar_ = (collar or "").strip().lower()
    family_ = (family or "").strip().lower()
    if collar_ in DESKLESS_COLLARS:
        return True
    return family_ in FIELD_FAMILIES and collar_ not in DESK_COLLARS


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- inputs --------------------------------------------------------------------------------------


@dataclass
class InputsState:
    """What the form and the API show: the values used, the derived ones, and which were edited."""

    values: DesignInputs
    derived: dict[str, Any]
    edited: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": self.values.to_dict(),
            "derived": self.derived,
            "edited": sorted(self.edited),
            "sources": self.sources,
        }


def _programme_members(programme: Programme) -> Any:
    audiences = list(programme.audiences.all())
    if not audiences:
        return None, 0
    q = Q()
    for audience in audiences:
        q |= Q(pk__in=audience_members(audience, user=None).values("pk"))
    return Employee.objects.filter(q, active=True), len(audiences)


def derive_inputs(programme: Programme, *, today: dt.date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The inputs read from the programme itself, and a note on where each one comes from."""
    today = today or timezone.localdate()
    values: dict[str, Any] = DesignInputs().to_dict()
    sources: dict[str, str] = {}
    members, audience_count = _programme_members(programme)
    if members is not None:
        agg = members.aggregate(
            n=Count("pk"),
            sites=Count("site", distinct=True),
            countries=Count("site__country", distinct=True),
            zones=Count("site__timezone", distinct=True),
        )
        values.update(
            audience_size=agg["n"],
            sites=agg["sites"],
            countries=agg["countries"],
            time_zones=agg["zones"],
        )
        languages = [
            row["language"]
            for row in members.values("language").annotate(n=Count("pk")).order_by("-n", "language")
            if row["language"]
        ]
        if languages:
            values["languages"] = languages
        deskless = total = 0
        for row in members.values("attributes__collar", "job_role__family").annotate(n=Count("pk")):
            total += row["n"]
            if is_deskless(row["attributes__collar"], row["job_role__family"]):
                deskless += row["n"]
        if total:
            share = deskless / total
            values["device_access"] = (
                "deskless" if share >= DESKLESS_SHARE else "desk" if share <= DESK_SHARE else "mixed"
            )
            sources["device_access"] = _("%(pct)s %% of the members work without a desk (HR job data)") % {
                "pct": round(share * 100)
            }
        from_audiences = ngettext(
            "From %(n)s target audience, its active members",
            "From %(n)s target audiences, their distinct active members",
            audience_count,
        ) % {"n": audience_count}
        for name in ("audience_size", "sites", "countries", "time_zones", "languages"):
            sources[name] = from_audiences
    else:
        headcount = sum(r.headcount or 0 for r in programme.requests.all())
        if headcount:
            values["audience_size"] = headcount
            sources["audience_size"] = _("Headcount of the requests answered (no target audience yet)")
    if programme.planned_start and programme.planned_start >= today:
        values["lead_time_weeks"] = (programme.planned_start - today).days // 7
        sources["lead_time_weeks"] = _("From the planned start, %(date)s") % {"date": programme.planned_start}
    elif programme.planned_start:
        # Already started: "less than a month to go" would be a false urgency; leave it unknown.
        sources["lead_time_weeks"] = _("The planned start (%(date)s) has passed") % {"date": programme.planned_start}
    size = values["audience_size"]
    if programme.budget_estimate and size:
        values["budget_per_learner"] = float(round(Decimal(programme.budget_estimate) / size, 2))
        sources["budget_per_learner"] = _("Estimated budget ÷ audience size")
    legal = [r for r in programme.requests.all() if r.legal_obligation]
    if legal:
        values["skill_type"] = "compliance"
        values["attendance_proof"] = True
        sources["skill_type"] = sources["attendance_proof"] = _("A request answered is a legal obligation")
    return values, sources


def _stored_overrides(programme: Programme) -> dict[str, Any]:
    """The DLM's edits, keeping only those that are still valid inputs."""
    stored = programme.design_inputs if isinstance(programme.design_inputs, dict) else {}
    kept: dict[str, Any] = {}
    for name, value in stored.items():
        if name not in EDITABLE_INPUTS:
            continue
        try:
            kept[name] = DesignInputs.from_dict({name: value}).to_dict()[name]
        except ValidationFailed:
            continue
    return kept


def programme_inputs(programme: Programme, *, today: dt.date | None = None) -> InputsState:
    """The inputs the recommender will use for ``programme``: derived, then the DLM's edits."""
    derived, sources = derive_inputs(programme, today=today)
    edited = _stored_overrides(programme)
    values = DesignInputs.from_dict({**derived, **edited})
    return InputsState(values=values, derived=derived, edited=edited, sources=sources)


@transaction.atomic
def programme_inputs_save(*, actor: Any, programme: Programme, values: Mapping[str, Any]) -> InputsState:
    """Replace the DLM's edits by ``values`` (every input may be given). A value equal to the
    derived one is not stored: that input keeps following the audiences."""
    _require(permissions.can_design(actor), _("Only the L&D team may edit a programme's recommender inputs."))
    cleaned = DesignInputs.from_dict(values).to_dict()
    derived, _sources = derive_inputs(programme)
    overrides = {name: cleaned[name] for name in values if name in cleaned and cleaned[name] != derived[name]}
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = dict(programme.design_inputs or {})
    programme.design_inputs = overrides
    programme.save(update_fields=["design_inputs", "updated_at"])
    audit_record(
        actor=actor, action="programme.recommender_inputs", instance=programme, changes=diff(before, overrides)
    )
    return programme_inputs(programme)


# --- runs ------------------------------------------------------------------------------------------


def published_ruleset() -> RuleSet | None:
    return RuleSet.objects.filter(status=RuleSet.Status.PUBLISHED).order_by("-version").first()


def _rules(ruleset: RuleSet) -> list[Rule]:
    return list(ruleset.rules.order_by("position", "id"))


def _catalogue() -> list[Modality]:
    return list(Modality.objects.order_by("position", "key"))


def modality_names() -> dict[str, str]:
    return {m.key: m.name for m in _catalogue()}


def run_rules(inputs: DesignInputs, ruleset: RuleSet) -> list[Ranked]:
    return recommend(inputs, _rules(ruleset), _catalogue())


@transaction.atomic
def recommendation_run(*, actor: Any, programme: Programme) -> Recommendation:
    """Run the published rules on the programme's current inputs and keep the result."""
    _require(permissions.can_design(actor), _("Only the L&D team may run the recommender."))
    ruleset = published_ruleset()
    if ruleset is None:
        raise ValidationFailed(_("No rule set is published: the DLM must publish one before running the recommender."))
    programme = Programme.objects.get(pk=programme.pk)  # the inputs as saved, not a stale copy
    state = programme_inputs(programme)
    ranked = run_rules(state.values, ruleset)
    if not ranked:
        raise ValidationFailed(_("No modality of the catalogue is active: activate at least one."))
    recommendation = Recommendation.objects.create(
        programme=programme,
        ruleset=ruleset,
        inputs=state.values.to_dict(),
        results=[r.to_json() for r in ranked],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="programme.recommendation_run",
        instance=programme,
        changes={"recommendation": recommendation.pk, "ruleset": ruleset.version, "top": ranked[0].modality},
    )
    return recommendation


def ranked_of(recommendation: Recommendation) -> list[Ranked]:
    """The stored results back as ranked modalities with their fired rules, the explanations
    read from the rules of the version that produced them (frozen once published)."""
    rules = {r.key: r for r in recommendation.ruleset.rules.all()}
    out = []
    for row in recommendation.results or []:
        fired = []
        for key in row.get("rules", []):
            rule = rules.get(key)
            points = int(row.get("points", {}).get(key, 0))
            fired.append(Fired(key, points, rule.explanation_en if rule else key, rule.explanation_fr if rule else key))
        out.append(
            Ranked(
                modality=row["modality"], score=int(row["score"]), base_score=int(row.get("base_score", 0)), fired=fired
            )
        )
    return out


def recommendation_summary(recommendation: Recommendation) -> str:
    """The one-sentence summary in the active language."""
    return summarise(DesignInputs.from_dict(recommendation.inputs), ranked_of(recommendation), modality_names())


def top_modality_key(recommendation: Recommendation) -> str | None:
    results = recommendation.results or []
    return results[0]["modality"] if results else None


@transaction.atomic
def recommendation_choose(
    *, actor: Any, recommendation: Recommendation, modality: Modality, override_reason: str = ""
) -> Recommendation:
    """Record the modality chosen for the programme. Choosing another than the top of the
    list needs a reason; it is kept with the run (and so with its rule version)."""
    _require(permissions.can_design(actor), _("Only the L&D team may choose a programme's modality."))
    reason = (override_reason or "").strip()
    if not modality.active:
        raise ValidationFailed(
            {"modality": [_("“%(name)s” is no longer active in the catalogue.") % {"name": modality.name}]}
        )
    top = top_modality_key(recommendation)
    if modality.key != top and not reason:
        names = modality_names()
        raise ValidationFailed(
            {
                "override_reason": [
                    _(
                        "You chose “%(chosen)s” rather than the recommended “%(top)s”: give the reason "
                        "(it is kept with this run and rule version v%(version)s)."
                    )
                    % {
                        "chosen": modality.name,
                        "top": names.get(top or "", top or "—"),
                        "version": recommendation.ruleset.version,
                    }
                ]
            }
        )
    recommendation = Recommendation.objects.select_for_update().select_related("ruleset").get(pk=recommendation.pk)
    programme = Programme.objects.select_for_update().get(pk=recommendation.programme_id)
    recommendation.chosen_modality = modality
    recommendation.override_reason = reason if modality.key != top else ""
    recommendation.chosen_by = actor if getattr(actor, "is_authenticated", False) else None
    recommendation.chosen_at = timezone.now()
    recommendation.save(update_fields=["chosen_modality", "override_reason", "chosen_by", "chosen_at"])
    before = programme.chosen_modality_id
    programme.chosen_modality = modality
    programme.save(update_fields=["chosen_modality", "updated_at"])
    audit_record(
        actor=actor,
        action="programme.modality_choose",
        instance=programme,
        changes={
            "chosen_modality": [before, modality.pk],
            "modality": modality.key,
            "recommended": top,
            "ruleset": recommendation.ruleset.version,
            "recommendation": recommendation.pk,
            "override_reason": recommendation.override_reason,
        },
        note=recommendation.override_reason,
    )
    return recommendation


# --- the rule base ---------------------------------------------------------------------------------

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _require_rules_editor(actor: Any) -> None:
    _require(permissions.can_edit_rules(actor), _("Only the DLM may edit the recommender's rules."))


def _require_draft(ruleset: RuleSet) -> None:
    if ruleset.status != RuleSet.Status.DRAFT:
        raise ValidationFailed(
            _("Version v%(version)s is %(status)s: its rules are frozen. Create a draft to change them.")
            % {"version": ruleset.version, "status": RuleSet.Status(ruleset.status).label.lower()}
        )


@transaction.atomic
def ruleset_draft_create(*, actor: Any, note: str = "") -> RuleSet:
    """A new draft version holding a copy of the published rules (one draft at a time)."""
    _require_rules_editor(actor)
    # Lock the versions so that two DLMs clicking at once do not both create v(n+1).
    versions = list(RuleSet.objects.select_for_update().order_by("-version"))
    draft = next((r for r in versions if r.status == RuleSet.Status.DRAFT), None)
    if draft is not None:
        raise ValidationFailed(
            _("Draft v%(version)s already exists: edit it, then publish it.") % {"version": draft.version}
        )
    source = next((r for r in versions if r.status == RuleSet.Status.PUBLISHED), versions[0] if versions else None)
    ruleset = RuleSet.objects.create(
        version=(versions[0].version + 1) if versions else 1,
        status=RuleSet.Status.DRAFT,
        note=note.strip()[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if source is not None:
        Rule.objects.bulk_create(
            [
                Rule(
                    ruleset=ruleset,
                    key=r.key,
                    name=r.name,
                    condition=r.condition,
                    effects=r.effects,
                    explanation_en=r.explanation_en,
                    explanation_fr=r.explanation_fr,
                    active=r.active,
                    position=index,
                )
                for index, r in enumerate(source.rules.order_by("position", "id"))
            ]
        )
    audit_record(
        actor=actor,
        action="ruleset.draft_create",
        instance=ruleset,
        changes={"copied_from": source.version if source else None},
    )
    return ruleset


def _clean_rule(
    *,
    ruleset: RuleSet,
    key: str,
    name: str,
    condition: Any,
    effects: Any,
    explanation_en: str,
    explanation_fr: str,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    key = (key or "").strip()
    if not KEY_RE.match(key) or len(key) > 60:
        errors["key"] = [_("Use lower-case letters, digits, - and _ (at most 60), e.g. “deskless-audience”.")]
    elif ruleset.rules.filter(key=key).exclude(pk=exclude_pk or 0).exists():
        errors["key"] = [
            _("Another rule of v%(version)s already has the key “%(key)s”.") % {"version": ruleset.version, "key": key}
        ]
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a short name.")]
    for lang, text in (("explanation_en", explanation_en), ("explanation_fr", explanation_fr)):
        if not (text or "").strip():
            errors[lang] = [_("Write the sentence that explains the rule; it is shown with the recommendation.")]
        elif len(text.strip()) > 400:
            errors[lang] = [_("Keep the explanation under 400 characters.")]
    try:
        validate_rule(condition, effects, Modality.objects.values_list("key", flat=True))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return {
        "key": key,
        "name": name[:160],
        "condition": condition,
        "effects": effects,
        "explanation_en": explanation_en.strip(),
        "explanation_fr": explanation_fr.strip(),
    }


RULE_FIELDS = ["key", "name", "condition", "effects", "explanation_en", "explanation_fr", "active", "position"]


@transaction.atomic
def rule_create(
    *,
    actor: Any,
    ruleset: RuleSet,
    key: str,
    name: str,
    condition: Any,
    effects: Any,
    explanation_en: str,
    explanation_fr: str,
    active: bool = True,
) -> Rule:
    """Add a rule at the end of a draft."""
    _require_rules_editor(actor)
    ruleset = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
    _require_draft(ruleset)
    data = _clean_rule(
        ruleset=ruleset,
        key=key,
        name=name,
        condition=condition,
        effects=effects,
        explanation_en=explanation_en,
        explanation_fr=explanation_fr,
    )
    position = (ruleset.rules.aggregate(m=Max("position"))["m"] or 0) + 1
    rule = Rule.objects.create(ruleset=ruleset, active=active, position=position, **data)
    audit_record(actor=actor, action="rule.create", instance=rule, changes={"ruleset": ruleset.version, **data})
    return rule


@transaction.atomic
def rule_update(
    *,
    actor: Any,
    rule: Rule,
    key: str,
    name: str,
    condition: Any,
    effects: Any,
    explanation_en: str,
    explanation_fr: str,
    active: bool,
) -> Rule:
    """Change a rule of a draft (deactivating keeps it, greyed, for later)."""
    _require_rules_editor(actor)
    rule = Rule.objects.select_for_update().select_related("ruleset").get(pk=rule.pk)
    _require_draft(rule.ruleset)
    data = _clean_rule(
        ruleset=rule.ruleset,
        key=key,
        name=name,
        condition=condition,
        effects=effects,
        explanation_en=explanation_en,
        explanation_fr=explanation_fr,
        exclude_pk=rule.pk,
    )
    before = {f: getattr(rule, f) for f in RULE_FIELDS}
    for name_, value in {**data, "active": active}.items():
        setattr(rule, name_, value)
    rule.save(update_fields=[*data, "active"])
    audit_record(
        actor=actor,
        action="rule.update",
        instance=rule,
        changes=diff(before, {f: getattr(rule, f) for f in RULE_FIELDS}),
    )
    return rule


@transaction.atomic
def rule_move(*, actor: Any, rule: Rule, direction: str) -> Rule:
    """Move a rule one place up or down in its draft (the order in which reasons are listed)."""
    _require_rules_editor(actor)
    if direction not in ordering.DIRECTIONS:
        raise ValidationFailed({"direction": [_("Move a rule “up” or “down”.")]})
    rule = Rule.objects.select_related("ruleset").get(pk=rule.pk)
    ruleset = RuleSet.objects.select_for_update().get(pk=rule.ruleset_id)
    _require_draft(ruleset)
    current = list(ruleset.rules.order_by("position", "id"))
    rules = ordering.swapped(current, rule, direction) or current
    ordering.renumber(rules, start=0)
    audit_record(actor=actor, action="rule.move", instance=rule, changes={"direction": direction})
    return next(r for r in rules if r.pk == rule.pk)


@transaction.atomic
def ruleset_publish(*, actor: Any, ruleset: RuleSet, note: str = "") -> RuleSet:
    """Publish a draft: it becomes the version every new run uses; the previous one is retired."""
    _require_rules_editor(actor)
    versions = {r.pk: r for r in RuleSet.objects.select_for_update()}
    ruleset = versions[ruleset.pk]
    _require_draft(ruleset)
    if not ruleset.rules.filter(active=True).exists():
        raise ValidationFailed(
            _("v%(version)s has no active rule: add or reactivate one before publishing.")
            % {"version": ruleset.version}
        )
    note = (note or ruleset.note).strip()
    if not note:
        raise ValidationFailed({"note": [_("Say in a few words what changed in this version.")]})
    now = timezone.now()
    retired = [r for r in versions.values() if r.status == RuleSet.Status.PUBLISHED]
    for old in retired:
        old.status = RuleSet.Status.RETIRED
        old.save(update_fields=["status"])
        audit_record(actor=actor, action="ruleset.retire", instance=old, changes={"replaced_by": ruleset.version})
    ruleset.status = RuleSet.Status.PUBLISHED
    ruleset.published_at = now
    ruleset.note = note[:300]
    ruleset.save(update_fields=["status", "published_at", "note"])
    audit_record(
        actor=actor,
        action="ruleset.publish",
        instance=ruleset,
        changes={"retired": [r.version for r in retired]},
        note=ruleset.note,
    )
    return ruleset


@dataclass
class Preview:
    """A draft tried on a programme, next to what the published version says."""

    inputs: DesignInputs
    draft: list[Ranked]
    published: list[Ranked]
    published_version: int | None

    @property
    def changed_top(self) -> bool:
        return bool(self.draft and self.published and self.draft[0].modality != self.published[0].modality)


def ruleset_preview(*, ruleset: RuleSet, programme: Programme) -> Preview:
    """Run ``ruleset`` (a draft, usually) on a programme without keeping anything."""
    inputs = programme_inputs(programme).values
    published = published_ruleset()
    return Preview(
        inputs=inputs,
        draft=run_rules(inputs, ruleset),
        published=run_rules(inputs, published) if published else [],
        published_version=published.version if published else None,
    )


# --- the modality catalogue ----------------------------------------------------------------------

MODALITY_FIELDS = ["key", "name_en", "name_fr", "description_en", "description_fr", "base_score", "active", "position"]


def _clean_modality(data: Mapping[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    key = str(data.get("key", "")).strip()
    if not KEY_RE.match(key) or len(key) > 40:
        errors["key"] = [_("Use lower-case letters, digits, - and _ (at most 40), e.g. “micro_learning”.")]
    elif Modality.objects.filter(key=key).exclude(pk=exclude_pk or 0).exists():
        errors["key"] = [_("Another modality already has the key “%(key)s”.") % {"key": key}]
    for name in ("name_en", "name_fr"):
        if not str(data.get(name, "")).strip():
            errors[name] = [_("Give the modality's name in both languages.")]
    base = data.get("base_score", 0)
    if isinstance(base, bool) or not isinstance(base, int) or not -20 <= base <= 20:
        errors["base_score"] = [_("The base score is a whole number between -20 and 20.")]
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        errors["position"] = [_("The position is a whole number of 0 or more.")]
    if errors:
        raise ValidationFailed(errors)
    return {
        "key": key,
        "name_en": str(data["name_en"]).strip()[:120],
        "name_fr": str(data["name_fr"]).strip()[:120],
        "description_en": str(data.get("description_en", "")).strip(),
        "description_fr": str(data.get("description_fr", "")).strip(),
        "base_score": base,
        "active": bool(data.get("active", True)),
        "position": position,
    }


@transaction.atomic
def modality_create(*, actor: Any, **data: Any) -> Modality:
    _require(permissions.can_manage_framework(actor), _("Only the L&D team may edit the modality catalogue."))
    if "position" not in data:
        data["position"] = (Modality.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    cleaned = _clean_modality(data)
    modality = Modality.objects.create(**cleaned)
    audit_record(actor=actor, action="modality.create", instance=modality, changes=cleaned)
    return modality


@transaction.atomic
def modality_update(*, actor: Any, modality: Modality, **data: Any) -> Modality:
    """Change a modality. Its key is what rules name: renaming the key of a modality that
    rules use is refused."""
    _require(permissions.can_manage_framework(actor), _("Only the L&D team may edit the modality catalogue."))
    modality = Modality.objects.select_for_update().get(pk=modality.pk)
    before = {f: getattr(modality, f) for f in MODALITY_FIELDS}
    cleaned = _clean_modality({**before, **data}, exclude_pk=modality.pk)
    if cleaned["key"] != modality.key and _modality_in_rules(modality.key):
        raise ValidationFailed(
            {"key": [_("Rules use the key “%(key)s”: keep it (change the names instead).") % {"key": modality.key}]}
        )
    for name, value in cleaned.items():
        setattr(modality, name, value)
    modality.save(update_fields=[*cleaned, "updated_at"])
    audit_record(actor=actor, action="modality.update", instance=modality, changes=diff(before, cleaned))
    return modality


def _modality_in_rules(key: str) -> bool:
    return any(key in (effects or {}) for effects in Rule.objects.values_list("effects", flat=True))


def modalities_by_key(keys: Sequence[str] | None = None) -> dict[str, Modality]:
    qs = Modality.objects.all()
    if keys is not None:
        qs = qs.filter(key__in=keys)
    return {m.key: m for m in qs}
