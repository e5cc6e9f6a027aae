"""REST API of the programmes area: programmes, their lifecycle and competencies, the skills
framework, accepting a request into a programme, and the annual plan downloads
(mounted under /api/v1/programmes/ by programmes/api.py). Thin over the same services and
selectors as the web pages."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.core.errors import ValidationFailed
from pilotage.people import queries as people_queries
from pilotage.people.models import User
from pilotage.programmes import permissions, plan, queries, services_skills
from pilotage.programmes import services_programmes as services
from pilotage.programmes.models import ProficiencyLevel, Programme, Skill, SkillDomain
from pilotage.strategy import queries as strategy_queries

router = Router(tags=["programmes"])


# --- schemas -----------------------------------------------------------------------------------------


class CompetencyIn(Schema):
    skill_id: int
    target_level_id: int


class CompetencyOut(Schema):
    skill_id: int
    skill: str
    domain: str
    target_level_id: int
    target_level_rank: int
    target_level: str


class TransitionOut(Schema):
    from_status: str
    to_status: str
    note: str
    by: str | None
    at: dt.datetime


class ProgrammeIn(Schema):
    title: str
    description: str = ""
    sponsor_id: int | None = None
    owner_id: int | None = None
    audience_ids: list[int] = Field(default_factory=list)
    objective_ids: list[int] = Field(default_factory=list)
    request_ids: list[int] = Field(default_factory=list)
    competencies: list[CompetencyIn] = Field(default_factory=list)
    learning_objectives: list[str] = Field(default_factory=list, description="One learning objective per item")
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    budget_estimate: decimal.Decimal | None = None
    requires_manager_approval: bool = False


class ProgrammePatch(Schema):
    title: str | None = None
    description: str | None = None
    sponsor_id: int | None = None
    owner_id: int | None = None
    audience_ids: list[int] | None = None
    objective_ids: list[int] | None = None
    request_ids: list[int] | None = None
    competencies: list[CompetencyIn] | None = None
    learning_objectives: list[str] | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    budget_estimate: decimal.Decimal | None = None
    requires_manager_approval: bool | None = None


class _ProgrammeBase(Schema):
    id: int
    code: str
    title: str
    status: str
    sponsor: str | None
    owner: str | None
    planned_start: dt.date | None
    planned_end: dt.date | None
    budget_estimate: decimal.Decimal | None


class ProgrammeSummaryOut(_ProgrammeBase):
    @staticmethod
    def resolve_sponsor(obj: Programme) -> str | None:
        return obj.sponsor.email if obj.sponsor else None

    @staticmethod
    def resolve_owner(obj: Programme) -> str | None:
        return obj.owner.email if obj.owner else None


class AudienceCountOut(Schema):
    id: int
    name: str
    headcount: int


class ProgrammeOut(_ProgrammeBase):
    description: str
    sponsor_id: int | None
    owner_id: int | None
    audiences: list[AudienceCountOut]
    headcount: int = Field(description="Distinct people across the target audiences (live)")
    objective_ids: list[int]
    request_ids: list[int]
    competencies: list[CompetencyOut]
    learning_objectives: list[str]
    requires_manager_approval: bool
    modality: str | None
    allowed_moves: list[dict[str, Any]]
    transitions: list[TransitionOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class TransitionIn(Schema):
    to_status: str
    note: str = ""


class FromRequestIn(Schema):
    reason: str
    programme_id: int | None = Field(None, description="Accept into this existing programme…")
    new_programme: ProgrammePatch | None = Field(
        None, description="…or into a new one (fields left out are taken from the request)"
    )


class DomainIn(Schema):
    name: str
    description: str = ""


class DomainOut(Schema):
    id: int
    name: str
    description: str


class SkillIn(Schema):
    domain_id: int
    name: str
    description: str = ""


class SkillOut(Schema):
    id: int
    domain_id: int
    domain: str
    name: str
    description: str

    @staticmethod
    def resolve_domain(obj: Skill) -> str:
        return obj.domain.name


class LevelIn(Schema):
    rank: int
    name_en: str
    name_fr: str
    description: str = ""


class LevelOut(Schema):
    id: int
    rank: int
    name_en: str
    name_fr: str
    name: str
    description: str


class ProgrammeFilters(Schema):
    status: str | None = None
    objective: int | None = None
    owner: int | None = None
    q: str | None = None


# --- helpers --------------------------------------------------------------------------------------------


def _designer(request: HttpRequest) -> Any:
    if not permissions.can_design(request.user):
        raise PermissionDenied(_("Only the L&D team may change programmes."))
    return request.user


def _out(programme: Programme) -> dict[str, Any]:
    audiences = list(programme.audiences.all())
    headcount = services.audiences_headcount(audiences)
    competencies = programme.competencies.select_related("skill__domain", "target_level")
    return {
        "id": programme.pk,
        "code": programme.code,
        "title": programme.title,
        "description": programme.description,
        "status": programme.status,
        "sponsor": programme.sponsor.email if programme.sponsor else None,
        "owner": programme.owner.email if programme.owner else None,
        "sponsor_id": programme.sponsor_id,
        "owner_id": programme.owner_id,
        "planned_start": programme.planned_start,
        "planned_end": programme.planned_end,
        "budget_estimate": programme.budget_estimate,
        "audiences": [
            {"id": row["audience"].pk, "name": row["audience"].name, "headcount": row["count"]}
            for row in headcount["rows"]
        ],
        "headcount": headcount["total"],
        "objective_ids": sorted(programme.objectives.values_list("pk", flat=True)),
        "request_ids": sorted(programme.requests.values_list("pk", flat=True)),
        "competencies": [
            {
                "skill_id": c.skill_id,
                "skill": c.skill.name,
                "domain": c.skill.domain.name,
                "target_level_id": c.target_level_id,
                "target_level_rank": c.target_level.rank,
                "target_level": c.target_level.name,
            }
            for c in competencies
        ],
        "learning_objectives": [x for x in programme.learning_objectives.splitlines() if x.strip()],
        "requires_manager_approval": programme.requires_manager_approval,
        "modality": programme.chosen_modality.key if programme.chosen_modality is not None else None,
        "allowed_moves": services.allowed_moves(programme),
        "transitions": [
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "note": t.note,
                "by": t.by.email if t.by else None,
                "at": t.at,
            }
            for t in programme.transitions.select_related("by")
        ],
        "created_at": programme.created_at,
        "updated_at": programme.updated_at,
    }


def _pick(qs: Any, ids: list[int], field: str, noun: str) -> list[Any]:
    """The objects of ``qs`` with these ids, in order; an unknown or out-of-scope id is a 400
    naming its JSON path (``audience_ids[2]``)."""
    found = {o.pk: o for o in qs.filter(pk__in=ids)}
    for index, pk in enumerate(ids):
        if pk not in found:
            raise ValidationFailed({f"{field}[{index}]": [_("No %(noun)s with id %(id)s.") % {"noun": noun, "id": pk}]})
    return [found[pk] for pk in ids]


def _user(pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationFailed({field: [_("No active user with id %(id)s.") % {"id": pk}]})
    return user


def _competencies(items: list[CompetencyIn]) -> list[tuple[Skill, ProficiencyLevel]]:
    skills = {s.pk: s for s in Skill.objects.filter(pk__in=[c.skill_id for c in items])}
    levels = {lv.pk: lv for lv in ProficiencyLevel.objects.all()}
    out = []
    for index, item in enumerate(items):
        if item.skill_id not in skills:
            raise ValidationFailed(
                {f"competencies[{index}].skill_id": [_("No skill with id %(id)s.") % {"id": item.skill_id}]}
            )
        if item.target_level_id not in levels:
            raise ValidationFailed(
                {
                    f"competencies[{index}].target_level_id": [
                        _("No proficiency level with id %(id)s.") % {"id": item.target_level_id}
                    ]
                }
            )
        out.append((skills[item.skill_id], levels[item.target_level_id]))
    return out


def _fields(user: Any, payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=partial)
    fields: dict[str, Any] = {}
    for name in ("title", "description", "planned_start", "planned_end", "budget_estimate"):
        if name in data:
            fields[name] = data[name] if data[name] is not None or name not in ("title", "description") else ""
    if "requires_manager_approval" in data and data["requires_manager_approval"] is not None:
        fields["requires_manager_approval"] = data["requires_manager_approval"]
    if "sponsor_id" in data:
        fields["sponsor"] = _user(data["sponsor_id"], "sponsor_id")
    if "owner_id" in data:
        fields["owner"] = _user(data["owner_id"], "owner_id")
    if data.get("audience_ids") is not None:
        fields["audiences"] = _pick(
            people_queries.audience_list(user=user), data["audience_ids"], "audience_ids", _("audience")
        )
    if data.get("objective_ids") is not None:
        fields["objectives"] = _pick(
            strategy_queries.objective_list(user=user), data["objective_ids"], "objective_ids", _("objective")
        )
    if data.get("request_ids") is not None:
        fields["requests"] = _pick(
            strategy_queries.request_list(user=user), data["request_ids"], "request_ids", _("request")
        )
    if data.get("competencies") is not None:
        fields["competencies"] = _competencies(getattr(payload, "competencies", None) or [])
    if data.get("learning_objectives") is not None:
        fields["learning_objectives"] = "\n".join(data["learning_objectives"])
    return fields


# --- programmes ---------------------------------------------------------------------------------------------


@router.get(
    "/programmes",
    response=page_schema(ProgrammeSummaryOut),
    summary="Programmes you may see",
    url_name="programme_list",
)
def programme_list(
    request: HttpRequest,
    filters: Query[ProgrammeFilters],
    limit: int = limit_query(),
    offset: int = offset_query(),
) -> Any:
    """The L&D team sees every programme; an internal client the programmes they sponsor.
    Filters: ``status``, ``objective`` (id), ``owner`` (user id), ``q`` (code, title, description)."""
    params = {k: str(v) for k, v in filters.model_dump().items() if v is not None}
    return paginate(queries.programme_search(user=request.user, params=params).order_by("code"), limit, offset)


@router.post("/programmes", response={201: ProgrammeOut}, summary="Create a programme", url_name="programme_create")
def programme_create(request: HttpRequest, payload: ProgrammeIn) -> Any:
    user = _designer(request)
    programme = services.programme_create(actor=user, **_fields(user, payload, partial=False))
    return Status(201, _out(programme))


@router.get(
    "/programmes/{int:programme_id}", response=ProgrammeOut, summary="One programme", url_name="programme_detail"
)
def programme_detail(request: HttpRequest, programme_id: int) -> Any:
    return _out(queries.programme_get(user=request.user, pk=programme_id))


@router.patch(
    "/programmes/{int:programme_id}", response=ProgrammeOut, summary="Change a programme", url_name="programme_update"
)
def programme_update(request: HttpRequest, programme_id: int, payload: ProgrammePatch) -> Any:
    """Only the fields sent change (lists replace the whole list). The status moves through
    ``/transition``."""
    user = request.user
    programme = queries.programme_for_design(user=user, pk=programme_id)
    fields = _fields(user, payload, partial=True)
    return _out(services.programme_update(actor=user, programme=programme, **fields))


@router.post(
    "/programmes/{int:programme_id}/transition",
    response=ProgrammeOut,
    summary="Move a programme in its lifecycle",
    url_name="programme_transition",
)
def programme_transition(request: HttpRequest, programme_id: int, payload: TransitionIn) -> Any:
    """idea → design → production → deployment → running → closed: the next step; one step
    back with a note; closed from running, or abandoned (closed) before running with a note.
    Anything else is a 400 naming ``to_status`` (or ``note``)."""
    user = request.user
    programme = queries.programme_for_design(user=user, pk=programme_id)
    programme = services.programme_transition(
        actor=user, programme=programme, to_status=payload.to_status, note=payload.note
    )
    return _out(programme)


@router.get(
    "/programmes/{int:programme_id}/competencies",
    response=list[CompetencyOut],
    summary="Competencies of a programme",
    url_name="programme_competencies",
)
def programme_competencies(request: HttpRequest, programme_id: int) -> Any:
    return _out(queries.programme_get(user=request.user, pk=programme_id))["competencies"]


@router.put(
    "/programmes/{int:programme_id}/competencies",
    response=list[CompetencyOut],
    summary="Replace the competencies of a programme",
    url_name="programme_competencies_set",
)
def programme_competencies_set(request: HttpRequest, programme_id: int, payload: list[CompetencyIn]) -> Any:
    user = request.user
    programme = queries.programme_for_design(user=user, pk=programme_id)
    services.programme_competencies_set(actor=user, programme=programme, competencies=_competencies(payload))
    return _out(programme)["competencies"]


@router.post(
    "/programmes/from-request/{int:request_id}",
    response={201: ProgrammeOut},
    summary="Accept a request into a programme",
    url_name="programme_from_request",
)
def programme_from_request(request: HttpRequest, request_id: int, payload: FromRequestIn) -> Any:
    """Into ``programme_id`` or a ``new_programme``; one transaction with the request's move to
    accepted (refused with the workflow's message when the request cannot be accepted)."""
    user = _designer(request)
    training_request = strategy_queries.request_get(user=user, pk=request_id)
    if payload.programme_id is not None and payload.new_programme is not None:
        raise ValidationFailed({"programme_id": [_("Give programme_id or new_programme, not both.")]})
    if payload.programme_id is not None:
        programme = services.programme_accept_request(
            actor=user,
            request=training_request,
            reason=payload.reason,
            programme=queries.programme_for_design(user=user, pk=payload.programme_id),
        )
    else:
        new_fields = _fields(user, payload.new_programme, partial=True) if payload.new_programme else {}
        programme = services.programme_accept_request(
            actor=user, request=training_request, reason=payload.reason, new_programme=new_fields
        )
    return Status(201, _out(programme))


# --- skills framework ---------------------------------------------------------------------------------------


@router.get("/skills/domains", response=list[DomainOut], summary="Skill domains", url_name="skill_domain_list")
def skill_domain_list(request: HttpRequest) -> Any:
    return list(queries.skill_domain_list(user=request.user))


@router.post(
    "/skills/domains", response={201: DomainOut}, summary="Create a skill domain", url_name="skill_domain_create"
)
def skill_domain_create(request: HttpRequest, payload: DomainIn) -> Any:
    return Status(201, services_skills.domain_create(actor=request.user, **payload.model_dump()))


@router.get("/skills", response=list[SkillOut], summary="Skills", url_name="skill_list")
def skill_list(request: HttpRequest, domain: int | None = None) -> Any:
    qs = queries.skill_list(user=request.user)
    return list(qs.filter(domain_id=domain) if domain else qs)


@router.post("/skills", response={201: SkillOut}, summary="Create a skill", url_name="skill_create")
def skill_create(request: HttpRequest, payload: SkillIn) -> Any:
    domain = SkillDomain.objects.filter(pk=payload.domain_id).first()
    if domain is None and permissions.can_manage_framework(request.user):
        raise ValidationFailed({"domain_id": [_("No skill domain with id %(id)s.") % {"id": payload.domain_id}]})
    skill = services_skills.skill_create(
        actor=request.user,
        domain=domain,  # type: ignore[arg-type]  # None: refused by the service (403 or a named error)
        name=payload.name,
        description=payload.description,
    )
    return Status(201, skill)


@router.get("/skills/levels", response=list[LevelOut], summary="Proficiency levels", url_name="proficiency_level_list")
def proficiency_level_list(request: HttpRequest) -> Any:
    return list(queries.level_list(user=request.user))


@router.post(
    "/skills/levels",
    response={201: LevelOut},
    summary="Create a proficiency level",
    url_name="proficiency_level_create",
)
def proficiency_level_create(request: HttpRequest, payload: LevelIn) -> Any:
    return Status(201, services_skills.level_create(actor=request.user, **payload.model_dump()))


# --- annual plan ----------------------------------------------------------------------------------------------


def _plan_for(request: HttpRequest, year: int) -> plan.AnnualPlan:
    if not permissions.can_export_plan(request.user):
        raise PermissionDenied(_("Only the L&D team may export the annual plan."))
    return plan.annual_plan(user=request.user, year=plan.year_param(year))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/annual-plan/{int:year}/xlsx",
    summary="The annual plan as a workbook",
    url_name="annual_plan_xlsx",
    response={200: None},
)
def annual_plan_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    from pilotage.programmes.views_plan import XLSX_TYPE

    the_plan = _plan_for(request, year)
    return _download(plan.plan_xlsx(the_plan), XLSX_TYPE, plan.plan_filename(the_plan.year, "xlsx"))


@router.get(
    "/annual-plan/{int:year}/pdf", summary="The annual plan as a PDF", url_name="annual_plan_pdf", response={200: None}
)
def annual_plan_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """In the language of the request (``Accept-Language`` or the user's session)."""
    the_plan = _plan_for(request, year)
    content = plan.plan_pdf(the_plan, organisation=plan.organisation_name())
    return _download(content, "application/pdf", plan.plan_filename(the_plan.year, "pdf"))
