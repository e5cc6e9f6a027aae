"""Authorization matrix rows of learning paths (programmes area, part "paths").

Who: the DLM and the L&D team read and write every path; an internal client reads the paths of
the programmes they sponsor (client_a sponsors the target programme: 200 on reads, 403 on
writes) and gets 404 for the others (client_b); every other role is refused (403).
"""

from __future__ import annotations

from typing import Any

from conftest import Cast

from pilotage.programmes import services_paths
from pilotage.programmes.models import LearningPath, Programme
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- learning paths (web) ------------------------------------------------------------------------------------------
programmes:path_create              GET    pth_prog        302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:path_create              POST   pth_prog        302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:path_detail              GET    pth_path        302  200 200 200 404 403 403 403 403 403 403 403 403 403
programmes:path_detail              GET    pth_missing     302  404 404 404 404 403 403 403 403 403 403 403 403 403
programmes:path_edit                GET    pth_path        302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:path_edit                POST   pth_path        302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:path_delete              GET    pth_path        302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:path_delete              POST   pth_path        302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:path_preview             GET    pth_path        302  200 200 200 404 403 403 403 403 403 403 403 403 403
programmes:path_reorder             GET    pth_path        302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:path_reorder             POST   pth_reorder     302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:step_create              GET    pth_steps       302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:step_create              POST   pth_steps       302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:step_edit                GET    pth_step        302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:step_edit                POST   pth_step        302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:step_edit                GET    pth_step_miss   302  404 404 404 404 403 403 403 403 403 403 403 403 403
programmes:step_delete              GET    pth_step        302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:step_delete              POST   pth_step        302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:step_move                GET    pth_move        302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:step_move                POST   pth_move        302  302 302 403 404 403 403 403 403 403 403 403 403 403
# --- learning paths (API) ------------------------------------------------------------------------------------------
api:programme_path_list             GET    pth_api_prog    401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:programme_path_create           POST   pth_api_new     401  201 201 403 404 403 403 403 403 403 403 403 403 403
api:path_read                       GET    pth_api_path    401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:path_update                     PATCH  pth_api_patch   401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:path_remove                     DELETE pth_api_path    401  204 204 403 404 403 403 403 403 403 403 403 403 403
api:path_step_list                  GET    pth_api_path    401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:path_step_create                POST   pth_api_step_new 401 201 201 403 404 403 403 403 403 403 403 403 403 403
api:path_steps_reorder              POST   pth_api_reorder 401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:path_step_update                PATCH  pth_api_step    401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:path_step_delete                DELETE pth_api_step    401  204 204 403 404 403 403 403 403 403 403 403 403 403
"""
# fmt: on


def _programme(cast: Cast) -> Programme:
    """A programme sponsored by client_a (unit A): client_b's is out of scope."""
    return Programme.objects.create(code="MTX-PTH", title="Matrix programme", sponsor=cast.client_a)


def _path(cast: Cast) -> LearningPath:
    path = services_paths.path_create(actor="matrix", programme=_programme(cast), title="Matrix path")
    first = services_paths.step_create(
        actor="matrix", path=path, kind="elearning", title="Module", url="https://lms.example/m", duration_minutes=30
    )
    services_paths.step_create(actor="matrix", path=path, kind="quiz", title="Quiz", prerequisites=[first.pk])
    return path


def _steps(cast: Cast) -> list[int]:
    return list(_path(cast).steps.order_by("position").values_list("pk", flat=True))


_PATH_FORM = {"title": "Renamed path", "language": "fr", "completion_rule": "all_mandatory"}
_STEP_FORM = {"kind": "quiz", "title": "Quiz final", "duration_minutes": "10", "mandatory": "on"}


def _reorder(cast: Cast, user: Any) -> Target:
    ids = _steps(cast)
    path_pk = LearningPath.objects.get(steps__pk=ids[0]).pk
    return Target(kwargs={"pk": path_pk}, data={"step": list(reversed(ids))})


def _api_reorder(cast: Cast, user: Any) -> Target:
    ids = _steps(cast)
    path_pk = LearningPath.objects.get(steps__pk=ids[0]).pk
    return Target(kwargs={"path_id": path_pk}, json={"steps": list(reversed(ids))})


TARGETS: dict[str, Filler] = {
    "pth_prog": lambda cast, user: Target(kwargs={"programme_pk": _programme(cast).pk}, data=_PATH_FORM),
    "pth_path": lambda cast, user: Target(kwargs={"pk": _path(cast).pk}, data=_PATH_FORM),
    "pth_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "pth_reorder": _reorder,
    "pth_steps": lambda cast, user: Target(kwargs={"path_pk": _path(cast).pk}, data=_STEP_FORM),
    "pth_step": lambda cast, user: Target(kwargs={"pk": _steps(cast)[1]}, data=_STEP_FORM),
    "pth_step_miss": lambda cast, user: Target(kwargs={"pk": 987654}),
    "pth_move": lambda cast, user: Target(kwargs={"pk": _steps(cast)[1], "direction": "up"}),
    "pth_api_prog": lambda cast, user: Target(kwargs={"programme_id": _programme(cast).pk}),
    "pth_api_new": lambda cast, user: Target(
        kwargs={"programme_id": _programme(cast).pk}, json={"title": "API path", "completion_rule": "all_mandatory"}
    ),
    "pth_api_path": lambda cast, user: Target(kwargs={"path_id": _path(cast).pk}),
    "pth_api_patch": lambda cast, user: Target(kwargs={"path_id": _path(cast).pk}, json={"title": "Renamed"}),
    "pth_api_step_new": lambda cast, user: Target(
        kwargs={"path_id": _path(cast).pk}, json={"kind": "quiz", "title": "Quiz final", "duration_minutes": 10}
    ),
    "pth_api_reorder": _api_reorder,
    "pth_api_step": lambda cast, user: Target(kwargs={"step_id": _steps(cast)[1]}, json={"title": "Quiz renamed"}),
}
