"""Reads of the strategy area, scoped to the user: the one read path for web, API and CLI.

Rules (DESIGN.md): the DLM and the L&D team see everything; an internal client sees the
requests they filed (and the active objectives, to link them); a manager sees the campaigns
they are invited to and the needs they submitted, plus the requests made from them.
Anything outside answers 404; a role with no access at all answers 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from pilotage.people.permissions import is_staff_member
from pilotage.strategy import permissions
from pilotage.strategy.models import (
    Criterion,
    Need,
    NeedsCampaign,
    Objective,
    RequestAttachment,
    RequestComment,
    TrainingRequest,
)


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
    qs = Need.objects.select_related("campaign", "manager", "manager__employee", "org_unit")
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


# --- objectives and requests: the triage queue, comments, attachments -------------------------


def objective_programmes(*, user: Any, objective: Objective) -> QuerySet[Any]:
    """The programmes answering ``objective`` that ``user`` may see (the reverse M2M from
    programmes: staff see all, an internal client the ones they sponsor)."""
    qs = objective.programmes.all()  # type: ignore[attr-defined]
    return qs if is_staff_member(user) else qs.filter(sponsor_id=user.pk)


def objective_requests(*, user: Any, objective: Objective) -> QuerySet[TrainingRequest]:
    """The requests linked to ``objective`` within the user's own scope."""
    return request_list(user=user).filter(objective=objective)


REQUEST_FILTERS = ("status", "org_unit", "objective", "q")


def request_search(*, user: Any, params: Mapping[str, str], with_status: bool = True) -> QuerySet[TrainingRequest]:
    """The scoped requests filtered as on the queue page (status, org_unit subtree, objective,
    free text in reference/title/need). ``with_status=False`` leaves the status filter out, for
    the counts per status."""
    qs = request_list(user=user)
    status = params.get("status") or ""
    if with_status and status in TrainingRequest.Status.values:
        qs = qs.filter(status=status)
    elif with_status and status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    org_unit = params.get("org_unit") or ""
    if org_unit.isdigit():
        from pilotage.people.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=int(org_unit)).only("path").first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    objective = params.get("objective") or ""
    if objective.isdigit():
        qs = qs.filter(objective_id=int(objective))
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(reference__iexact=text)
            | Q(title__icontains=text)
            | Q(business_need__icontains=text)
            | Q(population_description__icontains=text)
        )
    return qs


OPEN_STATUSES = (
    TrainingRequest.Status.SUBMITTED,
    TrainingRequest.Status.UNDER_REVIEW,
    TrainingRequest.Status.PARKED,
)


def request_status_counts(queryset: QuerySet[TrainingRequest]) -> dict[str, int]:
    """Requests per status in ``queryset`` (one GROUP BY), every status present."""
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in TrainingRequest.Status.values}


def request_comments(*, user: Any, request: TrainingRequest) -> QuerySet[RequestComment]:
    """The comment thread of a request the user may see; internal notes for the L&D team only."""
    qs = RequestComment.objects.filter(request=request).select_related("author", "author__employee")
    return qs if permissions.can_triage(user) else qs.filter(internal=False)


def request_attachment_get(*, user: Any, request_pk: int, pk: int) -> RequestAttachment:
    """An attachment of a request the user may see (404 otherwise)."""
    request = request_get(user=user, pk=request_pk)
    attachment = RequestAttachment.objects.filter(request=request, pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def request_similar(*, user: Any, request: TrainingRequest, limit: int = 5) -> list[Any]:
    """The open requests (in the user's scope) most similar to ``request``: a list of
    ``similarity.Match`` (item, score), best first. Pure Python TF-IDF, see similarity.py."""
    from pilotage.strategy.similarity import similar_requests

    candidates = (
        request_list(user=user)
        .filter(status__in=OPEN_STATUSES)
        .exclude(pk=request.pk)
        .select_related(None)
        .only("id", "reference", "title", "business_need", "status", "requester_id", "created_at")
    )
    return similar_requests(request, candidates, limit=limit)
