"""The recommender's REST API: catalogue, versions and rules (errors naming the JSON path),
a programme's inputs, runs with their reasons and rule version, the choice."""

from __future__ import annotations

from typing import Any

from pilotage.programmes.models import Modality, Programme, Recommendation, RuleSet

API = "/api/v1/programmes"


def programme(cast: Any, **kw: Any) -> Programme:
    return Programme.objects.create(code="REC-A01", title="Habilitation", sponsor=cast.client_a, **kw)


def test_catalogue_read_and_patch(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    items = client.get(f"{API}/modalities").json()
    assert [m["key"] for m in items][:3] == ["elearning", "micro_learning", "virtual_classroom"]
    assert len(items) == 11 and items[0]["name_fr"] == "Module e-learning"
    video = Modality.objects.get(key="video")
    response = client.patch(f"{API}/modalities/{video.pk}", {"base_score": 3}, content_type="application/json")
    assert response.status_code == 200 and response.json()["base_score"] == 3
    response = client.patch(f"{API}/modalities/{video.pk}", {"base_score": 99}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "base_score"
    assert login(cast.client_a).get(f"{API}/modalities").status_code == 403


def test_versions_rules_draft_and_publish(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    versions = client.get(f"{API}/rulesets").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "published")]
    v1 = versions[0]["id"]
    rules = client.get(f"{API}/rulesets/{v1}/rules").json()
    assert len(rules) >= 25 and rules[0]["key"] == "large-audience"
    assert all(r["explanation_en"] and r["explanation_fr"] for r in rules)

    draft = client.post(f"{API}/rulesets/draft", {"note": "Essai"}, content_type="application/json")
    assert draft.status_code == 201 and draft.json()["version"] == 2 and draft.json()["rule_count"] == len(rules)
    draft_id = draft.json()["id"]
    again = client.post(f"{API}/rulesets/draft", {}, content_type="application/json")
    assert again.status_code == 400 and "already exists" in again.json()["detail"]

    bad = {
        "key": "x",
        "name": "x",
        "condition": {
            "any": [{"input": "sites", "op": ">", "value": 1}, {"input": "headcount", "op": ">", "value": 1}]
        },
        "effects": {"elearning": 2},
        "explanation_en": "x",
        "explanation_fr": "x",
    }
    response = client.post(f"{API}/rulesets/{draft_id}/rules", bad, content_type="application/json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"condition.any[1].input"}
    good = {**bad, "condition": {"all": [{"input": "sites", "op": ">", "value": 1}]}}
    created = client.post(f"{API}/rulesets/{draft_id}/rules", good, content_type="application/json")
    assert created.status_code == 201
    updated = client.put(
        f"{API}/rules/{created.json()['id']}",
        {**good, "name": "Multi-site", "active": False},
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["name"] == "Multi-site" and not updated.json()["active"]
    # Published rules are frozen.
    frozen = client.put(f"{API}/rules/{rules[0]['id']}", good, content_type="application/json")
    assert frozen.status_code == 400 and "frozen" in frozen.json()["detail"]

    # The L&D team reads but does not edit.
    assert login(cast.ld).get(f"{API}/rulesets/{draft_id}/rules").status_code == 200
    assert (
        login(cast.ld).post(f"{API}/rulesets/{draft_id}/publish", {}, content_type="application/json").status_code
        == 403
    )

    client = login(cast.dlm)
    published = client.post(
        f"{API}/rulesets/{draft_id}/publish", {"note": "Multi-site"}, content_type="application/json"
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert RuleSet.objects.get(version=1).status == RuleSet.Status.RETIRED


def test_inputs_run_history_and_choice(cast: Any, login: Any) -> None:
    p = programme(cast)
    client = login(cast.ld)
    inputs = client.get(f"{API}/programmes/{p.pk}/recommender-inputs").json()
    assert inputs["edited"] == [] and inputs["inputs"]["audience_size"] == 0

    bad = client.put(
        f"{API}/programmes/{p.pk}/recommender-inputs",
        {"device_access": "tablet", "headcount": 5},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"device_access", "headcount"}
    ok = client.put(
        f"{API}/programmes/{p.pk}/recommender-inputs",
        {"audience_size": 4000, "sites": 12, "device_access": "deskless"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["edited"] == ["audience_size", "device_access", "sites"]

    run = client.post(f"{API}/programmes/{p.pk}/recommendations")
    assert run.status_code == 201
    body = run.json()
    assert body["ruleset_version"] == 1
    assert body["ranked"][0]["modality"] == "micro_learning"
    assert body["summary"].startswith("4,000 deskless employees on 12 sites → Micro-learning / mobile, because")
    assert any("computer at work" in r["explanation"] for r in body["ranked"][0]["rules"])

    listed = login(cast.client_a).get(f"{API}/programmes/{p.pk}/recommendations").json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert login(cast.client_b).get(f"{API}/programmes/{p.pk}/recommendations").status_code == 404

    choose = f"{API}/recommendations/{body['id']}/choose"
    client = login(cast.ld)  # the test client is shared: sign the L&D member back in
    response = client.post(choose, {"modality": "in_person"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "override_reason"
    response = client.post(choose, {"modality": "podcast", "override_reason": "x"}, content_type="application/json")
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["field"] == "modality"
    response = client.post(
        choose,
        {"modality": "in_person", "override_reason": "Salles disponibles sur site."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["chosen_modality"] == "in_person" and response.json()["chosen_by"] == cast.ld.email
    assert Programme.objects.get(pk=p.pk).chosen_modality == Modality.objects.get(key="in_person")
    assert (
        login(cast.client_a).post(choose, {"modality": "micro_learning"}, content_type="application/json").status_code
        == 403
    )
    assert Recommendation.objects.get(pk=body["id"]).override_reason == "Salles disponibles sur site."
