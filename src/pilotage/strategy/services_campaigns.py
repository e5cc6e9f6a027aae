"""Needs campaigns ("recueil des besoins"): the DLM opens a campaign to a set of managers
(an audience), managers submit their team's needs while it is open, the L&D team
consolidates and arbitrates them; a retained need can become a training request.

    draft ──▶ open ──▶ closed ──▶ arbitrated
                ▲         │
                └─────────┘ (reopen, while the closing date is not past)

Every write is one transaction, audited. Managers are invited by e-mail when the campaign
opens, from a background task with a visible job (an audience can hold hundreds of managers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.jobs import enqueue_on_commit, job_create
from pilotage.core.mail import notify
from pilotage.core.models import Job
from pilotage.people.audiences import audience_members
from pilotage.people.models import Audience, Employee
from pilotage.strategy import permissions
from pilotage.strategy.models import Need, NeedsCampaign, RequestTransition, TrainingRequest
from pilotage.strategy.services_requests import insert_with_reference

C = NeedsCampaign.Status
D = Need.Decision

ALLOWED: dict[str, frozenset[str]] = {
    C.DRAFT: frozenset({C.OPEN}),
    C.OPEN: frozenset({C.CLOSED}),
    C.CLOSED: frozenset({C.OPEN, C.ARBITRATED}),
    C.ARBITRATED: frozenset(),
}
CAMPAIGN_FIELDS = ["title", "instructions", "opens_on", "closes_on", "audience"]
NEED_FIELDS = ["title", "description", "theme", "headcount", "priority", "wished_quarter", "estimated_cost"]
DECISIONS_NEEDING_NOTE = frozenset({D.MERGED, D.POSTPONED, D.REJECTED})
QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*[QT]([1-4])$")  # 2027-Q2, or 2027-T2 ("trimestre")


def invite_job_kind(campaign: NeedsCampaign) -> str:
    """The kind of the job that invites a campaign's managers (found again by the campaign page)."""
    return f"campaign_invite:{campaign.pk}"


def _require_runner(actor: Any) -> None:
    if not permissions.can_run_campaigns(actor) and actor != "system":
        raise PermissionDenied(_("Only the L&D team may run needs campaigns."))


def allowed_next(campaign: NeedsCampaign) -> list[str]:
    """The statuses the campaign may move to, in display order."""
    return [s for s in C.values if s in ALLOWED[campaign.status]]


# --- campaigns ----------------------------------------------------------------------------------


def _check_dates(opens_on: dt.date | None, closes_on: dt.date | None, errors: dict[str, list[str]]) -> None:
    if opens_on is None:
        errors.setdefault("opens_on", []).append(_("Give the opening date."))
    if closes_on is None:
        errors.setdefault("closes_on", []).append(_("Give the closing date."))
    if opens_on and closes_on and closes_on < opens_on:
        errors.setdefault("closes_on", []).append(
            _("The closing date (%(closes)s) is before the opening date (%(opens)s).")
            % {"closes": closes_on.isoformat(), "opens": opens_on.isoformat()}
        )


def _clean_campaign(
    *, title: str, instructions: str, opens_on: dt.date | None, closes_on: dt.date | None
) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the campaign a title.")]
    elif len(title) > 200:
        errors["title"] = [_("The title is 200 characters at most.")]
    _check_dates(opens_on, closes_on, errors)
    if errors:
        raise ValidationFailed(errors)
    return title, (instructions or "").strip()


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    title: str,
    instructions: str = "",
    opens_on: dt.date | None,
    closes_on: dt.date | None,
    audience: Audience | None = None,
) -> NeedsCampaign:
    """A new campaign, in draft: nobody is invited until it opens."""
    _require_runner(actor)
    title, instructions = _clean_campaign(
        title=title, instructions=instructions, opens_on=opens_on, closes_on=closes_on
    )
    assert opens_on is not None and closes_on is not None  # checked by _clean_campaign
    if closes_on < timezone.localdate():
        raise ValidationFailed({"closes_on": [_("The closing date is already past.")]})
    campaign = NeedsCampaign.objects.create(
        title=title,
        instructions=instructions,
        opens_on=opens_on,
        closes_on=closes_on,
        audience=audience,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="create", instance=campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor: Any,
    campaign: NeedsCampaign,
    title: str,
    instructions: str = "",
    opens_on: dt.date | None,
    closes_on: dt.date | None,
    audience: Audience | None = None,
) -> NeedsCampaign:
    """Change a campaign's title, instructions, dates or invited managers. An arbitrated
    campaign is final; the audience of an open campaign stays (managers were invited)."""
    _require_runner(actor)
    campaign = NeedsCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == C.ARBITRATED:
        raise ValidationFailed(_("This campaign is arbitrated: it can no longer change."))
    title, instructions = _clean_campaign(
        title=title, instructions=instructions, opens_on=opens_on, closes_on=closes_on
    )
    if campaign.status != C.DRAFT and (audience.pk if audience else None) != campaign.audience_id:
        raise ValidationFailed(
            {"audience": [_("Managers were already invited: the audience of an opened campaign cannot change.")]}
        )
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.title, campaign.instructions = title, instructions
    campaign.opens_on, campaign.closes_on, campaign.audience = opens_on, closes_on, audience  # type: ignore[assignment]
    campaign.save(update_fields=[*CAMPAIGN_FIELDS, "updated_at"])
    if changes := diff(before, snapshot(campaign, CAMPAIGN_FIELDS)):
        audit_record(actor=actor, action="update", instance=campaign, changes=changes)
    return campaign


@transaction.atomic
def campaign_transition(*, actor: Any, campaign: NeedsCampaign, to_status: str) -> tuple[NeedsCampaign, Job | None]:
    """Open, close, reopen or mark arbitrated. Opening the first time invites the managers by
    e-mail from a background job (returned). Refused with a message naming ``to_status``."""
    _require_runner(actor)
    campaign = NeedsCampaign.objects.select_for_update().get(pk=campaign.pk)
    if to_status not in C.values:
        raise ValidationFailed({"to_status": [_("Unknown status “%(status)s”.") % {"status": to_status}]})
    if to_status not in ALLOWED[campaign.status]:
        raise ValidationFailed(
            {
                "to_status": [
                    _("A campaign that is %(current)s cannot become %(next)s.")
                    % {"current": C(campaign.status).label.lower(), "next": C(to_status).label.lower()}
                ]
            }
        )
    today = timezone.localdate()
    if to_status == C.OPEN:
        if campaign.audience_id is None:
            raise ValidationFailed({"audience": [_("Choose the invited managers (an audience) before opening.")]})
        if campaign.closes_on < today:
            raise ValidationFailed(
                {"closes_on": [_("The closing date (%(date)s) is past: move it first.") % {"date": campaign.closes_on}]}
            )
    if to_status == C.ARBITRATED:
        pending = campaign.needs.filter(decision=D.PENDING).count()
        if pending:
            raise ValidationFailed(
                {"to_status": [_("%(n)s need(s) are still to arbitrate: decide on each first.") % {"n": pending}]}
            )
    first_opening = campaign.status == C.DRAFT and to_status == C.OPEN
    from_status = campaign.status
    campaign.status = to_status
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="transition", instance=campaign, changes={"status": [from_status, to_status]})
    job = None
    if first_opening:
        job = job_create(
            kind=invite_job_kind(campaign),
            label=_("Invitations to “%(title)s”") % {"title": campaign.title},
            user=actor,
        )
        from pilotage.strategy.tasks import campaign_invite_task

        enqueue_on_commit(campaign_invite_task, campaign.pk, job.pk)
    return campaign, job


def invited_employees(campaign: NeedsCampaign) -> QuerySet[Employee]:
    """The active members of the campaign's audience (nobody without one)."""
    if campaign.audience is None:
        return Employee.objects.none()
    return audience_members(campaign.audience, user=None).filter(active=True)


def is_invited(campaign: NeedsCampaign, user: Any) -> bool:
    employee_id = getattr(user, "employee_id", None)
    if not employee_id:
        return False
    return invited_employees(campaign).filter(pk=employee_id).exists()


def campaign_invite(*, campaign_id: int, progress: Callable[[int, int, str], None] | None = None) -> int:
    """E-mail every invited manager (their login's language, else their employee record's).
    Returns how many were written to; one without an address is skipped."""
    campaign = NeedsCampaign.objects.select_related("audience").get(pk=campaign_id)
    employees = list(invited_employees(campaign).select_related("user").order_by("pk"))
    total, sent = len(employees), 0
    for done, employee in enumerate(employees, start=1):
        recipient: Any = getattr(employee, "user", None) or employee
        if getattr(recipient, "email", ""):
            notify(recipient=recipient, template="strategy/mail/campaign_invitation", context={"campaign": campaign})
            sent += 1
        if progress and (done % 25 == 0 or done == total):
            progress(done, total, _("%(done)s of %(total)s managers invited") % {"done": done, "total": total})
    return sent


# --- needs --------------------------------------------------------------------------------------


def parse_quarter(value: str) -> tuple[int, int] | None:
    """``"2027-Q2"`` (or the French ``"2027-T2"``) → (2027, 2); blank → None; anything
    else raises ValidationFailed."""
    value = (value or "").strip().upper()
    if not value:
        return None
    match = QUARTER_RE.match(value)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationFailed(
            {
                "wished_quarter": [
                    _("Write the quarter as year-Q1 to Q4 (or T1 to T4), for example 2027-Q2 (not “%(v)s”).")
                    % {"v": value}
                ]
            }
        )
    return int(match.group(1)), int(match.group(2))


def quarter_start(value: str) -> dt.date | None:
    parsed = parse_quarter(value)
    return dt.date(parsed[0], 3 * parsed[1] - 2, 1) if parsed else None


def _clean_need(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Say what the need is, in a few words.")]
    elif len(title) > 200:
        errors["title"] = [_("The need is 200 characters at most.")]
    clean["title"] = title
    clean["description"] = str(data.get("description") or "").strip()
    theme = str(data.get("theme") or "").strip()
    if len(theme) > 120:
        errors["theme"] = [_("The theme is 120 characters at most.")]
    clean["theme"] = theme
    try:
        headcount = int(data.get("headcount") or 0)
    except (TypeError, ValueError):
        headcount = 0
    if not 1 <= headcount <= 1_000_000:
        errors["headcount"] = [_("Give the number of people concerned (1 or more).")]
    clean["headcount"] = headcount
    priority = str(data.get("priority") or Need.Priority.MEDIUM)
    if priority not in Need.Priority.values:
        errors["priority"] = [_("Choose a priority among %(choices)s.") % {"choices": ", ".join(Need.Priority.values)}]
    clean["priority"] = priority
    try:
        quarter = parse_quarter(str(data.get("wished_quarter") or ""))
        clean["wished_quarter"] = f"{quarter[0]}-Q{quarter[1]}" if quarter else ""
    except ValidationFailed as exc:
        errors.update(exc.errors)
    cost = data.get("estimated_cost")
    if cost in (None, ""):
        clean["estimated_cost"] = None
    else:
        try:
            clean["estimated_cost"] = Decimal(str(cost)).quantize(Decimal("0.01"))
            if clean["estimated_cost"] < 0 or clean["estimated_cost"] >= Decimal("1e10"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["estimated_cost"] = [_("Give the estimated cost in euros, for example 4500 or 4500.50.")]
    if errors:
        raise ValidationFailed(errors)
    return clean


def _check_open_for_needs(campaign: NeedsCampaign) -> None:
    if campaign.status != C.OPEN:
        raise ValidationFailed(
            _("The campaign is %(status)s: needs are submitted and changed only while it is open.")
            % {"status": C(campaign.status).label.lower()}
        )
    if campaign.closes_on < timezone.localdate():
        raise ValidationFailed(
            _("The campaign closed on %(date)s: needs can no longer be submitted or changed.")
            % {"date": campaign.closes_on.isoformat()}
        )


@transaction.atomic
def need_create(*, actor: Any, campaign: NeedsCampaign, **data: Any) -> Need:
    """A manager submits a need of their team to an open campaign they are invited to."""
    if not permissions.can_submit_needs(actor):
        raise PermissionDenied(_("Only managers submit needs to a campaign."))
    campaign = NeedsCampaign.objects.select_for_update().get(pk=campaign.pk)
    _check_open_for_needs(campaign)
    if not is_invited(campaign, actor):
        raise PermissionDenied(_("You are not among the managers invited to this campaign."))
    clean = _clean_need(data)
    employee = getattr(actor, "employee", None)
    need = Need.objects.create(
        campaign=campaign, manager=actor, org_unit=employee.org_unit if employee else None, **clean
    )
    audit_record(actor=actor, action="create", instance=need)
    return need


@transaction.atomic
def need_update(*, actor: Any, need: Need, **data: Any) -> Need:
    """The manager changes their own need while the campaign is open; the L&D team may
    correct a need (harmonise its theme, say) until the campaign is arbitrated."""
    need = Need.objects.select_for_update().select_related("campaign").get(pk=need.pk)
    staff = permissions.can_run_campaigns(actor)
    if staff:
        if need.campaign.status == C.ARBITRATED:
            raise ValidationFailed(_("This campaign is arbitrated: its needs can no longer change."))
    elif need.manager_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the manager who submitted a need may change it."))
    else:
        _check_open_for_needs(need.campaign)
    clean = _clean_need(data)
    before = snapshot(need, NEED_FIELDS)
    for key, value in clean.items():
        setattr(need, key, value)
    need.save(update_fields=[*NEED_FIELDS, "updated_at"])
    if changes := diff(before, snapshot(need, NEED_FIELDS)):
        audit_record(actor=actor, action="update", instance=need, changes=changes)
    return need


@transaction.atomic
def need_decide(
    *, actor: Any, need: Need, decision: str, note: str = "", create_request: bool = False
) -> tuple[Need, TrainingRequest | None]:
    """Arbitrate one need of a closed campaign: retained, merged, postponed or rejected
    (a note is required but for "retained": the manager reads it), or back to "to arbitrate".
    ``create_request`` with "retained" turns the need into a training request under review,
    filed in the manager's name (once: a need makes one request at most)."""
    _require_runner(actor)
    need = Need.objects.select_for_update().select_related("campaign", "manager").get(pk=need.pk)
    note = (note or "").strip()
    if need.campaign.status != C.CLOSED:
        raise ValidationFailed(
            {
                "decision": [
                    _(
                        "Needs are arbitrated once the campaign is closed and until it is marked arbitrated (it is %(s)s)."
                    )
                    % {"s": C(need.campaign.status).label.lower()}
                ]
            }
        )
    if decision not in D.values:
        raise ValidationFailed(
            {"decision": [_("Choose a decision among %(choices)s.") % {"choices": ", ".join(D.values)}]}
        )
    if decision in DECISIONS_NEEDING_NOTE and not note:
        raise ValidationFailed(
            {"note": [_("Explain the decision (%(d)s): the manager reads it.") % {"d": D(decision).label}]}
        )
    existing_request = TrainingRequest.objects.filter(campaign_need=need).first()
    if existing_request is not None and decision != D.RETAINED:
        raise ValidationFailed(
            {
                "decision": [
                    _("The request %(ref)s was made from this need: triage that request instead.")
                    % {"ref": existing_request.reference}
                ]
            }
        )
    if create_request and decision != D.RETAINED:
        raise ValidationFailed({"create_request": [_("Only a retained need becomes a training request.")]})
    before = {"decision": need.decision, "decision_note": need.decision_note}
    need.decision, need.decision_note = decision, note
    need.decided_by = actor if (getattr(actor, "is_authenticated", False) and decision != D.PENDING) else None
    need.decided_at = timezone.now() if decision != D.PENDING else None
    need.save(update_fields=["decision", "decision_note", "decided_by", "decided_at", "updated_at"])
    changes = {k: [v, getattr(need, k)] for k, v in before.items() if v != getattr(need, k)}
    if changes:
        audit_record(actor=actor, action="decide", instance=need, changes=changes, note=note)
    request = existing_request
    if create_request and existing_request is None:
        request = _request_from_need(actor=actor, need=need)
    return need, request


def _request_from_need(*, actor: Any, need: Need) -> TrainingRequest:
    description = need.description or need.title
    population = _("%(n)s people of %(unit)s") % {"n": need.headcount, "unit": need.org_unit or need.manager}
    # Numbered like the request form's requests, retried on a clash with a concurrent filing.
    request = TrainingRequest(
        title=need.title,
        business_need=description,
        requester=need.manager,
        org_unit=need.org_unit,
        population_description=population,
        headcount=need.headcount,
        wished_date=quarter_start(need.wished_quarter),
        budget_indication=need.estimated_cost,
        status=TrainingRequest.Status.UNDER_REVIEW,
        status_reason=need.decision_note,
        status_changed_at=timezone.now(),
        campaign_need=need,
    )
    insert_with_reference(request)
    RequestTransition.objects.create(
        request=request,
        from_status="",
        to_status=TrainingRequest.Status.UNDER_REVIEW,
        reason=_("Retained from the needs campaign “%(c)s”.") % {"c": need.campaign.title},
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="create", instance=request, note=f"need {need.pk}")
    return request


# --- consolidation (reads over an already scoped queryset) ---------------------------------------


NEED_FILTERS = ("org_unit", "theme", "priority", "decision")


def need_filter(needs: QuerySet[Need], params: Any) -> tuple[QuerySet[Need], dict[str, str]]:
    """Apply the consolidated table's filters (org unit with its sub-units, theme, priority,
    decision) from a query string; returns the filtered needs and the filters kept."""
    kept: dict[str, str] = {}
    for name in NEED_FILTERS:
        value = str(params.get(name) or "").strip()
        if not value:
            continue
        if name == "org_unit":
            if not value.isdigit():
                continue
            from pilotage.people.models import OrgUnit

            unit = OrgUnit.objects.filter(pk=int(value)).only("path").first()
            if unit is None:
                continue
            needs = needs.filter(org_unit__path__startswith=unit.path)
        elif name == "theme":
            needs = needs.filter(theme__iexact=value)
        elif name == "priority" and value in Need.Priority.values:
            needs = needs.filter(priority=value)
        elif name == "decision" and value in D.values:
            needs = needs.filter(decision=value)
        else:
            continue
        kept[name] = value
    return needs, kept


def need_totals(needs: QuerySet[Need]) -> dict[str, Any]:
    """Needs, people and cost per theme (largest cost first) and overall. Two queries."""
    by_theme = list(
        needs.order_by()
        .values("theme")
        .annotate(
            needs=Count("pk"),
            people=Coalesce(Sum("headcount"), 0),
            cost=Coalesce(Sum("estimated_cost"), Decimal(0)),
        )
        .order_by("-cost", "theme")
    )
    overall = needs.order_by().aggregate(
        needs=Count("pk"), people=Coalesce(Sum("headcount"), 0), cost=Coalesce(Sum("estimated_cost"), Decimal(0))
    )
    return {"by_theme": by_theme, "overall": overall}


def campaign_themes(campaign: NeedsCampaign) -> list[str]:
    """Themes already used in the campaign, for the theme suggestions and the filter."""
    return sorted(set(campaign.needs.exclude(theme="").values_list("theme", flat=True)), key=str.casefold)
