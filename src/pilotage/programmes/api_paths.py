"""REST API of the programmes area: learning paths and their steps (mounted under
/api/v1/programmes/ by programmes/api.py). Thin over ``services_paths`` and the scoped selectors:
the L&D team writes, a programme's sponsor reads, anyone else 403/404 as on the web.

    GET/POST     /api/v1/programmes/programmes/{programme_id}/paths
    GET/PATCH/DELETE /api/v1/programmes/paths/{path_id}
    GET/POST     /api/v1/programmes/paths/{path_id}/steps
    POST         /api/v1/programmes/paths/{path_id}/reorder      {"steps": [ids in order]}
    PATCH/DELETE /api/v1/programmes/steps/{step_id}
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.programmes import paths, queries, services_paths
from pilotage.programmes.models import LearningPath, PathStep

router = Router(tags=["learning paths"])


class StepOut(Schema):
    id: int
    uid: uuid.UUID
    path_id: int
    position: int
    kind: str
    title: str
    description: str
    url: str
    duration_minutes: int
    mandatory: bool
    prerequisites: list[int] = Field(description="Ids of the steps of the same path to complete first")
    activity_iri: str = Field(description="xAPI activity id of the step: stable, statements use it as object id")

    @staticmethod
    def resolve_prerequisites(obj: PathStep) -> list[int]:
        return sorted(p.pk for p in obj.prerequisites.all())


class PathOut(Schema):
    id: int
    uid: uuid.UUID
    programme_id: int
    title: str
    description: str
    language: str
    completion_rule: str = Field(description="all_mandatory, n_of_m or min_score")
    completion_count: int | None = Field(description="N for n_of_m")
    completion_min_score: int | None = Field(description="0–100 for min_score")
    completion_text: str = Field(description="The rule in words, in the request's language")
    activity_iri: str
    step_count: int
    total_minutes: int
    mandatory_minutes: int
    warnings: list[str]
    steps: list[StepOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class PathSummaryOut(Schema):
    id: int
    uid: uuid.UUID
    programme_id: int
    title: str
    language: str
    completion_rule: str
    completion_count: int | None
    completion_min_score: int | None
    activity_iri: str
    step_count: int
    total_minutes: int
    mandatory_minutes: int

    @staticmethod
    def resolve_activity_iri(obj: LearningPath) -> str:
        return paths.path_iri(obj.uid)


class PathIn(Schema):
    title: str
    description: str = ""
    language: str = "fr"
    completion_rule: str = LearningPath.CompletionRule.ALL_MANDATORY
    completion_count: int | None = None
    completion_min_score: int | None = None


class PathPatch(Schema):
    title: str | None = None
    description: str | None = None
    language: str | None = None
    completion_rule: str | None = None
    completion_count: int | None = None
    completion_min_score: int | None = None


class StepIn(Schema):
    kind: str = Field(
        description="elearning, virtual_class, in_person, video, document, link, quiz, survey, assignment, peer"
    )
    title: str
    description: str = ""
    url: str = Field("", description="Required for elearning, video, document and link")
    duration_minutes: int = 0
    mandatory: bool = True
    prerequisites: list[int] = Field(default_factory=list)


class StepPatch(Schema):
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    url: str | None = None
    duration_minutes: int | None = None
    mandatory: bool | None = None
    prerequisites: list[int] | None = None


class ReorderIn(Schema):
    steps: list[int] = Field(description="Every step id of the path, once each, in the new order")


def _path_out(path: LearningPath) -> dict[str, Any]:
    steps = list(queries.path_steps(path=path))
    infos = paths.step_infos(steps)
    totals = paths.totals(infos)
    return {
        "id": path.pk,
        "uid": path.uid,
        "programme_id": path.programme_id,
        "title": path.title,
        "description": path.description,
        "language": path.language,
        "completion_rule": path.completion_rule,
        "completion_count": path.completion_count,
        "completion_min_score": path.completion_min_score,
        "completion_text": paths.completion_rule_text(
            path.completion_rule,
            count=path.completion_count,
            min_score=path.completion_min_score,
            total_steps=totals.steps,
        ),
        "activity_iri": paths.path_iri(path.uid),
        "step_count": totals.steps,
        "total_minutes": totals.duration_minutes,
        "mandatory_minutes": totals.mandatory_minutes,
        "warnings": [*paths.rule_warnings(path.completion_rule, infos), *paths.order_warnings(infos)],
        "steps": steps,
        "created_at": path.created_at,
        "updated_at": path.updated_at,
    }


def _step(step: PathStep) -> PathStep:
    """The step again with its prerequisites (one query), for the answer."""
    return PathStep.objects.prefetch_related("prerequisites").get(pk=step.pk)


@router.get(
    "/programmes/{int:programme_id}/paths",
    response=page_schema(PathSummaryOut),
    summary="Learning paths of a programme",
    url_name="programme_path_list",
)
def programme_path_list(
    request: HttpRequest, programme_id: int, limit: int = limit_query(), offset: int = offset_query()
) -> Any:
    programme = queries.programme_get(user=request.user, pk=programme_id)
    return paginate(queries.programme_paths(user=request.user, programme=programme), limit, offset)


@router.post(
    "/programmes/{int:programme_id}/paths",
    response={201: PathOut},
    summary="Create a learning path",
    url_name="programme_path_create",
)
def programme_path_create(request: HttpRequest, programme_id: int, payload: PathIn) -> Any:
    """An empty path; add its steps next. ``n_of_m`` needs steps, so create with another rule
    and PATCH the rule once the steps are there."""
    programme = queries.programme_for_design(user=request.user, pk=programme_id)
    path = services_paths.path_create(actor=request.user, programme=programme, **payload.model_dump())
    return Status(201, _path_out(path))


@router.get("/paths/{int:path_id}", response=PathOut, summary="A learning path with its steps", url_name="path_read")
def path_read(request: HttpRequest, path_id: int) -> Any:
    return _path_out(queries.path_get(user=request.user, pk=path_id))


@router.patch("/paths/{int:path_id}", response=PathOut, summary="Change a learning path", url_name="path_update")
def path_update(request: HttpRequest, path_id: int, payload: PathPatch) -> Any:
    """Only the fields sent change; the completion rule is checked against the steps."""
    path = queries.path_for_design(user=request.user, pk=path_id)
    fields = payload.model_dump(exclude_unset=True)
    path = services_paths.path_update(actor=request.user, path=path, **fields)
    return _path_out(path)


@router.delete("/paths/{int:path_id}", response={204: None}, summary="Delete a learning path", url_name="path_remove")
def path_remove(request: HttpRequest, path_id: int) -> Any:
    services_paths.path_delete(actor=request.user, path=queries.path_for_design(user=request.user, pk=path_id))
    return Status(204, None)


@router.get(
    "/paths/{int:path_id}/steps",
    response=page_schema(StepOut),
    summary="Steps of a path, in order",
    url_name="path_step_list",
)
def path_step_list(request: HttpRequest, path_id: int, limit: int = limit_query(), offset: int = offset_query()) -> Any:
    path = queries.path_get(user=request.user, pk=path_id)
    return paginate(queries.path_steps(path=path), limit, offset)


@router.post(
    "/paths/{int:path_id}/steps", response={201: StepOut}, summary="Add a step at the end", url_name="path_step_create"
)
def path_step_create(request: HttpRequest, path_id: int, payload: StepIn) -> Any:
    path = queries.path_for_design(user=request.user, pk=path_id)
    step = services_paths.step_create(actor=request.user, path=path, **payload.model_dump())
    return Status(201, _step(step))


@router.post(
    "/paths/{int:path_id}/reorder",
    response=list[StepOut],
    summary="Put the steps in a new order",
    url_name="path_steps_reorder",
)
def path_steps_reorder(request: HttpRequest, path_id: int, payload: ReorderIn) -> Any:
    """Send every step id of the path once, in the new order; ids of other paths are refused."""
    path = queries.path_for_design(user=request.user, pk=path_id)
    services_paths.path_reorder(actor=request.user, path=path, step_ids=payload.steps)
    return list(queries.path_steps(path=path))


@router.patch("/steps/{int:step_id}", response=StepOut, summary="Change a step", url_name="path_step_update")
def path_step_update(request: HttpRequest, step_id: int, payload: StepPatch) -> Any:
    """Only the fields sent change. The activity IRI never changes."""
    step = queries.step_for_design(user=request.user, pk=step_id)
    step = services_paths.step_update(actor=request.user, step=step, **payload.model_dump(exclude_unset=True))
    return _step(step)


@router.delete("/steps/{int:step_id}", response={204: None}, summary="Delete a step", url_name="path_step_delete")
def path_step_delete(request: HttpRequest, step_id: int) -> Any:
    services_paths.step_delete(actor=request.user, step=queries.step_for_design(user=request.user, pk=step_id))
    return Status(204, None)
