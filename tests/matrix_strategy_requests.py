"""Authorization matrix rows of the strategy area: objectives and training requests.

Objectives: the L&D team writes, internal clients read the active ones. Requests: the L&D
team sees and triages all; an internal client sees (and edits while submitted, withdraws,
comments) their own; a manager sees the requests made from their needs (none here).
"""

from __future__ import annotations

from typing import Any

from conftest import Cast
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- strategy: objectives ----------------------------------------------------------------------------------
strategy:objective_list             GET    -               302  200 200 200 200 403 403 403 403 403 403 403 403 403
strategy:objective_create           GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:objective_create           POST   req_obj_form    302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:objective_detail           GET    req_obj         302  200 200 200 200 403 403 403 403 403 403 403 403 403
strategy:objective_detail           GET    req_obj_draft   302  200 200 404 404 403 403 403 403 403 403 403 403 403
strategy:objective_detail           GET    req_missing     302  404 404 404 404 403 403 403 403 403 403 403 403 403
strategy:objective_edit             GET    req_obj         302  200 200 403 403 403 403 403 403 403 403 403 403 403
strategy:objective_edit             POST   req_obj         302  302 302 403 403 403 403 403 403 403 403 403 403 403
strategy:objective_edit             GET    req_obj_draft   302  200 200 404 404 403 403 403 403 403 403 403 403 403
# --- strategy: training requests ---------------------------------------------------------------------------
strategy:request_list               GET    -               302  200 200 200 200 200 403 403 403 403 403 403 403 403
strategy:request_create             GET    -               302  200 200 200 200 403 403 403 403 403 403 403 403 403
strategy:request_create             POST   req_form        302  302 302 302 302 403 403 403 403 403 403 403 403 403
strategy:request_detail             GET    req_cla         302  200 200 200 404 404 403 403 403 403 403 403 403 403
strategy:request_detail             GET    req_missing     302  404 404 404 404 404 403 403 403 403 403 403 403 403
strategy:request_edit               GET    req_cla         302  200 200 200 404 404 403 403 403 403 403 403 403 403
strategy:request_edit               POST   req_cla         302  302 302 302 404 404 403 403 403 403 403 403 403 403
strategy:request_edit               GET    req_cla_review  302  200 200 403 404 404 403 403 403 403 403 403 403 403
strategy:request_transition         GET    req_cla         302  405 405 405 405 405 405 405 405 405 405 405 405 405
strategy:request_transition         POST   req_cla         302  302 302 403 404 404 403 403 403 403 403 403 403 403
strategy:request_comment            GET    req_cla         302  405 405 405 405 405 405 405 405 405 405 405 405 405
strategy:request_comment            POST   req_cla         302  302 302 302 404 404 403 403 403 403 403 403 403 403
strategy:request_withdraw           GET    req_cla         302  403 403 200 404 404 403 403 403 403 403 403 403 403
strategy:request_withdraw           POST   req_cla         302  403 403 302 404 404 403 403 403 403 403 403 403 403
strategy:request_attachment         GET    req_att_cla     302  200 200 200 404 404 403 403 403 403 403 403 403 403
strategy:request_attachment         GET    req_att_wrong   302  404 404 404 404 404 403 403 403 403 403 403 403 403
# --- strategy API: objectives and requests -----------------------------------------------------------------
api:strategy_objective_list         GET    -               401  200 200 200 200 403 403 403 403 403 403 403 403 403
api:strategy_objective_detail       GET    api_req_obj     401  200 200 200 200 403 403 403 403 403 403 403 403 403
api:strategy_objective_detail       GET    api_req_draft   401  200 200 404 404 403 403 403 403 403 403 403 403 403
api:strategy_objective_create       POST   api_req_obj_new 401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:strategy_objective_update       PUT    api_req_obj     401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:strategy_request_list           GET    -               401  200 200 200 200 200 403 403 403 403 403 403 403 403
api:strategy_request_create         POST   api_req_new     401  201 201 201 201 403 403 403 403 403 403 403 403 403
api:strategy_request_detail         GET    api_req_cla     401  200 200 200 404 404 403 403 403 403 403 403 403 403
api:strategy_request_transition     POST   api_req_cla     401  200 200 403 404 404 403 403 403 403 403 403 403 403
api:strategy_request_comments       GET    api_req_cla     401  200 200 200 404 404 403 403 403 403 403 403 403 403
api:strategy_request_comment_add    POST   api_req_cla     401  201 201 201 404 404 403 403 403 403 403 403 403 403
api:strategy_request_similar        GET    api_req_cla     401  200 200 403 404 404 403 403 403 403 403 403 403 403
"""
# fmt: on

MATRIX_FILE = "requests/matrix/brief.txt"


def _objective(cast: Cast, status: str = "active") -> Any:
    from pilotage.strategy.services_objectives import objective_create

    return objective_create(actor=cast.dlm, title=f"Matrix objective ({status})", status=status)


def _request_of(cast: Cast, persona: str, *, review: bool = False) -> Any:
    from pilotage.strategy.services_requests import request_create
    from pilotage.strategy.workflow import request_transition

    req = request_create(
        actor=cast.users[persona],
        title="Matrix request",
        business_need="A need only its requester and the L&D team may read.",
        population_description="Sales people",
    )
    if review:
        request_transition(actor=cast.dlm, request=req, to_status="under_review")
    return req


def _attachment(cast: Cast, persona: str) -> Any:
    """An attachment of a request of ``persona``; its file is one small fixed file."""
    from pilotage.strategy.models import RequestAttachment

    if not default_storage.exists(MATRIX_FILE):
        default_storage.save(MATRIX_FILE, ContentFile(b"matrix attachment\n"))
    req = _request_of(cast, persona)
    return RequestAttachment.objects.create(request=req, file=MATRIX_FILE, original_name="brief.txt", size=18)


def _request_form() -> dict[str, Any]:
    return {
        "title": "Prise de parole en public",
        "business_need": "Managers must present results to the board.",
        "population_description": "Managers",
    }


def _objective_form() -> dict[str, Any]:
    return {"title": "Matrix objective (edited)", "weight": "4", "status": "active"}


def _wrong_attachment(cast: Cast) -> Target:
    att = _attachment(cast, "client_a")
    other = _request_of(cast, "client_a")
    return Target(kwargs={"pk": other.pk, "attachment_pk": att.pk})


TARGETS: dict[str, Filler] = {
    "req_obj_form": lambda cast, user: Target(data=_objective_form()),
    "req_obj": lambda cast, user: Target(kwargs={"pk": _objective(cast).pk}, data=_objective_form()),
    "req_obj_draft": lambda cast, user: Target(kwargs={"pk": _objective(cast, "draft").pk}, data=_objective_form()),
    "req_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "req_form": lambda cast, user: Target(data=_request_form()),
    "req_cla": lambda cast, user: Target(
        kwargs={"pk": _request_of(cast, "client_a").pk},
        data={**_request_form(), "to_status": "under_review", "body": "Any news?", "reason": "No budget"},
    ),
    "req_cla_review": lambda cast, user: Target(kwargs={"pk": _request_of(cast, "client_a", review=True).pk}),
    "req_att_cla": lambda cast, user: Target(
        kwargs={"pk": (att := _attachment(cast, "client_a")).request_id, "attachment_pk": att.pk}
    ),
    "req_att_wrong": lambda cast, user: _wrong_attachment(cast),
    "api_req_obj": lambda cast, user: Target(
        kwargs={"objective_id": _objective(cast).pk}, json={"title": "Renamed", "weight": 2}
    ),
    "api_req_draft": lambda cast, user: Target(kwargs={"objective_id": _objective(cast, "draft").pk}),
    "api_req_obj_new": lambda cast, user: Target(json={"title": "Sécurité au travail", "weight": 5}),
    "api_req_new": lambda cast, user: Target(json=_request_form()),
    "api_req_cla": lambda cast, user: Target(
        kwargs={"request_id": _request_of(cast, "client_a").pk},
        json={"to_status": "under_review", "body": "Any news?"},
    ),
}
