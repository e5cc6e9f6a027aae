"""Writes of programmes: create, edit, competencies, lifecycle moves, and accepting a training
request into a programme. Every function is one transaction, audited.

The lifecycle (docs/decisions/0015-programme-lifecycle.md)::

    idea → design → production → deployment → running → closed

- the next step, always (a note is optional);
- one step back, with a note saying why (closed → running reopens a programme);
- closed from running (it ran), or from any step before running as "abandoned", with a note.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record, diff, snapshot
from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.people.models import Audience, Employee, Role
from pilotage.people.permissions import has_role, is_staff_member
from pilotage.programmes import permissions
from pilotage.programmes.models import ProficiencyLevel, Programme, ProgrammeCompetency, ProgrammeTransition, Skill
from pilotage.strategy.models import Objective, TrainingRequest

S = Programme.Status
ORDER: list[str] = [S.IDEA, S.DESIGN, S.PRODUCTION, S.DEPLOYMENT, S.RUNNING, S.CLOSED]
# Steps from which closing means giving up (the programme never ran).
ABANDONABLE = frozenset({S.IDEA, S.DESIGN, S.PRODUCTION, S.DEPLOYMENT})
CODE_RE = re.compile(r"^PRG-(\d{4})-(\d+)$")
CODE_ATTEMPTS = 5

# The scalar fields programme_create/programme_update accept, in form order.
SCALAR_FIELDS = (
    "title",
    "description",
    "sponsor",
    "owner",
    "learning_objectives",
    "planned_start",
    "planned_end",
    "budget_estimate",
    "requires_manager_approval",
)
M2M_FIELDS = ("audiences", "objectives", "requests")
AUDITED = [f for f in SCALAR_FIELDS if f != "learning_objectives"] + ["learning_objectives"]


# --- rules ------------------------------------------------------------------------------------


def allowed_moves(programme: Programme) -> list[dict[str, Any]]:
    """The moves open from the programme's status, for the detail page and the API:
    ``[{"to_status", "label", "kind": next|back|close|abandon|reopen, "note_required"}]``."""
    status = programme.status
    index = ORDER.index(status)
    moves: list[dict[str, Any]] = []
    if status == S.CLOSED:
        moves.append({"to_status": S.RUNNING, "kind": "reopen", "note_required": True})
    else:
        nxt = ORDER[index + 1]
        moves.append({"to_status": nxt, "kind": "close" if nxt == S.CLOSED else "next", "note_required": False})
        if index > 0:
            moves.append({"to_status": ORDER[index - 1], "kind": "back", "note_required": True})
        if status in ABANDONABLE:
            moves.append({"to_status": S.CLOSED, "kind": "abandon", "note_required": True})
    for move in moves:
        move["label"] = str(S(move["to_status"]).label)
    return moves


def _move(programme: Programme, to_status: str) -> dict[str, Any] | None:
    return next((m for m in allowed_moves(programme) if m["to_status"] == to_status), None)


def _require_designer(actor: Any) -> None:
    if not permissions.can_design(actor) and actor != "system":
        raise PermissionDenied(_("Only the L&D team may create or change programmes."))


def _check_sponsor(user: Any) -> None:
    if user is not None and not (has_role(user, Role.CLIENT) or is_staff_member(user)):
        raise ValidationFailed(
            {"sponsor": [_("%(user)s is neither an internal client nor in the L&D team.") % {"user": user}]}
        )


def _check_owner(user: Any) -> None:
    if user is not None and not is_staff_member(user):
        raise ValidationFailed(
            {"owner": [_("%(user)s is not in the L&D team: the owner designs the programme.") % {"user": user}]}
        )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check the scalar fields present in ``values``; errors name each field."""
    errors: dict[str, list[str]] = {}
    out = dict(values)
    if "title" in out:
        out["title"] = (out["title"] or "").strip()
        if not out["title"]:
            errors["title"] = [_("Give the programme a title.")]
        elif len(out["title"]) > 200:
            errors["title"] = [_("The title is too long (200 characters at most).")]
    for name in ("description", "learning_objectives"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if "learning_objectives" in out:
        # One objective per line: blank lines and stray spaces are dropped.
        out["learning_objectives"] = "\n".join(
            line.strip() for line in out["learning_objectives"].splitlines() if line.strip()
        )
    if "budget_estimate" in out and out["budget_estimate"] not in (None, ""):
        try:
            budget = decimal.Decimal(str(out["budget_estimate"]))
        except decimal.InvalidOperation:
            errors["budget_estimate"] = [_("Write the budget as a number of euros, e.g. 12500.")]
        else:
            if budget < 0:
                errors["budget_estimate"] = [_("The budget cannot be negative.")]
            elif budget >= 10**10:
                errors["budget_estimate"] = [_("The budget is too large.")]
            out["budget_estimate"] = budget.quantize(decimal.Decimal("0.01"))
    elif "budget_estimate" in out:
        out["budget_estimate"] = None
    for name in ("sponsor", "owner"):
        try:
            if name in out:
                (_check_sponsor if name == "sponsor" else _check_owner)(out[name])
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return out


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationFailed(
            {
                "planned_end": [
                    _("The planned end (%(end)s) is before the planned start (%(start)s).")
                    % {"end": end.isoformat(), "start": start.isoformat()}
                ]
            }
        )


def _check_competencies(competencies: Sequence[tuple[Skill, ProficiencyLevel]]) -> None:
    seen: set[int] = set()
    for index, (skill, _level) in enumerate(competencies):
        if skill.pk in seen:
            raise ValidationFailed(
                {
                    f"competencies[{index}].skill": [
                        _("“%(skill)s” is listed twice: give one target level per skill.") % {"skill": skill.name}
                    ]
                }
            )
        seen.add(skill.pk)


# --- codes --------------------------------------------------------------------------------------


def _next_code(year: int) -> str:
    prefix = f"PRG-{year}-"
    last = Programme.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = 0
    if last:
        match = CODE_RE.match(last)
        number = int(match.group(2)) if match else 0
    # Codes sort as text: keep three digits up to 999, then let them grow.
    return f"{prefix}{number + 1:03d}"


def _save_with_code(programme: Programme, year: int) -> None:
    """Insert with the next free code; two concurrent creations both retry on the unique index."""
    for attempt in range(CODE_ATTEMPTS):
        programme.code = _next_code(year)
        try:
            with transaction.atomic():
                programme.save()
            return
        except IntegrityError:
            if attempt == CODE_ATTEMPTS - 1 or Programme.objects.filter(code=programme.code).count() == 0:
                raise
            programme.pk = None


# --- create and update ---------------------------------------------------------------------------


def _set_relations(
    programme: Programme,
    *,
    audiences: Iterable[Audience] | None,
    objectives: Iterable[Objective] | None,
    requests: Iterable[TrainingRequest] | None,
) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, values in (("audiences", audiences), ("objectives", objectives), ("requests", requests)):
        if values is None:
            continue
        manager = getattr(programme, name)
        before = sorted(manager.values_list("pk", flat=True))
        wanted = list(values)
        manager.set(wanted)
        after = sorted(v.pk for v in wanted)
        if before != after:
            changes[name] = [before, after]
    return changes


def _set_competencies(programme: Programme, competencies: Sequence[tuple[Skill, ProficiencyLevel]]) -> bool:
    before = {c.skill_id: c.target_level_id for c in programme.competencies.all()}
    after = {skill.pk: level.pk for skill, level in competencies}
    if before == after:
        return False
    ProgrammeCompetency.objects.filter(programme=programme).exclude(skill_id__in=list(after)).delete()
    for skill_id, level_id in after.items():
        ProgrammeCompetency.objects.update_or_create(
            programme=programme, skill_id=skill_id, defaults={"target_level_id": level_id}
        )
    return True


@transaction.atomic
def programme_create(
    *,
    actor: Any,
    title: str,
    description: str = "",
    sponsor: Any = None,
    owner: Any = None,
    audiences: Iterable[Audience] = (),
    objectives: Iterable[Objective] = (),
    requests: Iterable[TrainingRequest] = (),
    competencies: Sequence[tuple[Skill, ProficiencyLevel]] = (),
    learning_objectives: str = "",
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    budget_estimate: decimal.Decimal | int | str | None = None,
    requires_manager_approval: bool = False,
    status: str = S.IDEA,
) -> Programme:
    """Create a programme with a fresh code ``PRG-<year>-<nnn>`` (the year of its planned start,
    else this year) and its first history line. ``status`` lets an import or the demo start a
    programme further along; it is recorded as the first transition."""
    _require_designer(actor)
    values = _clean(
        {
            "title": title,
            "description": description,
            "sponsor": sponsor,
            "owner": owner,
            "learning_objectives": learning_objectives,
            "budget_estimate": budget_estimate,
        }
    )
    _check_dates(planned_start, planned_end)
    _check_competencies(competencies)
    if status not in S.values:
        raise ValidationFailed({"status": [_("Unknown status “%(status)s”.") % {"status": status}]})
    programme = Programme(
        **values,
        planned_start=planned_start,
        planned_end=planned_end,
        requires_manager_approval=bool(requires_manager_approval),
        status=status,
    )
    _save_with_code(programme, (planned_start or timezone.localdate()).year)
    _set_relations(programme, audiences=audiences, objectives=objectives, requests=requests)
    _set_competencies(programme, competencies)
    by = actor if getattr(actor, "is_authenticated", False) else None
    ProgrammeTransition.objects.create(programme=programme, from_status="", to_status=status, by=by)
    audit_record(actor=actor, action="create", instance=programme, changes={"status": [None, status]})
    return programme


@transaction.atomic
def programme_update(*, actor: Any, programme: Programme, **fields: Any) -> Programme:
    """Change the given fields (any of the scalar fields, ``audiences``, ``objectives``,
    ``requests``, ``competencies``); the status moves only through ``programme_transition``."""
    _require_designer(actor)
    unknown = set(fields) - set(SCALAR_FIELDS) - set(M2M_FIELDS) - {"competencies"}
    if unknown:
        raise ValidationFailed({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    scalars = _clean({k: v for k, v in fields.items() if k in SCALAR_FIELDS})
    start = scalars.get("planned_start", programme.planned_start)
    end = scalars.get("planned_end", programme.planned_end)
    _check_dates(start, end)
    competencies = fields.get("competencies")
    if competencies is not None:
        _check_competencies(competencies)
    before = snapshot(programme, AUDITED)
    for name, value in scalars.items():
        setattr(programme, name, bool(value) if name == "requires_manager_approval" else value)
    after = snapshot(programme, AUDITED)
    changes: dict[str, Any] = diff(before, after)
    if changes:
        programme.save(update_fields=[*scalars, "updated_at"])
    changes.update(
        _set_relations(
            programme,
            audiences=fields.get("audiences"),
            objectives=fields.get("objectives"),
            requests=fields.get("requests"),
        )
    )
    if competencies is not None and _set_competencies(programme, competencies):
        changes["competencies"] = [None, [f"{s.name} ≥ {lvl.rank}" for s, lvl in competencies]]
    if changes:
        audit_record(actor=actor, action="update", instance=programme, changes=changes)
    return programme


@transaction.atomic
def programme_competencies_set(
    *, actor: Any, programme: Programme, competencies: Sequence[tuple[Skill, ProficiencyLevel]]
) -> Programme:
    """Replace the programme's competencies and their target levels."""
    return programme_update(actor=actor, programme=programme, competencies=competencies)


# --- lifecycle ------------------------------------------------------------------------------------


@transaction.atomic
def programme_transition(*, actor: Any, programme: Programme, to_status: str, note: str = "") -> Programme:
    """Move the programme one step in its lifecycle. Refused, with a message naming
    ``to_status`` or ``note``, when the move is not open from the current status or a note
    is missing (going back, abandoning, reopening)."""
    _require_designer(actor)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    note = (note or "").strip()
    if to_status not in S.values:
        raise ValidationFailed({"to_status": [_("Unknown status “%(status)s”.") % {"status": to_status}]})
    move = _move(programme, to_status)
    if move is None:
        open_moves = ", ".join(str(m["label"]).lower() for m in allowed_moves(programme))
        raise ValidationFailed(
            {
                "to_status": [
                    _("A programme in %(current)s cannot move to %(next)s; it can move to: %(open)s.")
                    % {
                        "current": S(programme.status).label.lower(),
                        "next": S(to_status).label.lower(),
                        "open": open_moves,
                    }
                ]
            }
        )
    if move["note_required"] and not note:
        reasons = {
            "back": _("Say why the programme goes back to %(status)s."),
            "abandon": _("Say why the programme is abandoned before it ran."),
            "reopen": _("Say why the closed programme is reopened."),
        }
        raise ValidationFailed({"note": [reasons[move["kind"]] % {"status": S(to_status).label.lower()}]})
    from_status = programme.status
    programme.status = to_status
    programme.save(update_fields=["status", "updated_at"])
    by = actor if getattr(actor, "is_authenticated", False) else None
    ProgrammeTransition.objects.create(
        programme=programme, from_status=from_status, to_status=to_status, note=note, by=by
    )
    audit_record(
        actor=actor,
        action="abandon" if move["kind"] == "abandon" else "transition",
        instance=programme,
        changes={"status": [from_status, to_status]},
        note=note,
    )
    return programme


def was_abandoned(programme: Programme) -> bool:
    """Closed without ever running."""
    return programme.status == S.CLOSED and not programme.transitions.filter(to_status=S.RUNNING).exists()


# --- accepting a request -----------------------------------------------------------------------------


def initial_from_request(request: TrainingRequest) -> dict[str, Any]:
    """What a new programme takes from the request it answers (the form's initial values)."""
    description = request.business_need
    if request.population_description:
        description += "\n\n" + _("Target population: %(text)s") % {"text": request.population_description}
    if request.headcount:
        description += "\n" + _("Headcount given by the requester: %(n)s") % {"n": request.headcount}
    if request.expected_impact:
        description += "\n" + _("Expected impact: %(text)s") % {"text": request.expected_impact}
    if request.legal_obligation:
        description += "\n" + _("Legal or regulatory obligation: %(ref)s") % {"ref": request.legal_reference or "—"}
    requester = request.requester
    sponsor_ok = has_role(requester, Role.CLIENT) or is_staff_member(requester)
    return {
        "title": request.title,
        "description": description.strip(),
        "sponsor": requester if sponsor_ok else None,
        "audiences": [request.audience] if request.audience_id else [],
        "objectives": [request.objective] if request.objective_id else [],
        "planned_start": request.wished_date,
        "budget_estimate": request.budget_indication,
    }


@transaction.atomic
def programme_accept_request(
    *,
    actor: Any,
    request: TrainingRequest,
    reason: str,
    programme: Programme | None = None,
    new_programme: dict[str, Any] | None = None,
) -> Programme:
    """Accept ``request`` into an existing ``programme`` or into a new one made from
    ``new_programme`` (fields of ``programme_create``; defaults: ``initial_from_request``).
    One transaction: the request's status (through the strategy workflow, which checks the
    move, the reason and tells the requester) and the link, or nothing at all."""
    _require_designer(actor)
    if (programme is None) == (new_programme is None):
        raise ValidationFailed({"programme": [_("Choose an existing programme or create a new one (not both).")]})
    if programme is None:
        assert new_programme is not None
        fields = {**initial_from_request(request), **new_programme}
        if fields.get("owner") is None and is_staff_member(actor):
            fields["owner"] = actor
        programme = programme_create(actor=actor, **fields)
    elif programme.status == S.CLOSED:
        raise ValidationFailed(
            {"programme": [_("%(code)s is closed: choose a running or planned programme.") % {"code": programme.code}]}
        )
    from pilotage.strategy.workflow import request_transition

    request_transition(actor=actor, request=request, to_status=TrainingRequest.Status.ACCEPTED, reason=reason)
    programme.requests.add(request)
    if request.objective_id:
        programme.objectives.add(request.objective_id)
    audit_record(
        actor=actor,
        action="accept_request",
        instance=programme,
        changes={"requests": [None, request.reference]},
        note=reason,
    )
    return programme


# --- headcount ----------------------------------------------------------------------------------------


def audiences_headcount(audiences: Iterable[Audience], *, per_audience: bool = True) -> dict[str, Any]:
    """Live headcount: per audience (all members, whoever looks) and the distinct total of
    people across the audiences (someone in two audiences counts once). ``per_audience=False``
    counts the total only (one query: the annual plan's rows)."""
    from pilotage.people.audiences import audience_members

    rows = []
    union = Q(pk__in=[])
    any_audience = False
    for audience in audiences:
        members = audience_members(audience, user=None)
        if per_audience:
            rows.append({"audience": audience, "count": members.count()})
        union |= Q(pk__in=members.values("pk"))
        any_audience = True
    total = Employee.objects.filter(union).count() if any_audience else 0
    return {"rows": rows, "total": total}
