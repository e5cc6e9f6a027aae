"""The modality recommender: input validation naming the field, rule validation naming the
JSON path, the engine (operators, ties, inactive rules), inputs derived from the programme's
audiences, the versioned rule base (draft, publish, frozen versions, a run keeps its
version), the choice with its override reason, audit and nothing half-written."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace as NS
from typing import Any

import pytest
from django.utils import timezone, translation

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.people.audiences import audience_create
from pilotage.people.models import Employee, JobRole
from pilotage.programmes import demo_recommender, recommender
from pilotage.programmes import services_recommender as svc
from pilotage.programmes.models import Modality, Programme, Recommendation, Rule, RuleSet
from pilotage.programmes.recommender import DesignInputs, condition_errors, effects_errors, recommend
from pilotage.strategy.models import TrainingRequest

_codes = iter(range(1, 10_000))


def make_programme(**kw: Any) -> Programme:
    n = next(_codes)
    return Programme.objects.create(code=kw.pop("code", f"REC-{n:03d}"), title=kw.pop("title", f"Programme {n}"), **kw)


def _subtree(unit: Any) -> dict[str, Any]:
    return {"op": "and", "rules": [{"field": "org_unit", "operator": "in_subtree", "value": [unit.pk]}]}


def published() -> RuleSet:
    return RuleSet.objects.get(status=RuleSet.Status.PUBLISHED)


def rule_kwargs(**kw: Any) -> dict[str, Any]:
    return {
        "key": "night-shift",
        "name": "Night shift",
        "condition": {"all": [{"input": "time_zones", "op": ">=", "value": 2}]},
        "effects": {"video": 3},
        "explanation_en": "Night shifts watch videos.",
        "explanation_fr": "Les équipes de nuit regardent des vidéos.",
        "active": True,
        **kw,
    }


# --- inputs ----------------------------------------------------------------------------------------


def test_inputs_default_and_round_trip() -> None:
    inputs = DesignInputs.from_dict({"audience_size": "120", "languages": "FR, en", "budget_per_learner": "49,5"})
    assert inputs.audience_size == 120
    assert inputs.languages == ("fr", "en")
    assert inputs.language_count == 2
    assert inputs.budget_per_learner == 49.5
    assert inputs.lead_time_weeks is None
    assert DesignInputs.from_dict(inputs.to_dict()) == inputs


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"audience_size": -3}, "audience_size", "0 or more"),
        ({"audience_size": "many"}, "audience_size", "whole number"),
        ({"audience_size": True}, "audience_size", "whole number"),
        ({"device_access": "laptop"}, "device_access", "desk, deskless, mobile_only, mixed"),
        ({"skill_type": "Knowledge"}, "skill_type", "knowledge, procedure"),
        ({"practice_need": "lots"}, "practice_need", "none, some, high"),
        ({"content_shelf_life_months": 0}, "content_shelf_life_months", "1 or more"),
        ({"budget_per_learner": "cheap"}, "budget_per_learner", "amount in euros"),
        ({"budget_per_learner": -1}, "budget_per_learner", "0 or more"),
        ({"languages": []}, "languages", "at least one language"),
        ({"languages": ["français"]}, "languages", "not a language code"),
        ({"attendance_proof": "maybe"}, "attendance_proof", "true or false"),
        ({"sites": None}, "sites", "required"),
        ({"headcount": 3}, "headcount", "Unknown input"),
    ],
)
def test_bad_inputs_are_refused_naming_the_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        DesignInputs.from_dict(data)
    assert field in exc.value.errors
    assert words in exc.value.errors[field][0]


def test_every_bad_input_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        DesignInputs.from_dict({"audience_size": -1, "skill_type": "x", "languages": []})
    assert set(exc.value.errors) == {"audience_size", "skill_type", "languages"}


# --- rule validation ----------------------------------------------------------------------------------

KEYS = ["elearning", "video"]


@pytest.mark.parametrize(
    ("condition", "path", "words"),
    [
        ({"all": [{"input": "size", "op": ">", "value": 1}]}, "condition.all[0].input", "Unknown input “size”"),
        (
            {"all": [{"input": "sites", "op": ">", "value": 1}, {"input": "sites", "op": "=>", "value": 1}]},
            "condition.all[1].op",
            "Unknown operator “=>”",
        ),
        ({"any": [{"input": "sites", "op": ">", "value": "many"}]}, "condition.any[0].value", "is a number"),
        ({"all": [{"input": "skill_type", "op": "==", "value": "skills"}]}, "condition.all[0].value", "not a value"),
        ({"all": [{"input": "skill_type", "op": "<", "value": "behaviour"}]}, "condition.all[0].op", "is a choice"),
        (
            {"all": [{"input": "device_access", "op": "in", "value": "desk"}]},
            "condition.all[0].value",
            "non-empty list",
        ),
        ({"all": [{"input": "sites", "op": "contains", "value": 1}]}, "condition.all[0].op", "only applies to a list"),
        ({"all": [{"input": "languages", "op": "==", "value": "fr"}]}, "condition.all[0].op", "contains"),
        ({"all": [{"input": "attendance_proof", "op": ">", "value": True}]}, "condition.all[0].value", "true or false"),
        ({"all": [{"input": "sites", "op": ">"}]}, "condition.all[0].value", "needs a value"),
        ({"all": [{"input": "sites", "op": ">", "value": 1, "weight": 2}]}, "condition.all[0].weight", "Unexpected"),
        ({"all": [{"any": [{"input": "sites", "op": "?", "value": 1}]}]}, "condition.all[0].any[0].op", "Unknown"),
        ({"all": "sites > 1"}, "condition.all", "must hold a list"),
        ({"when": []}, "condition", "single key"),
        ([], "condition", "single key"),
    ],
)
def test_bad_conditions_name_their_json_path(condition: Any, path: str, words: str) -> None:
    errors = condition_errors(condition)
    assert path in errors, errors
    assert words in errors[path][0]


def test_valid_conditions_have_no_error() -> None:
    assert condition_errors({"all": []}) == {}
    assert (
        condition_errors(
            {
                "any": [
                    {"input": "device_access", "op": "in", "value": ["deskless", "mobile_only"]},
                    {"all": [{"input": "languages", "op": "contains", "value": "en"}]},
                    {"input": "attendance_proof", "op": "==", "value": True},
                    {"input": "budget_per_learner", "op": "<", "value": 49.5},
                ]
            }
        )
        == {}
    )


@pytest.mark.parametrize(
    ("effects", "path", "words"),
    [
        ({"e_learning": 2}, "effects.e_learning", "Unknown modality “e_learning”"),
        ({"video": 0}, "effects.video", "not 0"),
        ({"video": 2.5}, "effects.video", "whole number"),
        ({"video": 99}, "effects.video", "between -20 and 20"),
        ({}, "effects", "JSON object"),
        ([1], "effects", "JSON object"),
    ],
)
def test_bad_effects_name_their_json_path(effects: Any, path: str, words: str) -> None:
    errors = effects_errors(effects, KEYS)
    assert path in errors
    assert words in errors[path][0]


# --- the engine --------------------------------------------------------------------------------------


def _rule(key: str, condition: Any, effects: dict[str, int], active: bool = True) -> Any:
    return NS(
        key=key,
        name=key,
        condition=condition,
        effects=effects,
        explanation_en=f"{key}.",
        explanation_fr="",
        active=active,
    )


MODS = [NS(key="a", base_score=0, active=True), NS(key="b", base_score=0, active=True)]


def test_ties_go_to_the_catalogue_order_and_inactive_things_are_skipped() -> None:
    inputs = DesignInputs(audience_size=10)
    assert [r.modality for r in recommend(inputs, [], MODS)] == ["a", "b"]
    reversed_catalogue = list(reversed(MODS))
    assert [r.modality for r in recommend(inputs, [], reversed_catalogue)] == ["b", "a"]
    rules = [
        _rule("off", {"all": []}, {"b": 5}, active=False),
        _rule("ghost", {"all": []}, {"zzz": 5}),  # a modality not in the catalogue: ignored
    ]
    ranked = recommend(inputs, rules, [*MODS, NS(key="c", base_score=9, active=False)])
    assert [(r.modality, r.score, r.fired) for r in ranked] == [("a", 0, []), ("b", 0, [])]


@pytest.mark.parametrize(
    ("clause", "holds"),
    [
        ({"input": "audience_size", "op": ">=", "value": 100}, True),
        ({"input": "audience_size", "op": ">", "value": 100}, False),
        ({"input": "audience_size", "op": "<=", "value": 100}, True),
        ({"input": "audience_size", "op": "<", "value": 100}, False),
        ({"input": "audience_size", "op": "==", "value": 100}, True),
        ({"input": "device_access", "op": "!=", "value": "desk"}, True),
        ({"input": "device_access", "op": "in", "value": ["deskless", "mixed"]}, True),
        ({"input": "languages", "op": "contains", "value": "nl"}, True),
        ({"input": "languages", "op": "contains", "value": "de"}, False),
        ({"input": "language_count", "op": ">=", "value": 2}, True),
        ({"input": "budget_per_learner", "op": "<", "value": 50}, False),  # unknown budget: no guess
        ({"input": "budget_per_learner", "op": ">=", "value": 0}, False),
    ],
)
def test_operators(clause: dict[str, Any], holds: bool) -> None:
    inputs = DesignInputs(audience_size=100, device_access="deskless", languages=("fr", "nl"))
    assert recommender.condition_holds({"all": [clause]}, inputs) is holds


def test_any_and_nested_groups() -> None:
    inputs = DesignInputs(audience_size=5, sites=1)
    cond = {
        "any": [
            {"input": "sites", "op": ">", "value": 3},
            {"all": [{"input": "audience_size", "op": "<", "value": 10}]},
        ]
    }
    assert recommender.condition_holds(cond, inputs)
    assert not recommender.condition_holds({"any": []}, inputs)
    assert recommender.condition_holds({"all": []}, inputs)


def test_fired_rules_add_up_and_explain() -> None:
    rules = [
        _rule("big", {"all": [{"input": "audience_size", "op": ">=", "value": 1000}]}, {"b": 3, "a": -1}),
        _rule("never", {"all": [{"input": "sites", "op": ">", "value": 99}]}, {"a": 10}),
    ]
    ranked = recommend(DesignInputs(audience_size=2000), rules, MODS)
    assert [(r.modality, r.score) for r in ranked] == [("b", 3), ("a", -1)]
    assert [(f.rule, f.points) for f in ranked[0].fired] == [("big", 3)]
    assert ranked[0].to_json() == {"modality": "b", "score": 3, "base_score": 0, "rules": ["big"], "points": {"big": 3}}


def test_the_summary_speaks_french_too(db: Any) -> None:
    ruleset = published()
    inputs = DesignInputs(audience_size=4000, sites=12, device_access="deskless", lead_time_weeks=10)
    ranked = svc.run_rules(inputs, ruleset)
    with translation.override("fr"):
        sentence = recommender.summarise(inputs, ranked, svc.modality_names())
    assert "Micro-learning / mobile" in sentence
    assert "collaborateurs sans poste de bureau" in sentence  # the rule's French explanation


def test_the_condition_in_words() -> None:
    text = recommender.describe_condition(
        {
            "all": [
                {"input": "audience_size", "op": ">=", "value": 1000},
                {"input": "device_access", "op": "in", "value": ["deskless", "mobile_only"]},
            ]
        }
    )
    assert text == "audience size ≥ 1000 and device access is one of deskless, mobile only"


# --- inputs derived from the programme ----------------------------------------------------------------


def test_deskless_heuristic() -> None:
    assert svc.is_deskless("ouvrier", "")
    assert svc.is_deskless("non-cadre", "Production")
    assert svc.is_deskless("agent de maîtrise", "Logistique")
    assert not svc.is_deskless("cadre", "Production")  # the methods engineer has a desk
    assert not svc.is_deskless("non-cadre", "Ventes")
    assert not svc.is_deskless(None, None)


def test_inputs_are_derived_from_audiences_dates_budget_and_requests(cast: Any) -> None:
    # The cast: technicians of unit B in Montréal (one inactive, in Lyon), salespeople in Paris/Lyon.
    Employee.objects.filter(job_role=cast.role_tech).update(attributes={"collar": "non-cadre"})
    everyone = audience_create(actor=cast.dlm, name="Tout le monde", rules=_subtree(cast.root))
    programme = make_programme(
        planned_start=timezone.localdate() + dt.timedelta(weeks=10, days=3), budget_estimate=Decimal("700")
    )
    programme.audiences.add(everyone)
    state = svc.programme_inputs(programme)
    values = state.values
    active = Employee.objects.filter(active=True)
    assert values.audience_size == active.count() == 7
    assert values.sites == 3 and values.countries == 2 and values.time_zones == 2
    assert values.languages == ("fr", "en")  # most spoken first
    assert values.device_access == "desk"  # 2 technicians of 7 work without a desk: under 30 %
    assert values.lead_time_weeks == 10
    assert values.budget_per_learner == 100.0
    assert state.edited == {}
    assert "1 target audience" in state.sources["audience_size"]
    JobRole.objects.filter(pk=cast.role_sales.pk).update(family="Production")
    assert svc.programme_inputs(programme).values.device_access == "deskless"  # 6 of 7 now

    programme.planned_start = timezone.localdate() - dt.timedelta(days=30)  # already started: no false urgency
    assert svc.programme_inputs(programme).values.lead_time_weeks is None

    request = TrainingRequest.objects.create(
        reference="DEM-T001",
        title="Habilitation électrique",
        business_need="Obligation réglementaire",
        requester=cast.client_b,
        headcount=40,
        legal_obligation=True,
    )
    alone = make_programme()
    alone.requests.add(request)
    values = svc.programme_inputs(alone).values
    assert values.audience_size == 40 and values.skill_type == "compliance" and values.attendance_proof


def test_edited_inputs_replace_derived_ones_until_reset(cast: Any) -> None:
    programme = make_programme(budget_estimate=Decimal("1000"))
    state = svc.programme_inputs_save(
        actor=cast.ld,
        programme=programme,
        values={"audience_size": 0, "skill_type": "behaviour", "device_access": "mobile_only"},
    )
    # audience_size 0 is the derived value (no audience): not stored as an edit.
    assert set(state.edited) == {"skill_type", "device_access"}
    assert Programme.objects.get(pk=programme.pk).design_inputs == {
        "skill_type": "behaviour",
        "device_access": "mobile_only",
    }
    assert state.values.skill_type == "behaviour"
    assert AuditEvent.objects.filter(action="programme.recommender_inputs", object_id=str(programme.pk)).exists()
    state = svc.programme_inputs_save(actor=cast.ld, programme=programme, values={})
    assert state.edited == {} and state.values.skill_type == "knowledge"


def test_bad_inputs_change_nothing(cast: Any) -> None:
    programme = make_programme(design_inputs={"skill_type": "procedure"})
    with pytest.raises(ValidationFailed) as exc:
        svc.programme_inputs_save(actor=cast.dlm, programme=programme, values={"skill_type": "x", "sites": 3})
    assert "skill_type" in exc.value.errors
    assert Programme.objects.get(pk=programme.pk).design_inputs == {"skill_type": "procedure"}


def test_stale_stored_inputs_are_ignored(db: Any) -> None:
    programme = make_programme(design_inputs={"skill_type": "nonsense", "sites": 4, "old": 1})
    state = svc.programme_inputs(programme)
    assert state.edited == {"sites": 4}
    assert state.values.skill_type == "knowledge"


def test_only_the_ld_team_edits_inputs_and_runs(cast: Any) -> None:
    programme = make_programme()
    with pytest.raises(PermissionDenied):
        svc.programme_inputs_save(actor=cast.client_a, programme=programme, values={})
    with pytest.raises(PermissionDenied):
        svc.recommendation_run(actor=cast.client_a, programme=programme)


# --- runs and choices ---------------------------------------------------------------------------------


def test_a_run_keeps_inputs_results_and_version(cast: Any) -> None:
    programme = make_programme(design_inputs={"audience_size": 4000, "sites": 12, "device_access": "deskless"})
    rec = svc.recommendation_run(actor=cast.dlm, programme=programme)
    assert rec.ruleset == published()
    assert rec.inputs["audience_size"] == 4000
    assert rec.results[0]["modality"] == "micro_learning"
    assert "deskless" in rec.results[0]["rules"]
    assert len(rec.results) == Modality.objects.filter(active=True).count()
    assert svc.recommendation_summary(rec).startswith("4,000 deskless employees on 12 sites → Micro-learning")
    assert AuditEvent.objects.filter(action="programme.recommendation_run", object_id=str(programme.pk)).exists()


def test_choosing_the_top_needs_no_reason(cast: Any) -> None:
    programme = make_programme(design_inputs={"audience_size": 4000, "device_access": "deskless"})
    rec = svc.recommendation_run(actor=cast.ld, programme=programme)
    top = Modality.objects.get(key=rec.results[0]["modality"])
    svc.recommendation_choose(actor=cast.ld, recommendation=rec, modality=top, override_reason="  ")
    rec.refresh_from_db()
    programme.refresh_from_db()
    assert rec.chosen_modality == top and rec.chosen_by == cast.ld and rec.chosen_at is not None
    assert rec.override_reason == ""
    assert programme.chosen_modality == top
    event = AuditEvent.objects.get(action="programme.modality_choose", object_id=str(programme.pk))
    assert event.changes["ruleset"] == 1 and event.changes["recommended"] == top.key


def test_overriding_needs_a_reason(cast: Any) -> None:
    programme = make_programme(design_inputs={"audience_size": 4000, "device_access": "deskless"})
    rec = svc.recommendation_run(actor=cast.dlm, programme=programme)
    other = Modality.objects.get(key="in_person")
    with pytest.raises(ValidationFailed) as exc:
        svc.recommendation_choose(actor=cast.dlm, recommendation=rec, modality=other)
    message = exc.value.errors["override_reason"][0]
    assert "In-person workshop" in message and "Micro-learning / mobile" in message and "v1" in message
    programme.refresh_from_db()
    assert programme.chosen_modality is None  # nothing half-written
    svc.recommendation_choose(
        actor=cast.dlm, recommendation=rec, modality=other, override_reason="Les sites ont des salles et des tuteurs."
    )
    rec.refresh_from_db()
    assert rec.override_reason == "Les sites ont des salles et des tuteurs."
    assert Programme.objects.get(pk=programme.pk).chosen_modality == other


def test_inactive_modalities_cannot_be_chosen_or_recommended(cast: Any) -> None:
    programme = make_programme()
    Modality.objects.filter(key="coaching").update(active=False)
    rec = svc.recommendation_run(actor=cast.dlm, programme=programme)
    assert "coaching" not in [r["modality"] for r in rec.results]
    with pytest.raises(ValidationFailed) as exc:
        svc.recommendation_choose(
            actor=cast.dlm, recommendation=rec, modality=Modality.objects.get(key="coaching"), override_reason="x"
        )
    assert "modality" in exc.value.errors


def test_no_published_rules_no_run(cast: Any) -> None:
    RuleSet.objects.update(status=RuleSet.Status.RETIRED)
    with pytest.raises(ValidationFailed) as exc:
        svc.recommendation_run(actor=cast.dlm, programme=make_programme())
    assert "publish" in exc.value.message
    assert not Recommendation.objects.exists()


# --- versions ----------------------------------------------------------------------------------------


def test_a_draft_copies_the_published_rules_and_only_one_draft_exists(cast: Any) -> None:
    v1 = published()
    draft = svc.ruleset_draft_create(actor=cast.dlm, note="Essai")
    assert draft.version == 2 and draft.status == RuleSet.Status.DRAFT
    assert list(draft.rules.values_list("key", "effects")) == list(v1.rules.values_list("key", "effects"))
    with pytest.raises(ValidationFailed) as exc:
        svc.ruleset_draft_create(actor=cast.dlm)
    assert "Draft v2 already exists" in exc.value.message
    with pytest.raises(PermissionDenied):
        svc.ruleset_draft_create(actor=cast.ld)


def test_published_rules_are_frozen(cast: Any) -> None:
    v1 = published()
    rule = v1.rules.first()
    assert rule is not None
    with pytest.raises(ValidationFailed) as exc:
        svc.rule_update(actor=cast.dlm, rule=rule, **rule_kwargs(active=True))
    assert "frozen" in exc.value.message
    with pytest.raises(ValidationFailed):
        svc.rule_create(actor=cast.dlm, ruleset=v1, **rule_kwargs())
    with pytest.raises(ValidationFailed):
        svc.ruleset_publish(actor=cast.dlm, ruleset=v1, note="again")


def test_rule_edits_are_validated_with_json_paths_and_audited(cast: Any) -> None:
    draft = svc.ruleset_draft_create(actor=cast.dlm)
    with pytest.raises(ValidationFailed) as exc:
        svc.rule_create(
            actor=cast.dlm,
            ruleset=draft,
            **rule_kwargs(
                key="deskless",  # taken (copied from v1)
                condition={
                    "all": [{"input": "sites", "op": ">", "value": 1}, {"input": "sites", "op": "≥", "value": 1}]
                },
                effects={"videos": 2},
                explanation_fr="",
            ),
        )
    errors = exc.value.errors
    assert "already has the key “deskless”" in errors["key"][0]
    assert "condition.all[1].op" in errors and "effects.videos" in errors and "explanation_fr" in errors
    assert not draft.rules.filter(name="Night shift").exists()

    rule = svc.rule_create(actor=cast.dlm, ruleset=draft, **rule_kwargs())
    assert draft.rules.order_by("position", "id").last() == rule
    rule = svc.rule_update(actor=cast.dlm, rule=rule, **rule_kwargs(name="Nuit", active=False))
    assert rule.name == "Nuit" and not rule.active
    assert AuditEvent.objects.filter(action="rule.update", object_id=str(rule.pk)).exists()
    with pytest.raises(PermissionDenied):
        svc.rule_update(actor=cast.ld, rule=rule, **rule_kwargs())


def test_rules_move_up_and_down(cast: Any) -> None:
    draft = svc.ruleset_draft_create(actor=cast.dlm)
    first, second = list(draft.rules.order_by("position"))[:2]
    svc.rule_move(actor=cast.dlm, rule=second, direction="up")
    assert list(draft.rules.order_by("position").values_list("pk", flat=True))[:2] == [second.pk, first.pk]
    svc.rule_move(actor=cast.dlm, rule=second, direction="up")  # already first: stays
    assert draft.rules.order_by("position").first() == second
    with pytest.raises(ValidationFailed):
        svc.rule_move(actor=cast.dlm, rule=second, direction="sideways")


def test_publishing_retires_the_previous_version_and_runs_keep_theirs(cast: Any) -> None:
    programme = make_programme(design_inputs={"audience_size": 4000, "device_access": "deskless"})
    old_run = svc.recommendation_run(actor=cast.dlm, programme=programme)
    v1 = published()
    draft = svc.ruleset_draft_create(actor=cast.dlm)
    # v2 stops favouring micro-learning for deskless people.
    deskless = draft.rules.get(key="deskless")
    svc.rule_update(
        actor=cast.dlm,
        rule=deskless,
        **rule_kwargs(key="deskless", name=deskless.name, condition=deskless.condition, effects={"on_the_job": 9}),
    )
    preview = svc.ruleset_preview(ruleset=draft, programme=programme)
    assert preview.draft[0].modality == "on_the_job" and preview.published[0].modality == "micro_learning"
    assert preview.changed_top and preview.published_version == 1
    assert Recommendation.objects.count() == 1  # a preview keeps nothing

    with pytest.raises(ValidationFailed) as exc:
        svc.ruleset_publish(actor=cast.dlm, ruleset=draft, note=" ")
    assert "note" in exc.value.errors
    svc.ruleset_publish(actor=cast.dlm, ruleset=draft, note="AFEST pour le terrain")
    v1.refresh_from_db()
    draft.refresh_from_db()
    assert v1.status == RuleSet.Status.RETIRED and draft.status == RuleSet.Status.PUBLISHED
    assert draft.published_at is not None
    assert RuleSet.objects.filter(status=RuleSet.Status.PUBLISHED).count() == 1

    new_run = svc.recommendation_run(actor=cast.dlm, programme=programme)
    assert new_run.ruleset == draft and new_run.results[0]["modality"] == "on_the_job"
    old_run.refresh_from_db()
    assert old_run.ruleset == v1 and old_run.results[0]["modality"] == "micro_learning"
    # The old run's reasons are still v1's sentences.
    assert "rarely have a computer" in " ".join(f.explanation for f in svc.ranked_of(old_run)[0].fired)


def test_a_draft_without_active_rules_cannot_be_published(cast: Any) -> None:
    draft = svc.ruleset_draft_create(actor=cast.dlm, note="vide")
    Rule.objects.filter(ruleset=draft).update(active=False)
    with pytest.raises(ValidationFailed) as exc:
        svc.ruleset_publish(actor=cast.dlm, ruleset=draft)
    assert "no active rule" in exc.value.message
    assert published().version == 1


# --- the catalogue --------------------------------------------------------------------------------------


def test_modality_catalogue_edits(cast: Any) -> None:
    modality = Modality.objects.get(key="video")
    svc.modality_update(actor=cast.ld, modality=modality, name_fr="Capsule vidéo", base_score=3)
    modality.refresh_from_db()
    assert modality.name_fr == "Capsule vidéo" and modality.base_score == 3
    with pytest.raises(ValidationFailed) as exc:
        svc.modality_update(actor=cast.ld, modality=modality, key="film")
    assert "Rules use the key" in exc.value.errors["key"][0]
    with pytest.raises(ValidationFailed) as exc:
        svc.modality_create(actor=cast.ld, key="video", name_en="", name_fr="x", base_score=50)
    assert set(exc.value.errors) == {"key", "name_en", "base_score"}
    podcast = svc.modality_create(actor=cast.ld, key="podcast", name_en="Podcast", name_fr="Podcast")
    assert podcast.position > modality.position
    with pytest.raises(PermissionDenied):
        svc.modality_create(actor=cast.client_a, key="x", name_en="x", name_fr="x")


# --- demo ---------------------------------------------------------------------------------------------


def test_demo_seed_runs_chooses_and_drafts(cast: Any) -> None:
    Employee.objects.filter(job_role=cast.role_tech).update(attributes={"collar": "non-cadre"})
    first = make_programme(title="Sécurité au poste", planned_start=timezone.localdate() + dt.timedelta(weeks=8))
    first.audiences.add(audience_create(actor=cast.dlm, name="Industrie", rules=_subtree(cast.unit_b)))
    make_programme(title="Management", design_inputs={"audience_size": 20, "skill_type": "behaviour"})
    make_programme(title="RGPD", design_inputs={"audience_size": 1500, "skill_type": "compliance"})
    counts = demo_recommender.seed(rng=random.Random(4))
    assert counts["recommendations"] == 3
    assert counts["choices"] == 3
    assert counts["overrides"] >= 1
    assert Recommendation.objects.filter(chosen_modality__isnull=False).count() == 3
    overridden = Recommendation.objects.exclude(override_reason="")
    assert overridden.count() == counts["overrides"]
    assert all(len(r.override_reason) > 20 for r in overridden)
    assert Programme.objects.filter(chosen_modality__isnull=True).count() == 0
    draft = RuleSet.objects.get(status=RuleSet.Status.DRAFT)
    assert draft.version == 2 and draft.note
    assert counts["draft_rules_changed"] == 1
    # Running again redoes nothing: every programme has its run, the draft exists.
    again = demo_recommender.seed(rng=random.Random(4))
    assert again["recommendations"] == 0 and again["drafts"] == 0
    assert RuleSet.objects.filter(status=RuleSet.Status.DRAFT).count() == 1
