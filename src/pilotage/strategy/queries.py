"""Reads of the strategy area, scoped to the user: the one read path for web, API and CLI.

Rules (DESIGN.md): the DLM and the L&D team see everything; an internal client sees the
requests they filed (and the active objectives, to link them); a manager sees the campaigns
they are invited to and the needs they submitted, plus the requests made from them.
Anything outside answers 404; a role with no access at all answers 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from pilotage.people.permissions import is_staff_member
from pilotage.strategy import permissions
from pilotage.strategy.models import Criterion, Need, NeedsCampaign, Objective, TrainingRequest


def objective_list(*, user: Any) -> QuerySet[Objective]:
    if not permissions.can_read_objectives(user):
        raise PermissionDenied
    qs = Objective.objects.select_related("owner")
    if not is_staff_member(user):
        qs = qs.filter(status=Objective.Status.ACTIVE)
    return qs


def objective_get(*, user: Any, pk: int) -> Objective:
    obj = objective_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def request_list(*, user: Any) -> QuerySet[TrainingRequest]:
    if not permissions.can_see_requests(user):
        raise PermissionDenied
    qs = TrainingRequest.objects.select_related("requester", "org_unit", "objective", "audience", "merged_into")
    if is_staff_member(user):
        return qs
    return qs.filter(requester_id=user.pk)


def request_get(*, user: Any, pk: int) -> TrainingRequest:
    obj = request_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def campaign_list(*, user: Any) -> QuerySet[NeedsCampaign]:
    """Staff: every campaign. Managers: campaigns past draft whose audience includes them,
    or where they already submitted a need."""
    if not permissions.can_see_campaigns(user):
        raise PermissionDenied
    qs = NeedsCampaign.objects.select_related("audience", "created_by")
    if permissions.can_run_campaigns(user):
        return qs
    visible = Q(needs__manager_id=user.pk)
    employee_id = getattr(user, "employee_id", None)
    if employee_id:
        from pilotage.people.audiences import audience_members

        invited = [
            c.pk
            for c in qs.exclude(status=NeedsCampaign.Status.DRAFT).exclude(audience=None)
            if c.audience is not None and audience_members(c.audience, user=None).filter(pk=employee_id).exists()
        ]
        visible |= Q(pk__in=invited)
    return qs.exclude(status=NeedsCampaign.Status.DRAFT).filter(visible).distinct()


def campaign_get(*, user: Any, pk: int) -> NeedsCampaign:
    obj = campaign_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def need_list(*, user: Any, campaign: NeedsCampaign | None = None) -> QuerySet[Need]:
    """Staff: every need. Managers: their own."""
    if not permissions.can_see_campaigns(user):
        raise PermissionDenied
    qs = Need.objects.select_related("campaign", "manager", "org_unit")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if permissions.can_run_campaigns(user):
        return qs
    return qs.filter(manager_id=user.pk)


def need_get(*, user: Any, pk: int) -> Need:
    obj = need_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def criterion_list(*, user: Any, active_only: bool = False) -> QuerySet[Criterion]:
    if not permissions.can_prioritise(user):
        raise PermissionDenied
    qs = Criterion.objects.all()
    return qs.filter(active=True) if active_only else qs
