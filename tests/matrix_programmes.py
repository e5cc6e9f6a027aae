"""Authorization matrix rows of programmes, the skills framework, the roadmap and the annual plan.

The L&D team (dlm, ld) does everything; an internal client reads the programmes they sponsor
(client_a sponsors the target programme: 200 to read, 403 to change; client_b: 404) and the
roadmap of those; every other role is refused (403).
"""

from __future__ import annotations

from typing import Any

from conftest import Cast

from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                                 method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- programmes -----------------------------------------------------------------------------------------------------
programmes:programme_list              GET    -               302  200 200 200 200 403 403 403 403 403 403 403 403 403
programmes:programme_create            GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:programme_create            POST   prg_form        302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:programme_detail            GET    prg_cla         302  200 200 200 404 403 403 403 403 403 403 403 403 403
programmes:programme_detail            GET    prg_missing     302  404 404 404 404 403 403 403 403 403 403 403 403 403
programmes:programme_edit              GET    prg_cla         302  200 200 403 404 403 403 403 403 403 403 403 403 403
programmes:programme_edit              POST   prg_cla         302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:programme_transition        GET    prg_cla         302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:programme_transition        POST   prg_cla         302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:programme_headcount         GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:from_request                GET    prg_req_cla     302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:from_request                POST   prg_req_cla     302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:from_request                GET    prg_missing_req 302  404 404 403 403 403 403 403 403 403 403 403 403 403
# --- skills framework: the L&D team ------------------------------------------------------------------------------
programmes:skill_framework             GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:domain_create               GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:domain_create               POST   prg_dom_form    302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:domain_edit                 GET    prg_domain      302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:domain_edit                 POST   prg_domain      302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:domain_edit                 GET    prg_missing     302  404 404 403 403 403 403 403 403 403 403 403 403 403
programmes:domain_delete               GET    prg_domain      302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:domain_delete               POST   prg_domain      302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:skill_create                GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:skill_create                POST   prg_skill_form  302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:skill_edit                  GET    prg_skill       302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:skill_edit                  POST   prg_skill       302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:skill_delete                GET    prg_skill       302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:skill_delete                POST   prg_skill       302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:level_create                GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:level_create                POST   prg_level_form  302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:level_edit                  GET    prg_level       302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:level_edit                  POST   prg_level       302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:level_delete                GET    prg_level       302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:level_delete                POST   prg_level       302  302 302 403 403 403 403 403 403 403 403 403 403 403
# --- roadmap (sponsors see theirs) and annual plan (the L&D team) -------------------------------------------------
programmes:roadmap                     GET    -               302  200 200 200 200 403 403 403 403 403 403 403 403 403
programmes:annual_plan                 GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:annual_plan_xlsx            GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:annual_plan_pdf             GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
# --- API ----------------------------------------------------------------------------------------------------------
api:programme_list                     GET    -               401  200 200 200 200 403 403 403 403 403 403 403 403 403
api:programme_create                   POST   prg_api_new     401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:programme_detail                   GET    prg_api_cla     401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:programme_update                   PATCH  prg_api_cla     401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:programme_transition               POST   prg_api_move    401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:programme_competencies             GET    prg_api_cla     401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:programme_competencies_set         PUT    prg_api_comp    401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:programme_from_request             POST   prg_api_req     401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:skill_domain_list                  GET    -               401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:skill_domain_create                POST   prg_api_dom     401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:skill_list                         GET    -               401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:skill_create                       POST   prg_api_skill   401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:proficiency_level_list             GET    -               401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:proficiency_level_create           POST   prg_api_level   401  201 201 403 403 403 403 403 403 403 403 403 403 403
api:annual_plan_xlsx                   GET    prg_api_year    401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:annual_plan_pdf                    GET    prg_api_year    401  200 200 403 403 403 403 403 403 403 403 403 403 403
"""
# fmt: on


def _programme(cast: Cast) -> Any:
    """A programme sponsored by client_a (read by client_a, out of client_b's scope)."""
    from pilotage.programmes.services_programmes import programme_create

    return programme_create(actor="system", title="Matrix programme", sponsor=cast.client_a)


def _request(cast: Cast) -> Any:
    from pilotage.strategy.models import TrainingRequest

    return TrainingRequest.objects.create(
        reference="MTX-PRG-1", title="Matrix request", business_need="A need", requester=cast.client_a
    )


def _domain() -> Any:
    from pilotage.programmes.models import SkillDomain

    return SkillDomain.objects.get_or_create(name="Matrix domain")[0]


def _skill() -> Any:
    from pilotage.programmes.models import Skill

    return Skill.objects.create(domain=_domain(), name="Matrix skill")


def _level() -> Any:
    from pilotage.programmes.models import ProficiencyLevel

    return ProficiencyLevel.objects.create(rank=9, name_en="Matrix", name_fr="Matrice")


_FORMSET = {"comp-TOTAL_FORMS": "0", "comp-INITIAL_FORMS": "0", "comp-MIN_NUM_FORMS": "0", "comp-MAX_NUM_FORMS": "60"}

TARGETS: dict[str, Filler] = {
    "prg_form": lambda cast, user: Target(data={"title": "Matrix", **_FORMSET}),
    "prg_cla": lambda cast, user: Target(
        kwargs={"pk": _programme(cast).pk}, data={"title": "Renamed", "to_status": "design", **_FORMSET}
    ),
    "prg_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "prg_req_cla": lambda cast, user: Target(
        kwargs={"request_pk": _request(cast).pk}, data={"mode": "new", "reason": "Matrix", "new-title": "From request"}
    ),
    "prg_missing_req": lambda cast, user: Target(kwargs={"request_pk": 987654}),
    "prg_dom_form": lambda cast, user: Target(data={"name": "Matrix new domain"}),
    "prg_domain": lambda cast, user: Target(kwargs={"pk": _domain().pk}, data={"name": "Matrix renamed"}),
    "prg_skill_form": lambda cast, user: Target(data={"domain": _domain().pk, "name": "Matrix new skill"}),
    "prg_skill": lambda cast, user: Target(
        kwargs={"pk": _skill().pk}, data={"domain": _domain().pk, "name": "Renamed"}
    ),
    "prg_level_form": lambda cast, user: Target(data={"rank": 8, "name_en": "Eight", "name_fr": "Huit"}),
    "prg_level": lambda cast, user: Target(
        kwargs={"pk": _level().pk}, data={"rank": 10, "name_en": "Ten", "name_fr": "Dix"}
    ),
    "prg_api_new": lambda cast, user: Target(json={"title": "Matrix API programme"}),
    "prg_api_cla": lambda cast, user: Target(kwargs={"programme_id": _programme(cast).pk}, json={"title": "Renamed"}),
    "prg_api_move": lambda cast, user: Target(
        kwargs={"programme_id": _programme(cast).pk}, json={"to_status": "design"}
    ),
    "prg_api_comp": lambda cast, user: Target(kwargs={"programme_id": _programme(cast).pk}, json=[]),
    "prg_api_req": lambda cast, user: Target(
        kwargs={"request_id": _request(cast).pk}, json={"reason": "Matrix", "new_programme": {}}
    ),
    "prg_api_dom": lambda cast, user: Target(json={"name": "Matrix API domain"}),
    "prg_api_skill": lambda cast, user: Target(json={"domain_id": _domain().pk, "name": "Matrix API skill"}),
    "prg_api_level": lambda cast, user: Target(json={"rank": 11, "name_en": "Eleven", "name_fr": "Onze"}),
    "prg_api_year": lambda cast, user: Target(kwargs={"year": 2027}),
}
