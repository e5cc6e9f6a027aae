"""Reads of programmes, scoped to the user (web, API, exports and CLI alike).

The DLM and the L&D team see every programme; an internal client sees the programmes they
sponsor (read only). Anything else: 403 for a role without access, 404 out of scope.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pilotage.people.permissions import is_staff_member
from pilotage.programmes import permissions
from pilotage.programmes.models import (
    LearningPath,
    PathStep,
    ProficiencyLevel,
    Programme,
    Recommendation,
    Skill,
    SkillDomain,
)


def programme_list(*, user: Any) -> QuerySet[Programme]:
    if not permissions.can_see_programmes(user):
        raise PermissionDenied
    qs = Programme.objects.select_related("sponsor", "owner", "chosen_modality")
    if is_staff_member(user):
        return qs
    return qs.filter(sponsor_id=user.pk)


def programme_get(*, user: Any, pk: int) -> Programme:
    obj = programme_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def programme_for_design(*, user: Any, pk: int) -> Programme:
    """A programme the user may change: 404 when out of scope, 403 when only readable."""
    programme = programme_get(user=user, pk=pk)
    if not permissions.can_design(user):
        raise PermissionDenied
    return programme


def path_list(*, user: Any) -> QuerySet[LearningPath]:
    return LearningPath.objects.filter(programme__in=programme_list(user=user)).select_related("programme")


def path_get(*, user: Any, pk: int) -> LearningPath:
    obj = path_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def step_get(*, user: Any, pk: int) -> PathStep:
    obj = PathStep.objects.filter(pk=pk, path__programme__in=programme_list(user=user)).select_related("path").first()
    if obj is None:
        raise Http404
    return obj


def recommendation_get(*, user: Any, pk: int) -> Recommendation:
    obj = (
        Recommendation.objects.filter(pk=pk, programme__in=programme_list(user=user))
        .select_related("programme", "ruleset", "chosen_modality")
        .first()
    )
    if obj is None:
        raise Http404
    return obj


# --- programmes: search, skills framework (programmes part) ----------------------------------


def programme_search(*, user: Any, params: Any) -> QuerySet[Programme]:
    """``programme_list`` filtered by the list page's query string: ``status``, ``objective``
    (id), ``owner`` (user id) and ``q`` (code, title or description)."""
    from django.db.models import Q

    qs = programme_list(user=user)
    status = (params.get("status") or "").strip()
    if status in Programme.Status.values:
        qs = qs.filter(status=status)
    for key, lookup in (("objective", "objectives__id"), ("owner", "owner_id")):
        value = (params.get(key) or "").strip()
        if value.isdigit():
            qs = qs.filter(**{lookup: int(value)})
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text))
    return qs.distinct()


def _require_framework_reader(user: Any) -> None:
    if not permissions.can_manage_framework(user):
        raise PermissionDenied


def skill_domain_list(*, user: Any) -> QuerySet[SkillDomain]:
    _require_framework_reader(user)
    return SkillDomain.objects.all()


def skill_domain_get(*, user: Any, pk: int) -> SkillDomain:
    obj = skill_domain_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def skill_list(*, user: Any) -> QuerySet[Skill]:
    _require_framework_reader(user)
    return Skill.objects.select_related("domain")


def skill_get(*, user: Any, pk: int) -> Skill:
    obj = skill_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def level_list(*, user: Any) -> QuerySet[ProficiencyLevel]:
    _require_framework_reader(user)
    return ProficiencyLevel.objects.all()


def level_get(*, user: Any, pk: int) -> ProficiencyLevel:
    obj = level_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- learning paths: reads of views_paths.py / api_paths.py -------------------------------------


def path_for_design(*, user: Any, pk: int) -> LearningPath:
    """A path the user may change: 404 out of scope, 403 when only readable (a sponsor)."""
    path = path_get(user=user, pk=pk)
    if not permissions.can_design(user):
        raise PermissionDenied
    return path


def step_for_design(*, user: Any, pk: int) -> PathStep:
    step = step_get(user=user, pk=pk)
    if not permissions.can_design(user):
        raise PermissionDenied
    return step


def path_steps(*, path: LearningPath) -> QuerySet[PathStep]:
    """The steps of an already scoped path, in order, with their prerequisites."""
    return path.steps.order_by("position", "id").prefetch_related("prerequisites")


def programme_paths(*, user: Any, programme: Programme) -> QuerySet[LearningPath]:
    """The paths of a programme the user sees, with their step count and durations."""
    from django.db.models import Count, Q, Sum

    return (
        path_list(user=user)
        .filter(programme=programme)
        .annotate(
            step_count=Count("steps"),
            total_minutes=Sum("steps__duration_minutes", default=0),
            mandatory_minutes=Sum("steps__duration_minutes", filter=Q(steps__mandatory=True), default=0),
        )
        .order_by("title", "pk")
    )


# --- modality recommender: catalogue, rule sets, recommendations (recommender part) ------------


def modality_list(*, user: Any) -> QuerySet[Any]:
    """The modality catalogue, in catalogue order: the L&D team reads and edits it."""
    from pilotage.programmes.models import Modality

    if not permissions.can_manage_framework(user):
        raise PermissionDenied
    return Modality.objects.all()


def modality_get(*, user: Any, pk: int) -> Any:
    obj = modality_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def ruleset_list(*, user: Any) -> QuerySet[Any]:
    """Every version of the recommender's rules (newest first), with their rule counts:
    the L&D team reads them, the DLM edits the draft."""
    from django.db.models import Count, Q

    from pilotage.programmes.models import RuleSet

    if not permissions.can_design(user):
        raise PermissionDenied
    return RuleSet.objects.select_related("created_by").annotate(
        rule_count=Count("rules"), active_count=Count("rules", filter=Q(rules__active=True))
    )


def ruleset_get(*, user: Any, pk: int) -> Any:
    obj = ruleset_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def ruleset_for_edit(*, user: Any, pk: int) -> Any:
    """A rule set the user may change (the DLM): 404 when absent, 403 for the L&D team."""
    ruleset = ruleset_get(user=user, pk=pk)
    if not permissions.can_edit_rules(user):
        raise PermissionDenied
    return ruleset


def rule_for_edit(*, user: Any, pk: int) -> Any:
    from pilotage.programmes.models import Rule

    if not permissions.can_design(user):
        raise PermissionDenied
    obj = Rule.objects.select_related("ruleset").filter(pk=pk).first()
    if obj is None:
        raise Http404
    if not permissions.can_edit_rules(user):
        raise PermissionDenied
    return obj


def recommendation_list(*, user: Any, programme: Programme) -> QuerySet[Recommendation]:
    """The recommender runs of a programme the user sees, newest first, with their rule version."""
    return (
        Recommendation.objects.filter(programme__in=programme_list(user=user), programme=programme)
        .select_related("ruleset", "chosen_modality", "created_by", "chosen_by")
        .order_by("-created_at", "-id")
    )
