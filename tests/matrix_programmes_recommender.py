"""Authorization matrix rows of the modality recommender (programmes area).

A programme's recommender page and runs: the L&D team acts, the sponsor (client_a) reads,
another client gets 404, other roles 403. The catalogue: the L&D team. The rules: the L&D
team reads, the DLM edits the draft and publishes it.
"""

from __future__ import annotations

from typing import Any

from conftest import Cast

from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                                  method target           anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- a programme's recommender: the L&D team runs and chooses, the sponsor reads ----------------------------
programmes:programme_recommend          GET    rec_prg_cla      302  200 200 200 404 403 403 403 403 403 403 403 403 403
programmes:programme_recommend          GET    rec_prg_missing  302  404 404 404 404 403 403 403 403 403 403 403 403 403
programmes:programme_recommend          POST   rec_prg_cla      302  302 302 403 404 403 403 403 403 403 403 403 403 403
programmes:recommendation_choose        GET    rec_run_cla      302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:recommendation_choose        POST   rec_run_cla      302  302 302 403 404 403 403 403 403 403 403 403 403 403
# --- the modality catalogue: the L&D team ----------------------------------------------------------------
programmes:modality_list                GET    -                302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:modality_create              GET    -                302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:modality_create              POST   rec_mod_new      302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:modality_edit                GET    rec_mod          302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:modality_edit                POST   rec_mod          302  302 302 403 403 403 403 403 403 403 403 403 403 403
programmes:modality_edit                GET    rec_mod_missing  302  404 404 403 403 403 403 403 403 403 403 403 403 403
# --- the rules: the L&D team reads, the DLM edits a draft and publishes it ---------------------------------
programmes:ruleset_list                 GET    -                302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:ruleset_detail               GET    rec_v1           302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:ruleset_detail               GET    rec_rs_missing   302  404 404 403 403 403 403 403 403 403 403 403 403 403
programmes:ruleset_preview              GET    rec_v1           302  200 200 403 403 403 403 403 403 403 403 403 403 403
programmes:ruleset_draft                GET    -                302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:ruleset_draft                POST   -                302  302 403 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_create                  GET    rec_draft        302  200 403 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_create                  POST   rec_draft        302  302 403 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_create                  GET    rec_rs_missing   302  404 404 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_edit                    GET    rec_rule         302  200 403 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_edit                    POST   rec_rule         302  302 403 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_edit                    GET    rec_rule_missing 302  404 404 403 403 403 403 403 403 403 403 403 403 403
programmes:rule_move                    GET    rec_rule         302  405 405 405 405 405 405 405 405 405 405 405 405 405
programmes:rule_move                    POST   rec_rule         302  302 403 403 403 403 403 403 403 403 403 403 403 403
programmes:ruleset_publish              GET    rec_draft        302  200 403 403 403 403 403 403 403 403 403 403 403 403
programmes:ruleset_publish              POST   rec_draft        302  302 403 403 403 403 403 403 403 403 403 403 403 403
# --- REST API of the recommender ---------------------------------------------------------------------------
api:rec_modality_list                   GET    -                401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:rec_modality_update                 PATCH  rec_api_mod      401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:rec_ruleset_list                    GET    -                401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:rec_ruleset_rules                   GET    rec_api_v1       401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:rec_ruleset_draft                   POST   rec_api_note     401  201 403 403 403 403 403 403 403 403 403 403 403 403
api:rec_rule_create                     POST   rec_api_draft    401  201 403 403 403 403 403 403 403 403 403 403 403 403
api:rec_rule_update                     PUT    rec_api_rule     401  200 403 403 403 403 403 403 403 403 403 403 403 403
api:rec_ruleset_publish                 POST   rec_api_publish  401  200 403 403 403 403 403 403 403 403 403 403 403 403
api:rec_inputs_get                      GET    rec_api_prg_cla  401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:rec_inputs_put                      PUT    rec_api_prg_cla  401  200 200 403 404 403 403 403 403 403 403 403 403 403
api:rec_recommend                       POST   rec_api_prg_cla  401  201 201 403 404 403 403 403 403 403 403 403 403 403
api:rec_recommendation_list             GET    rec_api_prg_cla  401  200 200 200 404 403 403 403 403 403 403 403 403 403
api:rec_choose                          POST   rec_api_run_cla  401  200 200 403 404 403 403 403 403 403 403 403 403 403
"""
# fmt: on

INPUTS = {
    "audience_size": "250",
    "sites": "4",
    "countries": "2",
    "time_zones": "2",
    "device_access": "mixed",
    "lead_time_weeks": "10",
    "content_shelf_life_months": "24",
    "skill_type": "behaviour",
    "practice_need": "high",
    "budget_per_learner": "300",
    "languages": "fr, en",
    "action": "run",
}

RULE = {
    "name": "Night shift",
    "key": "night-shift",
    "condition": '{"all": [{"input": "time_zones", "op": ">=", "value": 2}]}',
    "effects": '{"video": 2}',
    "explanation_en": "Night shifts watch videos.",
    "explanation_fr": "Les équipes de nuit regardent des vidéos.",
    "active": "on",
}


def _programme(cast: Cast) -> Any:
    from pilotage.programmes.models import Programme

    programme, _ = Programme.objects.get_or_create(
        code="REC-MTX", defaults={"title": "Relation client", "sponsor": cast.client_a}
    )
    return programme


def _run(cast: Cast) -> Any:
    from pilotage.programmes import services_recommender as svc

    return svc.recommendation_run(actor=cast.dlm, programme=_programme(cast))


def _draft(cast: Cast) -> Any:
    from pilotage.programmes import services_recommender as svc
    from pilotage.programmes.models import RuleSet

    return RuleSet.objects.filter(status=RuleSet.Status.DRAFT).first() or svc.ruleset_draft_create(
        actor=cast.dlm, note="Matrix"
    )


def _v1() -> Any:
    from pilotage.programmes.models import RuleSet

    return RuleSet.objects.get(version=1)


def _modality() -> Any:
    from pilotage.programmes.models import Modality

    return Modality.objects.get(key="video")


def _modality_form() -> dict[str, Any]:
    m = _modality()
    return {
        "key": m.key,
        "name_en": m.name_en,
        "name_fr": "Capsule vidéo",
        "base_score": "1",
        "position": str(m.position),
        "active": "on",
    }


def _rule_json() -> dict[str, Any]:
    return {
        "key": "night-shift",
        "name": "Night shift",
        "condition": {"all": [{"input": "time_zones", "op": ">=", "value": 2}]},
        "effects": {"video": 2},
        "explanation_en": "Night shifts watch videos.",
        "explanation_fr": "Les équipes de nuit regardent des vidéos.",
    }


def _top(run: Any) -> str:
    return str(run.results[0]["modality"])


TARGETS: dict[str, Filler] = {
    "rec_prg_cla": lambda cast, user: Target(kwargs={"pk": _programme(cast).pk}, data=INPUTS),
    "rec_prg_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "rec_run_cla": lambda cast, user: (
        lambda run: Target(kwargs={"pk": run.pk}, data={"modality": _top(run), "override_reason": ""})
    )(_run(cast)),
    "rec_mod_new": lambda cast, user: Target(
        data={"key": "podcast", "name_en": "Podcast", "name_fr": "Podcast", "base_score": "0", "position": "20"}
    ),
    "rec_mod": lambda cast, user: Target(kwargs={"pk": _modality().pk}, data=_modality_form()),
    "rec_mod_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "rec_v1": lambda cast, user: Target(kwargs={"pk": _v1().pk}),
    "rec_rs_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "rec_draft": lambda cast, user: Target(kwargs={"pk": _draft(cast).pk}, data={**RULE, "note": "Matrix"}),
    "rec_rule": lambda cast, user: (
        lambda rule: Target(
            kwargs={"pk": rule.pk},
            data={
                **RULE,
                "key": rule.key,
                "condition": '{"all": []}',
                "effects": '{"video": 1}',
                "direction": "down",
            },
        )
    )(_draft(cast).rules.order_by("position").first()),
    "rec_rule_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "rec_api_mod": lambda cast, user: Target(kwargs={"modality_id": _modality().pk}, json={"name_fr": "Capsule"}),
    "rec_api_v1": lambda cast, user: Target(kwargs={"ruleset_id": _v1().pk}),
    "rec_api_note": lambda cast, user: Target(json={"note": "Essai"}),
    "rec_api_draft": lambda cast, user: Target(kwargs={"ruleset_id": _draft(cast).pk}, json=_rule_json()),
    "rec_api_rule": lambda cast, user: (
        lambda rule: Target(kwargs={"rule_id": rule.pk}, json={**_rule_json(), "key": rule.key})
    )(_draft(cast).rules.order_by("position").first()),
    "rec_api_publish": lambda cast, user: Target(kwargs={"ruleset_id": _draft(cast).pk}, json={"note": "v2"}),
    "rec_api_prg_cla": lambda cast, user: Target(kwargs={"programme_id": _programme(cast).pk}, json={"sites": 4}),
    "rec_api_run_cla": lambda cast, user: (
        lambda run: Target(kwargs={"recommendation_id": run.pk}, json={"modality": _top(run)})
    )(_run(cast)),
}
