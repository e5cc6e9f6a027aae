"""Writes of learning paths and their steps: one function per use case, one transaction each,
audited. The web views, the API and the demo call these; the callers check who may (the
selectors in ``queries`` and ``permissions.can_design``).

Rules enforced here (docs/learning-paths.md):
- a completion rule carries its parameter: N of M needs 1 ≤ N ≤ the number of steps, a minimum
  score needs 0–100; the parameter of another rule is cleared;
- a step's prerequisites are other steps of the same path and never form a cycle (the message
  names the steps of the cycle); a prerequisite placed later in the order is only a warning;
- a step's xAPI activity IRI is set at creation from its uid and never changes;
- positions are 1…n, kept dense by every write that adds, removes or moves a step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pilotage.core import ordering
from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import ValidationFailed
from pilotage.people.models import Language
from pilotage.programmes import paths
from pilotage.programmes.models import LearningPath, PathStep, Programme

PATH_FIELDS = ["title", "description", "language", "completion_rule", "completion_count", "completion_min_score"]
STEP_FIELDS = ["kind", "title", "description", "url", "duration_minutes", "mandatory"]
_TITLE_MAX = 200
_URL_MAX = 500


# --- validation -------------------------------------------------------------------------------


def _int_or_none(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[field] = [_("Enter a whole number.")]
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None


def _check_title(value: Any, errors: dict[str, list[str]]) -> str:
    title = str(value or "").strip()
    if not title:
        errors["title"] = [_("Give a title.")]
    elif len(title) > _TITLE_MAX:
        errors["title"] = [_("At most %(n)d characters (this one has %(len)d).") % {"n": _TITLE_MAX, "len": len(title)}]
    return title


def _clean_path(values: dict[str, Any], *, step_count: int) -> dict[str, Any]:
    """Validate a path's fields all at once; raise one ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {
        "title": _check_title(values.get("title"), errors),
        "description": str(values.get("description") or "").strip(),
    }
    language = str(values.get("language") or "").strip()
    if language not in Language.values:
        errors["language"] = [
            _("Unknown language “%(value)s”: choose one of %(choices)s.")
            % {"value": language, "choices": ", ".join(Language.values)}
        ]
    out["language"] = language
    rule = str(values.get("completion_rule") or "")
    if rule not in LearningPath.CompletionRule.values:
        errors["completion_rule"] = [
            _("Unknown completion rule “%(value)s”: choose one of %(choices)s.")
            % {"value": rule, "choices": ", ".join(LearningPath.CompletionRule.values)}
        ]
    out["completion_rule"] = rule
    count = _int_or_none(values.get("completion_count"), "completion_count", errors)
    score = _int_or_none(values.get("completion_min_score"), "completion_min_score", errors)
    out["completion_count"] = out["completion_min_score"] = None
    if rule == paths.N_OF_M and "completion_count" not in errors:
        if count is None:
            errors["completion_count"] = [_("Say how many steps complete the path (N).")]
        elif step_count == 0:
            errors["completion_count"] = [
                _("The path has no step yet: add its steps first, then ask for N of them (or choose another rule).")
            ]
        elif not 1 <= count <= step_count:
            errors["completion_count"] = [
                _("N must be between 1 and the number of steps of the path (%(m)d); %(n)d is not.")
                % {"m": step_count, "n": count}
            ]
        out["completion_count"] = count
    if rule == paths.MIN_SCORE and "completion_min_score" not in errors:
        if score is None:
            errors["completion_min_score"] = [_("Give the minimum score, from 0 to 100 %.")]
        elif not 0 <= score <= 100:
            errors["completion_min_score"] = [
                _("The minimum score is a percentage from 0 to 100; %(n)d is not.") % {"n": score}
            ]
        out["completion_min_score"] = score
    if errors:
        raise ValidationFailed(errors)
    return out


def _clean_step(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"title": _check_title(values.get("title"), errors)}
    kind = str(values.get("kind") or "")
    if kind not in PathStep.Kind.values:
        errors["kind"] = [
            _("Unknown step type “%(value)s”: choose one of %(choices)s.")
            % {"value": kind, "choices": ", ".join(PathStep.Kind.values)}
        ]
    out["kind"] = kind
    out["description"] = str(values.get("description") or "").strip()
    url = str(values.get("url") or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            errors["url"] = [_("Enter a full web address starting with https:// or http://.")]
        else:
            if len(url) > _URL_MAX:
                errors["url"] = [_("At most %(n)d characters.") % {"n": _URL_MAX}]
    elif kind in paths.URL_REQUIRED_KINDS:
        errors["url"] = [
            _("A step of type “%(kind)s” needs the address learners open.") % {"kind": PathStep.Kind(kind).label}
        ]
    out["url"] = url
    duration = _int_or_none(values.get("duration_minutes"), "duration_minutes", errors)
    if "duration_minutes" not in errors:
        if duration is None:
            duration = 0
        if not 0 <= duration <= paths.MAX_DURATION_MINUTES:
            errors["duration_minutes"] = [
                _("The estimated duration is in minutes, from 0 to %(max)d; %(n)d is not.")
                % {"max": paths.MAX_DURATION_MINUTES, "n": duration}
            ]
    out["duration_minutes"] = duration or 0
    out["mandatory"] = bool(values.get("mandatory", True))
    if errors:
        raise ValidationFailed(errors)
    return out


def _check_prerequisites(
    *, path: LearningPath, step: PathStep | None, title: str, prerequisite_ids: Iterable[Any]
) -> list[PathStep]:
    """The prerequisite steps, refused when not of this path or when they would close a cycle."""
    wanted: list[int] = []
    for raw in prerequisite_ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationFailed(
                {"prerequisites": [_("“%(value)s” is not the id of a step.") % {"value": raw}]}
            ) from None
    wanted = list(dict.fromkeys(wanted))
    siblings = {s.pk: s for s in path.steps.prefetch_related("prerequisites")}
    foreign = [i for i in wanted if i not in siblings]
    if foreign:
        raise ValidationFailed(
            {
                "prerequisites": [
                    _("Step(s) %(ids)s are not steps of this path: a prerequisite must be a step of the same path.")
                    % {"ids": ", ".join(map(str, foreign))}
                ]
            }
        )
    if step is None:
        return [siblings[i] for i in wanted]  # a new step: nothing requires it yet, no cycle possible
    graph: dict[int, list[int]] = {pk: [p.pk for p in s.prerequisites.all()] for pk, s in siblings.items()}
    graph[step.pk] = wanted
    cycle = paths.find_cycle(graph)
    if cycle:
        titles = [title if pk == step.pk else siblings[pk].title for pk in cycle]
        # Start the sentence at the step being edited: that is the one the user is looking at.
        if step.pk in cycle:
            i = cycle.index(step.pk)
            titles = titles[i:] + titles[:i]
        raise ValidationFailed({"prerequisites": [paths.cycle_message(titles)]})
    return [siblings[i] for i in wanted]


def _renumber(path: LearningPath, ordered: Sequence[PathStep] | None = None) -> None:
    """Positions 1…n in the given order (default: the current one)."""
    ordering.renumber(list(ordered) if ordered is not None else list(path.steps.order_by("position", "id")))


def _lock(path: LearningPath) -> LearningPath:
    """Serialise writes that renumber a path's steps (two reorders must not interleave)."""
    return LearningPath.objects.select_for_update().get(pk=path.pk)


# --- paths --------------------------------------------------------------------------------------


@transaction.atomic
def path_create(
    *,
    actor: Any,
    programme: Programme,
    title: str,
    description: str = "",
    language: str = Language.FR,
    completion_rule: str = LearningPath.CompletionRule.ALL_MANDATORY,
    completion_count: int | None = None,
    completion_min_score: int | None = None,
) -> LearningPath:
    """A new, empty learning path of ``programme``."""
    clean = _clean_path(
        {
            "title": title,
            "description": description,
            "language": language,
            "completion_rule": completion_rule,
            "completion_count": completion_count,
            "completion_min_score": completion_min_score,
        },
        step_count=0,
    )
    path = LearningPath.objects.create(programme=programme, **clean)
    audit_record(
        actor=actor,
        action="create",
        instance=path,
        changes={k: [None, v] for k, v in clean.items() if v not in ("", None)},
    )
    return path


@transaction.atomic
def path_update(*, actor: Any, path: LearningPath, **fields: Any) -> LearningPath:
    """Change some of a path's fields (the others keep their values); the rule is re-checked
    against the number of steps."""
    unknown = sorted(set(fields) - set(PATH_FIELDS))
    if unknown:
        raise ValidationFailed({unknown[0]: [_("This field cannot be changed here.")]})
    path = _lock(path)
    before = snapshot(path, PATH_FIELDS)
    values = {**before, **fields}
    clean = _clean_path(values, step_count=path.steps.count())
    for name, value in clean.items():
        setattr(path, name, value)
    path.save(update_fields=[*PATH_FIELDS, "updated_at"])
    changes = diff(before, snapshot(path, PATH_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", instance=path, changes=changes)
    return path


@transaction.atomic
def path_delete(*, actor: Any, path: LearningPath) -> None:
    """Delete a path and its steps (their IRIs are not reused: uids are random)."""
    audit_record(
        actor=actor,
        action="delete",
        instance=path,
        changes={"steps": [path.steps.count(), None]},
        note=paths.path_iri(path.uid),
    )
    path.delete()


# --- steps ------------------------------------------------------------------------------------------


@transaction.atomic
def step_create(
    *,
    actor: Any,
    path: LearningPath,
    kind: str,
    title: str,
    description: str = "",
    url: str = "",
    duration_minutes: int = 0,
    mandatory: bool = True,
    prerequisites: Iterable[Any] = (),
) -> PathStep:
    """A new step at the end of ``path``, with its stable xAPI activity IRI."""
    path = _lock(path)
    clean = _clean_step(
        {
            "kind": kind,
            "title": title,
            "description": description,
            "url": url,
            "duration_minutes": duration_minutes,
            "mandatory": mandatory,
        }
    )
    required = _check_prerequisites(path=path, step=None, title=clean["title"], prerequisite_ids=prerequisites)
    last = path.steps.aggregate(m=Max("position"))["m"] or 0
    step = PathStep(path=path, position=last + 1, **clean)
    step.activity_iri = paths.step_iri(step.uid)
    step.save()
    step.prerequisites.set(required)
    audit_record(
        actor=actor,
        action="create",
        instance=step,
        changes={
            **{k: [None, v] for k, v in clean.items() if v not in ("", None)},
            **({"prerequisites": [None, [s.pk for s in required]]} if required else {}),
        },
        note=step.activity_iri,
    )
    return step


@transaction.atomic
def step_update(*, actor: Any, step: PathStep, **fields: Any) -> PathStep:
    """Change some of a step's fields and/or its prerequisites (``prerequisites=[ids]``). The
    activity IRI, the uid and the position are not fields of this service."""
    allowed = {*STEP_FIELDS, "prerequisites"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationFailed({unknown[0]: [_("This field cannot be changed here.")]})
    path = _lock(step.path)
    step = PathStep.objects.get(pk=step.pk)
    before = snapshot(step, STEP_FIELDS)
    before_pre = sorted(step.prerequisites.values_list("pk", flat=True))
    clean = _clean_step({**before, **{k: v for k, v in fields.items() if k != "prerequisites"}})
    required = None
    if "prerequisites" in fields:
        required = _check_prerequisites(
            path=path, step=step, title=clean["title"], prerequisite_ids=fields["prerequisites"] or []
        )
    for name, value in clean.items():
        setattr(step, name, value)
    step.save(update_fields=[*STEP_FIELDS, "updated_at"])
    changes = diff(before, snapshot(step, STEP_FIELDS))
    if required is not None:
        step.prerequisites.set(required)
        after_pre = sorted(s.pk for s in required)
        if after_pre != before_pre:
            changes["prerequisites"] = [before_pre, after_pre]
    if changes:
        audit_record(actor=actor, action="update", instance=step, changes=changes)
    return step


@transaction.atomic
def step_delete(*, actor: Any, step: PathStep) -> None:
    """Delete a step; steps that required it lose that prerequisite; positions close up.
    Refused when the path's "N of M" rule would then ask for more steps than it has."""
    path = _lock(step.path)
    remaining = path.steps.count() - 1
    if path.completion_rule == paths.N_OF_M and (path.completion_count or 0) > remaining:
        raise ValidationFailed(
            {
                "__all__": [
                    _(
                        "The path completes after %(n)d steps out of %(m)d: without this step it would have "
                        "only %(left)d. Lower N or change the completion rule first."
                    )
                    % {"n": path.completion_count or 0, "m": remaining + 1, "left": remaining}
                ]
            }
        )
    unlocked = list(step.unlocks.values_list("pk", flat=True))
    audit_record(
        actor=actor,
        action="delete",
        instance=step,
        changes={"title": [step.title, None], "position": [step.position, None], "was_required_by": [unlocked, None]},
        note=step.activity_iri,
    )
    step.delete()
    _renumber(path)


@transaction.atomic
def path_reorder(*, actor: Any, path: LearningPath, step_ids: Sequence[Any]) -> list[PathStep]:
    """Put the steps of ``path`` in the order of ``step_ids``, which must list each step of the
    path exactly once (drag and drop sends the whole list)."""
    path = _lock(path)
    steps = {s.pk: s for s in path.steps.order_by("position", "id")}
    wanted: list[int] = []
    for raw in step_ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationFailed({"steps": [_("“%(value)s” is not the id of a step.") % {"value": raw}]}) from None
    foreign = [i for i in wanted if i not in steps]
    if foreign:
        raise ValidationFailed(
            {
                "steps": [
                    _("Step(s) %(ids)s are not steps of this path.")
                    % {"ids": ", ".join(map(str, dict.fromkeys(foreign)))}
                ]
            }
        )
    duplicates = sorted({i for i in wanted if wanted.count(i) > 1})
    if duplicates:
        raise ValidationFailed(
            {"steps": [_("Step(s) %(ids)s are listed more than once.") % {"ids": ", ".join(map(str, duplicates))}]}
        )
    missing = [i for i in steps if i not in wanted]
    if missing:
        raise ValidationFailed(
            {
                "steps": [
                    _("The new order must list every step of the path; missing: %(ids)s.")
                    % {"ids": ", ".join(map(str, missing))}
                ]
            }
        )
    before = list(steps)
    ordered = [steps[i] for i in wanted]
    _renumber(path, ordered)
    if before != wanted:
        audit_record(actor=actor, action="reorder", instance=path, changes={"order": [before, wanted]})
    return ordered


@transaction.atomic
def step_move(*, actor: Any, step: PathStep, direction: str) -> bool:
    """Swap a step with its neighbour above ("up") or below ("down") — the keyboard way to
    reorder. False when it is already first/last (nothing changes)."""
    if direction not in ordering.DIRECTIONS:
        raise ValidationFailed({"direction": [_("Move a step “up” or “down”.")]})
    path = _lock(step.path)
    current = list(path.steps.order_by("position", "id"))
    ids = [s.pk for s in current]
    ordered = ordering.swapped(current, step, direction)
    if ordered is None:
        return False
    _renumber(path, ordered)
    audit_record(
        actor=actor,
        action="reorder",
        instance=path,
        changes={"order": [ids, [s.pk for s in ordered]]},
        note=f"{step.title} {direction}",
    )
    return True
