"""REST API of the programmes area: recommender (mounted under /api/v1/programmes/ by programmes/api.py).

The modality catalogue, the versions of the rules and their rules (the DLM edits the draft
and publishes it), a programme's inputs, runs and the choice. Thin over
``services_recommender`` and the scoped selectors of ``queries``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema, Status

from pilotage.core.errors import ValidationFailed
from pilotage.programmes import permissions, queries
from pilotage.programmes import services_recommender as services
from pilotage.programmes.models import Modality, Recommendation, Rule, RuleSet

router = Router(tags=["recommender"])


# --- schemas ---------------------------------------------------------------------------------------


class ModalityOut(Schema):
    id: int
    key: str
    name: str
    name_en: str
    name_fr: str
    description_en: str
    description_fr: str
    base_score: int
    position: int
    active: bool


class ModalityPatch(Schema):
    key: str | None = None
    name_en: str | None = None
    name_fr: str | None = None
    description_en: str | None = None
    description_fr: str | None = None
    base_score: int | None = None
    position: int | None = None
    active: bool | None = None


class RuleSetOut(Schema):
    id: int
    version: int
    status: str
    note: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    rule_count: int = 0


class RuleOut(Schema):
    id: int
    key: str
    name: str
    condition: dict[str, Any]
    effects: dict[str, int]
    explanation_en: str
    explanation_fr: str
    active: bool
    position: int


class RuleIn(Schema):
    key: str
    name: str
    condition: Any = Field(..., description='{"all"|"any": [{"input", "op", "value"}, ...]}')
    effects: Any = Field(..., description='{"modality_key": points, ...}')
    explanation_en: str
    explanation_fr: str
    active: bool = True


class DraftIn(Schema):
    note: str = ""


class PublishIn(Schema):
    note: str = ""


class InputsOut(Schema):
    inputs: dict[str, Any]
    derived: dict[str, Any]
    edited: list[str]
    sources: dict[str, str]


class FiredOut(Schema):
    rule: str
    points: int
    explanation: str


class RankedOut(Schema):
    modality: str
    name: str
    score: int
    base_score: int
    rules: list[FiredOut]


class RecommendationOut(Schema):
    id: int
    programme_id: int
    ruleset_version: int
    inputs: dict[str, Any]
    summary: str
    ranked: list[RankedOut]
    created_at: dt.datetime
    created_by: str | None
    chosen_modality: str | None
    override_reason: str
    chosen_by: str | None
    chosen_at: dt.datetime | None


class ChooseIn(Schema):
    modality: str = Field(..., description="Key of the modality chosen")
    override_reason: str = ""


# --- helpers ---------------------------------------------------------------------------------------


def _modality_out(m: Modality) -> dict[str, Any]:
    return {
        "id": m.pk,
        "key": m.key,
        "name": m.name,
        "name_en": m.name_en,
        "name_fr": m.name_fr,
        "description_en": m.description_en,
        "description_fr": m.description_fr,
        "base_score": m.base_score,
        "position": m.position,
        "active": m.active,
    }


def _ruleset_out(r: RuleSet) -> dict[str, Any]:
    return {
        "id": r.pk,
        "version": r.version,
        "status": r.status,
        "note": r.note,
        "created_at": r.created_at,
        "published_at": r.published_at,
        "rule_count": getattr(r, "rule_count", None) or r.rules.count(),
    }


def _rule_out(r: Rule) -> dict[str, Any]:
    return {
        "id": r.pk,
        "key": r.key,
        "name": r.name,
        "condition": r.condition,
        "effects": r.effects,
        "explanation_en": r.explanation_en,
        "explanation_fr": r.explanation_fr,
        "active": r.active,
        "position": r.position,
    }


def _recommendation_out(rec: Recommendation, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": rec.pk,
        "programme_id": rec.programme_id,
        "ruleset_version": rec.ruleset.version,
        "inputs": rec.inputs,
        "summary": services.recommendation_summary(rec),
        "ranked": [
            {
                "modality": r.modality,
                "name": names.get(r.modality, r.modality),
                "score": r.score,
                "base_score": r.base_score,
                "rules": [{"rule": f.rule, "points": f.points, "explanation": f.explanation} for f in r.fired],
            }
            for r in services.ranked_of(rec)
        ],
        "created_at": rec.created_at,
        "created_by": rec.created_by.email if rec.created_by else None,
        "chosen_modality": rec.chosen_modality.key if rec.chosen_modality else None,
        "override_reason": rec.override_reason,
        "chosen_by": rec.chosen_by.email if rec.chosen_by else None,
        "chosen_at": rec.chosen_at,
    }


def _require_design(user: Any) -> None:
    if not permissions.can_design(user):
        raise PermissionDenied(_("Only the L&D team may do this."))


# --- the modality catalogue --------------------------------------------------------------------------


@router.get("/modalities", response=list[ModalityOut], summary="The modality catalogue", url_name="rec_modality_list")
def modality_list(request: HttpRequest) -> Any:
    return [_modality_out(m) for m in queries.modality_list(user=request.user)]


@router.patch(
    "/modalities/{int:modality_id}",
    response=ModalityOut,
    summary="Change a modality of the catalogue (L&D team)",
    url_name="rec_modality_update",
)
def modality_update(request: HttpRequest, modality_id: int, payload: ModalityPatch) -> Any:
    modality = queries.modality_get(user=request.user, pk=modality_id)
    data = payload.model_dump(exclude_unset=True, exclude_none=True)
    return _modality_out(services.modality_update(actor=request.user, modality=modality, **data))


# --- rule sets and rules ---------------------------------------------------------------------------------


@router.get(
    "/rulesets", response=list[RuleSetOut], summary="Versions of the recommender's rules", url_name="rec_ruleset_list"
)
def ruleset_list(request: HttpRequest) -> Any:
    return [_ruleset_out(r) for r in queries.ruleset_list(user=request.user)]


@router.get(
    "/rulesets/{int:ruleset_id}/rules",
    response=list[RuleOut],
    summary="The rules of one version, in order",
    url_name="rec_ruleset_rules",
)
def ruleset_rules(request: HttpRequest, ruleset_id: int) -> Any:
    ruleset = queries.ruleset_get(user=request.user, pk=ruleset_id)
    return [_rule_out(r) for r in ruleset.rules.order_by("position", "id")]


@router.post(
    "/rulesets/draft",
    response={201: RuleSetOut},
    summary="Create the draft: a copy of the published rules (DLM)",
    url_name="rec_ruleset_draft",
)
def ruleset_draft(request: HttpRequest, payload: DraftIn) -> Any:
    queries.ruleset_list(user=request.user)
    return Status(201, _ruleset_out(services.ruleset_draft_create(actor=request.user, note=payload.note)))


@router.post(
    "/rulesets/{int:ruleset_id}/rules",
    response={201: RuleOut},
    summary="Add a rule to the draft (DLM); errors name the JSON path",
    url_name="rec_rule_create",
)
def rule_create(request: HttpRequest, ruleset_id: int, payload: RuleIn) -> Any:
    ruleset = queries.ruleset_for_edit(user=request.user, pk=ruleset_id)
    return Status(201, _rule_out(services.rule_create(actor=request.user, ruleset=ruleset, **payload.model_dump())))


@router.put(
    "/rules/{int:rule_id}", response=RuleOut, summary="Replace a rule of the draft (DLM)", url_name="rec_rule_update"
)
def rule_update(request: HttpRequest, rule_id: int, payload: RuleIn) -> Any:
    rule = queries.rule_for_edit(user=request.user, pk=rule_id)
    return _rule_out(services.rule_update(actor=request.user, rule=rule, **payload.model_dump()))


@router.post(
    "/rulesets/{int:ruleset_id}/publish",
    response=RuleSetOut,
    summary="Publish the draft; the previous version is retired (DLM)",
    url_name="rec_ruleset_publish",
)
def ruleset_publish(request: HttpRequest, ruleset_id: int, payload: PublishIn) -> Any:
    ruleset = queries.ruleset_for_edit(user=request.user, pk=ruleset_id)
    return _ruleset_out(services.ruleset_publish(actor=request.user, ruleset=ruleset, note=payload.note))


# --- a programme's inputs, runs and choice -----------------------------------------------------------


@router.get(
    "/programmes/{int:programme_id}/recommender-inputs",
    response=InputsOut,
    summary="The programme's recommender inputs: used, derived, edited",
    url_name="rec_inputs_get",
)
def inputs_get(request: HttpRequest, programme_id: int) -> Any:
    programme = queries.programme_get(user=request.user, pk=programme_id)
    return services.programme_inputs(programme).to_json()


@router.put(
    "/programmes/{int:programme_id}/recommender-inputs",
    response=InputsOut,
    summary="Replace the edited inputs (values equal to the derived ones are not kept)",
    url_name="rec_inputs_put",
)
def inputs_put(
    request: HttpRequest,
    programme_id: int,
    payload: dict[str, Any] = Body(..., description="Inputs to set; the others follow the derived values"),  # noqa: B008
) -> Any:
    programme = queries.programme_for_design(user=request.user, pk=programme_id)
    return services.programme_inputs_save(actor=request.user, programme=programme, values=payload).to_json()


@router.post(
    "/programmes/{int:programme_id}/recommendations",
    response={201: RecommendationOut},
    summary="Run the published rules on the programme: ranked modalities with their reasons",
    url_name="rec_recommend",
)
def recommend(request: HttpRequest, programme_id: int) -> Any:
    programme = queries.programme_for_design(user=request.user, pk=programme_id)
    rec = services.recommendation_run(actor=request.user, programme=programme)
    return Status(201, _recommendation_out(rec, services.modality_names()))


@router.get(
    "/programmes/{int:programme_id}/recommendations",
    response=list[RecommendationOut],
    summary="The programme's runs, newest first, each with its rule version",
    url_name="rec_recommendation_list",
)
def recommendation_list(request: HttpRequest, programme_id: int) -> Any:
    programme = queries.programme_get(user=request.user, pk=programme_id)
    names = services.modality_names()
    runs = queries.recommendation_list(user=request.user, programme=programme).prefetch_related("ruleset__rules")
    return [_recommendation_out(r, names) for r in runs[:50]]


@router.post(
    "/recommendations/{int:recommendation_id}/choose",
    response=RecommendationOut,
    summary="Record the modality chosen (a reason is required when it is not the top one)",
    url_name="rec_choose",
)
def choose(request: HttpRequest, recommendation_id: int, payload: ChooseIn) -> Any:
    rec = queries.recommendation_get(user=request.user, pk=recommendation_id)
    _require_design(request.user)
    modality = Modality.objects.filter(key=payload.modality).first()
    if modality is None:
        raise ValidationFailed({"modality": [_("Unknown modality “%(key)s”.") % {"key": payload.modality}]})
    rec = services.recommendation_choose(
        actor=request.user, recommendation=rec, modality=modality, override_reason=payload.override_reason
    )
    return _recommendation_out(rec, services.modality_names())
