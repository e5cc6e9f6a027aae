"""The explainable modality recommender: typed inputs, rule validation and the scoring engine.

Everything here is pure (no database): ``services_recommender`` feeds it the programme's
inputs, the rules of one rule-set version and the modality catalogue, and stores what it
returns. A rule reads::

    condition: {"all": [{"input": "audience_size", "op": ">=", "value": 1000},
                        {"input": "device_access", "op": "==", "value": "deskless"}]}
    effects:   {"micro_learning": 3, "in_person": -2}

``all``/``any`` groups may nest. A clause whose input is unknown (``None``: no budget, no
planned start) is false, so a rule never fires on a guess. Scores start at each modality's
``base_score``; every active rule whose condition holds adds its effects; ties go to the
modality that comes first in the catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from pilotage.core.errors import ValidationFailed

DEVICE_ACCESS = ("desk", "deskless", "mobile_only", "mixed")
SKILL_TYPES = ("knowledge", "procedure", "behaviour", "compliance")
PRACTICE_NEEDS = ("none", "some", "high")
OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "contains")
ORDER_OPS = ("<", "<=", ">", ">=")
MAX_EFFECT = 20
MAX_DEPTH = 4

# name -> kind: "int", "number", "choice", "bool", "list". ``language_count`` is derived
# from ``languages`` so rules can say "three languages or more".
INPUT_KINDS: dict[str, str] = {
    "audience_size": "int",
    "sites": "int",
    "countries": "int",
    "time_zones": "int",
    "device_access": "choice",
    "lead_time_weeks": "int",
    "content_shelf_life_months": "int",
    "skill_type": "choice",
    "practice_need": "choice",
    "budget_per_learner": "number",
    "languages": "list",
    "language_count": "int",
    "attendance_proof": "bool",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "device_access": DEVICE_ACCESS,
    "skill_type": SKILL_TYPES,
    "practice_need": PRACTICE_NEEDS,
}
# Inputs the DLM fills (language_count is computed).
EDITABLE_INPUTS = tuple(name for name in INPUT_KINDS if name != "language_count")
OPTIONAL_INPUTS = frozenset({"lead_time_weeks", "budget_per_learner"})


@dataclass(frozen=True)
class DesignInputs:
    """A programme's profile as the recommender sees it.

    ``lead_time_weeks`` and ``budget_per_learner`` may be unknown (``None``): rules on them
    then do not fire.
    """

    audience_size: int = 0
    sites: int = 1
    countries: int = 1
    time_zones: int = 1
    device_access: str = "desk"
    lead_time_weeks: int | None = None
    content_shelf_life_months: int = 24
    skill_type: str = "knowledge"
    practice_need: str = "some"
    budget_per_learner: float | None = None
    languages: tuple[str, ...] = ("fr",)
    attendance_proof: bool = False

    @property
    def language_count(self) -> int:
        return len(self.languages)

    def value(self, name: str) -> Any:
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["languages"] = list(self.languages)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DesignInputs:
        """Validated inputs; missing keys take the defaults. Raises ``ValidationFailed``
        with one message per bad field, naming it."""
        if not isinstance(data, Mapping):
            raise ValidationFailed({"inputs": [_("The inputs must be a JSON object of named values.")]})
        errors: dict[str, list[str]] = {}
        unknown = sorted(set(data) - set(EDITABLE_INPUTS))
        for name in unknown:
            errors[name] = [
                _("Unknown input “%(name)s”. Known inputs: %(known)s.")
                % {"name": name, "known": ", ".join(EDITABLE_INPUTS)}
            ]
        values: dict[str, Any] = {}
        for name in EDITABLE_INPUTS:
            if name not in data:
                continue
            try:
                values[name] = _clean_input(name, data[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise ValidationFailed(errors)
        return cls(**values)


def input_label(name: str) -> str:
    labels = {
        "audience_size": _("Audience size"),
        "sites": _("Number of sites"),
        "countries": _("Number of countries"),
        "time_zones": _("Number of time zones"),
        "device_access": _("Device access"),
        "lead_time_weeks": _("Lead time (weeks)"),
        "content_shelf_life_months": _("Content shelf life (months)"),
        "skill_type": _("Skill type"),
        "practice_need": _("Need for practice or interaction"),
        "budget_per_learner": _("Budget per learner (€)"),
        "languages": _("Languages"),
        "language_count": _("Number of languages"),
        "attendance_proof": _("Attendance proof required"),
    }
    return labels.get(name, name)


def choice_label(name: str, value: str) -> str:
    labels = {
        "desk": _("desk-based"),
        "deskless": _("deskless"),
        "mobile_only": _("mobile only"),
        "mixed": _("mixed"),
        "knowledge": _("knowledge"),
        "procedure": _("procedure"),
        "behaviour": _("behaviour"),
        "compliance": _("compliance"),
        "none": _("none"),
        "some": _("some"),
        "high": _("high"),
    }
    return labels.get(value, value)


def _whole(name: str, raw: Any, *, minimum: int = 0) -> int:
    if isinstance(raw, bool):
        raise ValueError(_("%(label)s must be a whole number.") % {"label": input_label(name)})
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int):
        raise ValueError(
            _("%(label)s must be a whole number (got “%(value)s”).") % {"label": input_label(name), "value": raw}
        )
    if raw < minimum:
        raise ValueError(
            _("%(label)s must be %(minimum)s or more (got %(value)s).")
            % {"label": input_label(name), "minimum": minimum, "value": raw}
        )
    return raw


def _clean_input(name: str, raw: Any) -> Any:
    kind = INPUT_KINDS[name]
    if raw is None or raw == "":
        if name in OPTIONAL_INPUTS:
            return None
        raise ValueError(_("%(label)s is required.") % {"label": input_label(name)})
    if kind == "int":
        minimum = 1 if name == "content_shelf_life_months" else 0
        return _whole(name, raw, minimum=minimum)
    if kind == "number":
        try:
            number = float(Decimal(str(raw).replace(",", ".").strip()))
        except (InvalidOperation, ValueError):
            raise ValueError(
                _("%(label)s must be an amount in euros (got “%(value)s”).")
                % {"label": input_label(name), "value": raw}
            ) from None
        if isinstance(raw, bool) or not math.isfinite(number) or number < 0:
            raise ValueError(_("%(label)s must be an amount of 0 or more.") % {"label": input_label(name)})
        return round(number, 2)
    if kind == "choice":
        if raw not in CHOICES[name]:
            raise ValueError(
                _("%(label)s must be one of %(choices)s (got “%(value)s”).")
                % {"label": input_label(name), "choices": ", ".join(CHOICES[name]), "value": raw}
            )
        return raw
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in {"true", "false", "1", "0", "on", "yes", "no"}:
            return raw.lower() in {"true", "1", "on", "yes"}
        raise ValueError(_("%(label)s must be true or false.") % {"label": input_label(name)})
    # list of language codes
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    if not isinstance(raw, list | tuple):
        raise ValueError(
            _('%(label)s must be a list of language codes, e.g. ["fr", "en"].') % {"label": input_label(name)}
        )
    codes: list[str] = []
    for item in raw:
        code = str(item).strip().lower()
        if not code:
            continue
        if not (2 <= len(code) <= 5) or not code.replace("-", "").isalpha():
            raise ValueError(
                _("“%(code)s” is not a language code (use two letters, e.g. fr, en, nl).") % {"code": item}
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError(_("Give at least one language."))
    return tuple(codes)


# --- rule validation ----------------------------------------------------------------------------


def _check_clause(clause: Any, path: str, errors: dict[str, list[str]], depth: int) -> None:
    if not isinstance(clause, dict):
        errors[path] = [_('Each condition must be a JSON object like {"input": …, "op": …, "value": …}.')]
        return
    if "all" in clause or "any" in clause:
        _check_group(clause, path, errors, depth + 1)
        return
    extra = sorted(set(clause) - {"input", "op", "value"})
    if extra:
        errors[f"{path}.{extra[0]}"] = [
            _("Unexpected key “%(key)s”: a condition has input, op and value.") % {"key": extra[0]}
        ]
    name, op = clause.get("input"), clause.get("op")
    if name not in INPUT_KINDS:
        errors[f"{path}.input"] = [
            _("Unknown input “%(name)s”. Known inputs: %(known)s.") % {"name": name, "known": ", ".join(INPUT_KINDS)}
        ]
        return
    if op not in OPS:
        errors[f"{path}.op"] = [_("Unknown operator “%(op)s”. Use one of %(ops)s.") % {"op": op, "ops": " ".join(OPS)}]
        return
    if "value" not in clause:
        errors[f"{path}.value"] = [_("The condition needs a value.")]
        return
    value = clause["value"]
    kind = INPUT_KINDS[name]
    vpath = f"{path}.value"
    if op == "contains":
        if kind != "list":
            errors[f"{path}.op"] = [_("“contains” only applies to a list input (languages).")]
        elif not isinstance(value, str):
            errors[vpath] = [_('“contains” needs one value, e.g. "en".')]
        return
    if op == "in":
        if not isinstance(value, list) or not value:
            errors[vpath] = [_('“in” needs a non-empty list of values, e.g. ["deskless", "mobile_only"].')]
            return
        items = value
    else:
        items = [value]
    if kind == "list":
        errors[f"{path}.op"] = [_("Use “contains” with the languages list (or language_count for a number).")]
        return
    for item in items:
        if kind in {"int", "number"}:
            if isinstance(item, bool) or not isinstance(item, int | float):
                errors[vpath] = [_("%(input)s is a number: compare it with a number.") % {"input": name}]
                return
        elif kind == "bool":
            if not isinstance(item, bool) or op in ORDER_OPS:
                errors[vpath] = [_("%(input)s is true or false: use == or != with true or false.") % {"input": name}]
                return
        elif kind == "choice":
            if op in ORDER_OPS:
                errors[f"{path}.op"] = [
                    _("%(input)s is a choice: use ==, != or in, not %(op)s.") % {"input": name, "op": op}
                ]
                return
            if item not in CHOICES[name]:
                errors[vpath] = [
                    _("“%(value)s” is not a value of %(input)s; use one of %(choices)s.")
                    % {"value": item, "input": name, "choices": ", ".join(CHOICES[name])}
                ]
                return


def _check_group(group: Any, path: str, errors: dict[str, list[str]], depth: int) -> None:
    if not isinstance(group, dict) or len(group) != 1 or next(iter(group)) not in {"all", "any"}:
        errors[path] = [_("A condition is one object with a single key, “all” or “any”, holding a list.")]
        return
    if depth > MAX_DEPTH:
        errors[path] = [_("Conditions nest at most %(n)s levels deep.") % {"n": MAX_DEPTH}]
        return
    key, clauses = next(iter(group.items()))
    if not isinstance(clauses, list):
        errors[f"{path}.{key}"] = [_("“%(key)s” must hold a list of conditions.") % {"key": key}]
        return
    for index, clause in enumerate(clauses):
        _check_clause(clause, f"{path}.{key}[{index}]", errors, depth)


def condition_errors(condition: Any, *, path: str = "condition") -> dict[str, list[str]]:
    """Messages keyed by JSON path (``condition.all[1].op``); empty when valid."""
    errors: dict[str, list[str]] = {}
    _check_group(condition, path, errors, 1)
    return errors


def effects_errors(effects: Any, modality_keys: Iterable[str], *, path: str = "effects") -> dict[str, list[str]]:
    """Messages keyed by JSON path (``effects.micro_learning``); empty when valid."""
    known = list(modality_keys)
    if not isinstance(effects, dict) or not effects:
        return {path: [_('Effects are a JSON object of modality keys and points, e.g. {"elearning": 2}.')]}
    errors: dict[str, list[str]] = {}
    for key, points in effects.items():
        if key not in known:
            errors[f"{path}.{key}"] = [
                _("Unknown modality “%(key)s”. Known modalities: %(known)s.") % {"key": key, "known": ", ".join(known)}
            ]
        elif isinstance(points, bool) or not isinstance(points, int) or points == 0 or abs(points) > MAX_EFFECT:
            errors[f"{path}.{key}"] = [
                _("Points must be a whole number between -%(max)s and %(max)s, not 0 (got %(value)s).")
                % {"max": MAX_EFFECT, "value": points}
            ]
    return errors


def validate_rule(condition: Any, effects: Any, modality_keys: Iterable[str]) -> None:
    errors = condition_errors(condition) | effects_errors(effects, modality_keys)
    if errors:
        raise ValidationFailed(errors)


# --- evaluation ---------------------------------------------------------------------------------


def _clause_holds(clause: Mapping[str, Any], inputs: DesignInputs) -> bool:
    if "all" in clause:
        return all(_clause_holds(c, inputs) for c in clause["all"])
    if "any" in clause:
        return any(_clause_holds(c, inputs) for c in clause["any"])
    actual = inputs.value(clause["input"])
    op, value = clause["op"], clause["value"]
    if actual is None:
        return False
    if op == "contains":
        return value in actual
    if op == "in":
        return actual in value
    if op == "==":
        return bool(actual == value)
    if op == "!=":
        return bool(actual != value)
    if op == "<":
        return bool(actual < value)
    if op == "<=":
        return bool(actual <= value)
    if op == ">":
        return bool(actual > value)
    return bool(actual >= value)


def condition_holds(condition: Mapping[str, Any], inputs: DesignInputs) -> bool:
    """Whether a (validated) condition holds; an empty ``all`` always holds, an empty ``any`` never."""
    return _clause_holds(condition, inputs)


class RuleLike(Protocol):
    key: str
    name: str
    condition: Any
    effects: Any
    explanation_en: str
    explanation_fr: str
    active: bool


class ModalityLike(Protocol):
    key: str
    base_score: int
    active: bool


@dataclass(frozen=True)
class Fired:
    rule: str
    points: int
    explanation_en: str
    explanation_fr: str

    @property
    def explanation(self) -> str:
        return _in_language(self.explanation_en, self.explanation_fr)


@dataclass
class Ranked:
    modality: str
    score: int
    base_score: int
    fired: list[Fired] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "modality": self.modality,
            "score": self.score,
            "base_score": self.base_score,
            "rules": [f.rule for f in self.fired],
            "points": {f.rule: f.points for f in self.fired},
        }


def recommend(inputs: DesignInputs, rules: Sequence[RuleLike], modalities: Sequence[ModalityLike]) -> list[Ranked]:
    """Modalities ranked by score, each with the rules that moved it (in rule order).

    ``rules`` in their rule-set order; inactive rules and modalities are skipped; effects on
    a modality absent from ``modalities`` are ignored. Ties keep the catalogue order.
    """
    active = [m for m in modalities if m.active]
    ranked = {m.key: Ranked(modality=m.key, score=m.base_score, base_score=m.base_score) for m in active}
    for rule in rules:
        if not rule.active or not condition_holds(rule.condition, inputs):
            continue
        for key, points in rule.effects.items():
            if key in ranked:
                ranked[key].score += points
                ranked[key].fired.append(Fired(rule.key, points, rule.explanation_en, rule.explanation_fr))
    position = {m.key: index for index, m in enumerate(active)}
    return sorted(ranked.values(), key=lambda r: (-r.score, position[r.modality]))


# --- the sentence ---------------------------------------------------------------------------------


def _in_language(en: str, fr: str) -> str:
    return (fr or en) if (get_language() or "en").startswith("fr") else (en or fr)


def _clause_text(text: str) -> str:
    """A sentence turned into a clause that follows “because”."""
    text = text.strip().rstrip(".")
    first_word = text.split(" ", 1)[0]
    # Keep acronyms ("HSE rules…", "GDPR…"); lower the first letter of an ordinary word.
    if text and not (len(first_word) > 1 and first_word.isupper()):
        text = text[0].lower() + text[1:]
    return text


def describe_audience(inputs: DesignInputs) -> str:
    people = number_format(inputs.audience_size, force_grouping=True)
    device = {
        "desk": _("desk-based"),
        "deskless": _("deskless"),
        "mobile_only": _("mobile-only"),
        "mixed": "",
    }.get(inputs.device_access, "")
    if device:
        who = ngettext("%(n)s %(device)s employee", "%(n)s %(device)s employees", inputs.audience_size) % {
            "n": people,
            "device": device,
        }
    else:
        who = ngettext("%(n)s employee", "%(n)s employees", inputs.audience_size) % {"n": people}
    where = ngettext("on %(n)s site", "on %(n)s sites", inputs.sites) % {"n": inputs.sites}
    if inputs.countries > 1:
        where += " " + ngettext("in %(n)s country", "in %(n)s countries", inputs.countries) % {"n": inputs.countries}
    return f"{who} {where}"


def summarise(inputs: DesignInputs, ranked: Sequence[Ranked], modality_names: Mapping[str, str]) -> str:
    """One sentence in the active language: “4,000 deskless employees on 12 sites → mobile
    micro-learning, because …” — the reasons are the (up to two) rules that gave the top
    modality the most points."""
    if not ranked:
        return _("No modality is active in the catalogue: nothing to recommend.")
    top = ranked[0]
    name = modality_names.get(top.modality, top.modality)
    reasons = sorted((f for f in top.fired if f.points > 0), key=lambda f: -f.points)[:2]
    head = f"{describe_audience(inputs)} → {name}"
    if not reasons:
        return _("%(head)s (its base score: no rule favoured another modality).") % {"head": head}
    because = _(" and ").join(_clause_text(f.explanation) for f in reasons)
    return _("%(head)s, because %(reasons)s.") % {"head": head, "reasons": because}


def describe_condition(condition: Any) -> str:
    """A condition in words for the rule list: “audience size ≥ 1000 and device access = deskless”."""
    if not isinstance(condition, dict) or len(condition) != 1:
        return "—"
    key, clauses = next(iter(condition.items()))
    if not isinstance(clauses, list):
        return "—"
    if not clauses:
        return _("always") if key == "all" else _("never")
    joiner = _(" and ") if key == "all" else _(" or ")
    parts = []
    for clause in clauses:
        if isinstance(clause, dict) and ("all" in clause or "any" in clause):
            parts.append(f"({describe_condition(clause)})")
            continue
        if not isinstance(clause, dict):
            continue
        name = str(clause.get("input", "?"))
        op = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "in": _("is one of"), "contains": _("contains")}.get(
            str(clause.get("op")), str(clause.get("op"))
        )
        value = clause.get("value")
        if isinstance(value, list):
            shown = ", ".join(choice_label(name, str(v)) for v in value)
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        elif isinstance(value, str):
            shown = choice_label(name, value)
        else:
            shown = str(value)
        parts.append(f"{input_label(name).lower()} {op} {shown}")
    return joiner.join(parts)
