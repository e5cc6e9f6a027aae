"""The life of a training request: which status may follow which, with what, and who is told.

    submitted ──▶ under review ──▶ accepted (into a programme: see programmes.services)
        │              │      ├──▶ merged (into another request)
        │              │      ├──▶ parked ──▶ under review / accepted / declined
        └──────────────┴──────┴──▶ declined

Accepted, merged and declined are final. Every change but "under review" needs a reason;
the requester gets an e-mail on every change (in their language) and sees the history.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.mail import notify
from pilotage.strategy import permissions
from pilotage.strategy.models import RequestTransition, TrainingRequest

S = TrainingRequest.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.ACCEPTED, S.MERGED, S.PARKED, S.DECLINED}),
    S.UNDER_REVIEW: frozenset({S.ACCEPTED, S.MERGED, S.PARKED, S.DECLINED}),
    S.PARKED: frozenset({S.UNDER_REVIEW, S.ACCEPTED, S.DECLINED}),
    S.ACCEPTED: frozenset(),
    S.MERGED: frozenset(),
    S.DECLINED: frozenset(),
}
NEEDS_REASON = frozenset({S.ACCEPTED, S.MERGED, S.PARKED, S.DECLINED})


def allowed_next(request: TrainingRequest) -> list[str]:
    """The statuses a request may move to, in display order (accepting happens via a programme)."""
    return [s for s in S.values if s in ALLOWED[request.status]]


@transaction.atomic
def request_transition(
    *,
    actor: Any,
    request: TrainingRequest,
    to_status: str,
    reason: str = "",
    merged_into: TrainingRequest | None = None,
) -> TrainingRequest:
    """Move ``request`` to ``to_status``. Refused with a message naming the field when the
    move is not allowed, a reason is missing, or a merge target is wrong."""
    if not permissions.can_triage(actor) and actor != "system":
        raise PermissionDenied(_("Only the L&D team may triage requests."))
    request = TrainingRequest.objects.select_for_update().get(pk=request.pk)
    reason = (reason or "").strip()
    if to_status not in S.values:
        raise ValidationFailed({"to_status": [_("Unknown status “%(status)s”.") % {"status": to_status}]})
    if to_status not in ALLOWED[request.status]:
        raise ValidationFailed(
            {
                "to_status": [
                    _("A request that is %(current)s cannot become %(next)s.")
                    % {"current": S(request.status).label.lower(), "next": S(to_status).label.lower()}
                ]
            }
        )
    if to_status in NEEDS_REASON and not reason:
        raise ValidationFailed(
            {"reason": [_("Give the reason: the requester reads it (%(status)s).") % {"status": S(to_status).label}]}
        )
    if to_status == S.MERGED:
        if merged_into is None:
            raise ValidationFailed({"merged_into": [_("Choose the request this one is merged into.")]})
        if merged_into.pk == request.pk:
            raise ValidationFailed({"merged_into": [_("A request cannot be merged into itself.")]})
        if merged_into.status in {S.MERGED, S.DECLINED}:
            raise ValidationFailed(
                {
                    "merged_into": [
                        _("%(ref)s is %(status)s: merge into an open or accepted request.")
                        % {"ref": merged_into.reference, "status": S(merged_into.status).label.lower()}
                    ]
                }
            )
    elif merged_into is not None:
        raise ValidationFailed({"merged_into": [_("Only a merge names another request.")]})

    from_status = request.status
    request.status = to_status
    request.status_reason = reason
    request.status_changed_at = timezone.now()
    request.merged_into = merged_into if to_status == S.MERGED else request.merged_into
    request.save(update_fields=["status", "status_reason", "status_changed_at", "merged_into", "updated_at"])
    RequestTransition.objects.create(
        request=request,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="transition",
        instance=request,
        changes={"status": [from_status, to_status]},
        note=reason,
    )
    notify(
        recipient=request.requester,
        template="strategy/mail/request_status",
        context={"request": request, "from_status": from_status, "reason": reason, "merged_into": merged_into},
    )
    return request
