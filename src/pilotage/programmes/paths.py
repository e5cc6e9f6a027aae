"""Pure helpers of learning paths: xAPI activity IRIs, prerequisite cycles, order warnings, the
completion rule in words and its evaluation.

Nothing here writes; the services (``services_paths``) and later the delivery app (progress of an
enrolment) call these. ``is_complete`` is the single definition of "this learner completed this
path" — see docs/decisions/0022-path-completion-rules.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilotage.core.site import site_url

ALL_MANDATORY = "all_mandatory"
N_OF_M = "n_of_m"
MIN_SCORE = "min_score"

# Steps whose kind gives a score (0–100) that the "minimum score" rule averages.
SCORED_KINDS = frozenset({"quiz", "assignment"})
# Steps that are nothing without an address (decision 0021).
URL_REQUIRED_KINDS = frozenset({"elearning", "video", "document", "link"})
MAX_DURATION_MINUTES = 10_000


# --- xAPI activity IRIs ----------------------------------------------------------------------


def step_iri(uid: UUID | str) -> str:
    """The xAPI activity id of a step: set once at creation, never changed."""
    return site_url(f"/xapi/activities/steps/{uid}")


def path_iri(uid: UUID | str) -> str:
    """The xAPI activity id of a whole path (the parent of its steps in statements' context)."""
    return site_url(f"/xapi/activities/paths/{uid}")


# --- prerequisites -------------------------------------------------------------------------


def find_cycle[K: Hashable](graph: Mapping[K, Iterable[K]]) -> list[K] | None:
    """A cycle of ``graph`` (node → the nodes it requires) as ``[a, b, …]`` where a requires b,
    …, and the last requires a; ``None`` when there is none. A self-loop is ``[a]``.

    Iterative depth-first search (no recursion limit on long paths); nodes are visited in the
    mapping's order so the cycle reported is stable.
    """
    white, grey, black = 0, 1, 2
    colour: dict[K, int] = {}
    for start in graph:
        if colour.get(start, white) != white:
            continue
        stack: list[tuple[K, Any]] = [(start, iter(graph.get(start, ())))]
        trail: list[K] = [start]
        colour[start] = grey
        while stack:
            node, children = stack[-1]
            advanced = False
            for child in children:
                state = colour.get(child, white)
                if state == grey:
                    return trail[trail.index(child) :]
                if state == white:
                    colour[child] = grey
                    trail.append(child)
                    stack.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
            if not advanced:
                colour[node] = black
                trail.pop()
                stack.pop()
    return None


def cycle_message(titles: Sequence[str]) -> str:
    """ "These prerequisites form a cycle: A needs B, B needs C, C needs A." for a cycle's titles."""
    if len(titles) == 1:
        return _("“%(step)s” cannot be its own prerequisite.") % {"step": titles[0]}
    links = [
        _("“%(step)s” needs “%(prerequisite)s”") % {"step": a, "prerequisite": b}
        for a, b in zip(titles, [*titles[1:], titles[0]], strict=True)
    ]
    return _("These prerequisites form a cycle, so no learner could ever start them: %(links)s.") % {
        "links": ", ".join(links)
    }


@dataclass(frozen=True)
class StepInfo:
    """What the rules need to know of a step (a model instance, a row of a dict, a test double)."""

    id: int
    title: str
    kind: str
    mandatory: bool
    position: int
    prerequisite_ids: tuple[int, ...] = ()
    duration_minutes: int = 0


def step_infos(steps: Iterable[Any]) -> list[StepInfo]:
    """StepInfo of model steps, in path order (prefetch ``prerequisites`` to keep it to one query)."""
    out = [
        StepInfo(
            id=s.pk,
            title=s.title,
            kind=s.kind,
            mandatory=s.mandatory,
            position=s.position,
            prerequisite_ids=tuple(p.pk for p in s.prerequisites.all()),
            duration_minutes=s.duration_minutes,
        )
        for s in steps
    ]
    return sorted(out, key=lambda s: (s.position, s.id))


def order_warnings(steps: Sequence[StepInfo]) -> list[str]:
    """Steps placed before one of their prerequisites. Allowed (the learner meets the step
    locked and comes back to it) but usually a slip: shown as a warning, never refused."""
    rank = {s.id: i for i, s in enumerate(sorted(steps, key=lambda s: (s.position, s.id)))}
    by_id = {s.id: s for s in steps}
    warnings = []
    for step in sorted(steps, key=lambda s: rank[s.id]):
        for pre_id in step.prerequisite_ids:
            pre = by_id.get(pre_id)
            if pre is not None and rank[pre_id] > rank[step.id]:
                warnings.append(
                    _(
                        "Step %(n)d “%(step)s” comes before its prerequisite, step %(m)d “%(prerequisite)s”: "
                        "learners will find it locked until they reach the later step."
                    )
                    % {"n": rank[step.id] + 1, "step": step.title, "m": rank[pre_id] + 1, "prerequisite": pre.title}
                )
    return warnings


def locked_step_ids(steps: Sequence[StepInfo], completed_step_ids: Iterable[int] = ()) -> set[int]:
    """Steps a learner cannot start yet: a prerequisite is not completed."""
    done = set(completed_step_ids)
    return {s.id for s in steps if any(p not in done for p in s.prerequisite_ids)}


# --- totals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    steps: int
    mandatory_steps: int
    duration_minutes: int
    mandatory_minutes: int


def totals(steps: Sequence[StepInfo]) -> Totals:
    return Totals(
        steps=len(steps),
        mandatory_steps=sum(1 for s in steps if s.mandatory),
        duration_minutes=sum(s.duration_minutes for s in steps),
        mandatory_minutes=sum(s.duration_minutes for s in steps if s.mandatory),
    )


def duration_text(minutes: int) -> str:
    """45 min, 2 h, 1 h 30 — short, for tables and phone screens."""
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return _("%(h)d h") % {"h": hours}
    return _("%(h)d h %(m)02d") % {"h": hours, "m": rest}


# --- completion rule ----------------------------------------------------------------------


def completion_rule_text(rule: str, *, count: int | None, min_score: int | None, total_steps: int) -> str:
    """The rule as a sentence a learner or a sponsor understands."""
    if rule == N_OF_M:
        n = count or 0
        return ngettext(
            "Complete after any %(n)d step out of %(m)d.",
            "Complete after any %(n)d steps out of %(m)d.",
            n,
        ) % {"n": n, "m": total_steps}
    if rule == MIN_SCORE:
        return _("Complete when the average score of the quizzes and assignments reaches %(score)d %%.") % {
            "score": min_score or 0
        }
    return _("Complete when every mandatory step is completed.")


def rule_warnings(rule: str, steps: Sequence[StepInfo]) -> list[str]:
    """What would make a rule impossible or trivial with the steps as they are."""
    if not steps:
        return [_("The path has no step yet: nobody can complete it.")]
    if rule == MIN_SCORE and not any(s.kind in SCORED_KINDS for s in steps):
        return [_("The rule needs a score, but no step is a quiz or an assignment: nobody can complete the path.")]
    if rule == ALL_MANDATORY and not any(s.mandatory for s in steps):
        return [_("No step is mandatory: the path counts as complete after any one step.")]
    return []


def evaluate(
    *,
    rule: str,
    count: int | None,
    min_score: int | None,
    steps: Sequence[StepInfo],
    completed_step_ids: Iterable[int],
    scores: Mapping[int, float] | None = None,
) -> bool:
    """Whether a learner who completed ``completed_step_ids`` (with ``scores`` by step id, 0–100)
    completed a path of ``steps`` under its rule. Ids of other paths' steps are ignored.

    - all mandatory steps: every mandatory step completed (no mandatory step: any one step);
    - N of M: at least N distinct steps of the path completed, mandatory or not;
    - minimum score: the average of the scores of the path's quiz and assignment steps (one not
      yet scored counts 0) reaches the minimum; no such step: never complete.
    """
    ids = {s.id for s in steps}
    done = set(completed_step_ids) & ids
    if not steps:
        return False
    if rule == N_OF_M:
        return count is not None and count >= 1 and len(done) >= count
    if rule == MIN_SCORE:
        scored = [s for s in steps if s.kind in SCORED_KINDS]
        if not scored or min_score is None:
            return False
        marks = scores or {}
        average = sum(max(0.0, min(100.0, float(marks.get(s.id, 0) or 0))) for s in scored) / len(scored)
        return average >= min_score
    mandatory = {s.id for s in steps if s.mandatory}
    if not mandatory:
        return bool(done)
    return mandatory <= done


def is_complete(path: Any, completed_step_ids: Iterable[int], scores: Mapping[int, float] | None = None) -> bool:
    """``evaluate`` for a LearningPath instance (reads ``path.steps`` — prefetch it with its
    prerequisites when calling this for many learners)."""
    return evaluate(
        rule=path.completion_rule,
        count=path.completion_count,
        min_score=path.completion_min_score,
        steps=step_infos(path.steps.all()),
        completed_step_ids=completed_step_ids,
        scores=scores,
    )
