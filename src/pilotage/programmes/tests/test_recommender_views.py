"""Pages of the modality recommender: inputs (derived vs edited), run, reasons, choice with
override reason, history and htmx partials; the rule base (draft, JSON errors with their path,
reorder, publish, preview); the catalogue; the programme card."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from pilotage.programmes import services_recommender as svc
from pilotage.programmes.models import Modality, Programme, Recommendation, RuleSet

INPUTS = {
    "audience_size": "4000",
    "sites": "12",
    "countries": "2",
    "time_zones": "2",
    "device_access": "deskless",
    "lead_time_weeks": "10",
    "content_shelf_life_months": "24",
    "skill_type": "knowledge",
    "practice_need": "some",
    "budget_per_learner": "20",
    "languages": "fr, nl",
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


def programme(cast: Any, **kw: Any) -> Programme:
    return Programme.objects.create(
        code=kw.pop("code", "REC-V01"), title="Sécurité des sites", sponsor=cast.client_a, **kw
    )


def url(p: Programme) -> str:
    return reverse("programmes:programme_recommend", args=[p.pk])


def test_the_page_shows_derived_inputs_and_an_empty_result(cast: Any, login: Any) -> None:
    p = programme(cast, design_inputs={"skill_type": "procedure"})
    response = login(cast.ld).get(url(p))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run the recommender" in html
    assert "No recommendation yet." in html
    assert "Edited; derived value: knowledge" in html  # the edited input shows what it replaces
    assert 'class="rec-edited"' in html and 'class="rec-derived"' in html


def test_run_then_read_the_reasons(cast: Any, login: Any) -> None:
    p = programme(cast)
    client = login(cast.dlm)
    response = client.post(url(p), {**INPUTS, "action": "run"})
    run = Recommendation.objects.get(programme=p)
    assert response.status_code == 302
    assert response["Location"] == f"{url(p)}?run={run.pk}#results"
    assert run.ruleset.version == 1 and run.results[0]["modality"] == "micro_learning"
    html = client.get(response["Location"]).content.decode()
    assert "4,000 deskless employees on 12 sites in 2 countries → Micro-learning / mobile, because" in html
    assert "<meter" in html
    assert "Deskless employees rarely have a computer at work" in html
    assert "with rules v1" in html
    # The inputs posted were kept as edits (they differ from the derived ones).
    assert Programme.objects.get(pk=p.pk).design_inputs["audience_size"] == 4000


def test_bad_inputs_come_back_with_the_field_named_and_nothing_run(cast: Any, login: Any) -> None:
    p = programme(cast)
    response = login(cast.ld).post(
        url(p), {**INPUTS, "audience_size": "-5", "languages": "fr, français", "action": "run"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 0." in html
    assert not Recommendation.objects.exists()
    assert Programme.objects.get(pk=p.pk).design_inputs == {}
    response = login(cast.ld).post(url(p), {**INPUTS, "languages": "fr, français", "action": "run"})
    assert "“français” is not a language code" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_save_and_reset_inputs(cast: Any, login: Any) -> None:
    p = programme(cast)
    client = login(cast.ld)
    assert client.post(url(p), {**INPUTS, "action": "save"}).status_code == 302
    assert Programme.objects.get(pk=p.pk).design_inputs["device_access"] == "deskless"
    assert not Recommendation.objects.exists()
    assert client.post(url(p), {"action": "reset"}).status_code == 302
    assert Programme.objects.get(pk=p.pk).design_inputs == {}


def test_override_needs_a_reason_on_the_page(cast: Any, login: Any) -> None:
    p = programme(cast, design_inputs={"audience_size": 4000, "device_access": "deskless"})
    run = svc.recommendation_run(actor=cast.dlm, programme=p)
    client = login(cast.dlm)
    choose = reverse("programmes:recommendation_choose", args=[run.pk])
    response = client.post(choose, {"modality": "in_person", "override_reason": ""})
    assert response.status_code == 200
    assert "rather than the recommended “Micro-learning / mobile”: give the reason" in response.content.decode()
    assert Programme.objects.get(pk=p.pk).chosen_modality is None
    response = client.post(choose, {"modality": "in_person", "override_reason": "Des salles sur chaque site."})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.chosen_modality is not None and p.chosen_modality.key == "in_person"
    html = client.get(url(p)).content.decode()
    assert "Des salles sur chaque site." in html and "override" in html


def test_the_sponsor_reads_another_client_does_not_see(cast: Any, login: Any) -> None:
    p = programme(cast, design_inputs={"audience_size": 300})
    svc.recommendation_run(actor=cast.dlm, programme=p)
    html = login(cast.client_a).get(url(p)).content.decode()
    assert "Run the recommender" not in html and "Record the choice" not in html
    assert "300 desk-based employees" in html
    assert login(cast.client_a).post(url(p), {**INPUTS, "action": "run"}).status_code == 403
    assert login(cast.client_b).get(url(p)).status_code == 404


def test_history_and_htmx_partial(cast: Any, login: Any) -> None:
    p = programme(cast)
    first = svc.recommendation_run(actor=cast.dlm, programme=p)
    svc.programme_inputs_save(actor=cast.dlm, programme=p, values={"audience_size": 12, "skill_type": "behaviour"})
    svc.recommendation_run(actor=cast.dlm, programme=p)
    client = login(cast.ld)
    html = client.get(url(p)).content.decode()
    assert html.count('hx-target="#results"') == 2
    partial = client.get(f"{url(p)}?run={first.pk}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = partial.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert "0 desk-based employees" in body  # the first run saw no audience


def test_the_programme_card(cast: Any, rf: Any) -> None:
    p = programme(cast)
    html = render_to_string("programmes/_recommendation_card.html", {"programme": p, "user": cast.ld})
    assert "Run the recommender" in html and reverse("programmes:programme_recommend", args=[p.pk]) in html
    run = svc.recommendation_run(actor=cast.dlm, programme=p)
    svc.recommendation_choose(
        actor=cast.dlm, recommendation=run, modality=Modality.objects.get(key="coaching"), override_reason="VIP"
    )
    p.refresh_from_db()
    html = render_to_string("programmes/_recommendation_card.html", {"programme": p, "user": cast.client_a})
    assert "See the recommendation" in html
    assert "Coaching / mentoring" in html and "override" in html and "rules v1" in html
    assert "0 desk-based employees on 1 site → In-person workshop, because a small group" in html


# --- the rule base -----------------------------------------------------------------------------------


def test_the_ld_team_reads_the_rules_the_dlm_drafts(cast: Any, login: Any) -> None:
    v1 = RuleSet.objects.get(version=1)
    html = login(cast.ld).get(reverse("programmes:ruleset_detail", args=[v1.pk])).content.decode()
    assert "audience size ≥ 1000" in html and "Large audiences are reached" in html
    assert "Add a rule" not in html
    html = login(cast.ld).get(reverse("programmes:ruleset_list")).content.decode()
    assert "Create a draft" not in html and "v1" in html
    assert login(cast.ld).post(reverse("programmes:ruleset_draft")).status_code == 403

    client = login(cast.dlm)
    assert "Create a draft" in client.get(reverse("programmes:ruleset_list")).content.decode()
    response = client.post(reverse("programmes:ruleset_draft"))
    draft = RuleSet.objects.get(status=RuleSet.Status.DRAFT)
    assert response["Location"] == reverse("programmes:ruleset_detail", args=[draft.pk])
    # A second draft is refused with a message, not an error page.
    response = client.post(reverse("programmes:ruleset_draft"), follow=True)
    assert "Draft v2 already exists" in response.content.decode()


def test_rule_form_errors_name_the_json_path(cast: Any, login: Any) -> None:
    draft = svc.ruleset_draft_create(actor=cast.dlm)
    client = login(cast.dlm)
    create = reverse("programmes:rule_create", args=[draft.pk])
    html = client.post(create, {**RULE, "condition": '{"all": [}'}).content.decode()
    assert "Not valid JSON (line 1, column" in html
    html = client.post(
        create,
        {
            **RULE,
            "condition": '{"all": [{"input": "sites", "op": ">", "value": 1}, {"input": "sites", "op": "=>", "value": 1}]}',
            "effects": '{"vidéo": 2}',
        },
    ).content.decode()
    assert "condition.all[1].op: Unknown operator “=&gt;”" in html
    assert "effects.vidéo: Unknown modality “vidéo”" in html
    assert not draft.rules.filter(key="night-shift").exists()
    assert client.post(create, RULE).status_code == 302
    rule = draft.rules.get(key="night-shift")
    assert draft.rules.order_by("position", "id").last() == rule

    edit = reverse("programmes:rule_edit", args=[rule.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {**RULE, "name": "Équipes de nuit", "active": ""})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Équipes de nuit" and not rule.active

    before = list(draft.rules.order_by("position").values_list("pk", flat=True))
    client.post(reverse("programmes:rule_move", args=[rule.pk]), {"direction": "up"})
    after = list(draft.rules.order_by("position").values_list("pk", flat=True))
    assert after[-2] == rule.pk and after[-1] == before[-2]


def test_published_rules_cannot_be_edited_from_the_page(cast: Any, login: Any) -> None:
    v1 = RuleSet.objects.get(version=1)
    rule = v1.rules.first()
    assert rule is not None
    response = login(cast.dlm).post(reverse("programmes:rule_edit", args=[rule.pk]), RULE, follow=True)
    assert "its rules are frozen" in response.content.decode()
    rule.refresh_from_db()
    assert rule.name != "Night shift"


def test_preview_then_publish(cast: Any, login: Any) -> None:
    p = programme(cast, design_inputs={"audience_size": 4000, "device_access": "deskless"})
    draft = svc.ruleset_draft_create(actor=cast.dlm)
    rule = draft.rules.get(key="deskless")
    svc.rule_update(
        actor=cast.dlm,
        rule=rule,
        key=rule.key,
        name=rule.name,
        condition=rule.condition,
        effects={"on_the_job": 9},
        explanation_en="On the job.",
        explanation_fr="Au poste.",
        active=True,
    )
    client = login(cast.dlm)
    preview = reverse("programmes:ruleset_preview", args=[draft.pk])
    html = client.get(preview, {"programme": p.pk}).content.decode()
    assert "v2 changes the top modality compared with v1" in html
    assert "With the published v1" in html and "On-the-job learning" in html
    partial = client.get(preview, {"programme": p.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="preview")
    assert "<html" not in partial.content.decode()
    assert client.get(preview, {"programme": 987654}).status_code == 404

    publish = reverse("programmes:ruleset_publish", args=[draft.pk])
    assert "v1 will be retired" in client.get(publish).content.decode()
    assert client.post(publish, {"note": ""}).status_code == 200
    assert client.post(publish, {"note": "AFEST"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == RuleSet.Status.PUBLISHED
    assert RuleSet.objects.get(version=1).status == RuleSet.Status.RETIRED
    # A published version is no longer a draft: its publish page sends back with a message.
    assert client.get(publish).status_code == 302


def test_the_catalogue(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    html = client.get(reverse("programmes:modality_list")).content.decode()
    assert "Micro-learning / mobile" in html and "On-the-job learning" in html
    video = Modality.objects.get(key="video")
    response = client.post(
        reverse("programmes:modality_edit", args=[video.pk]),
        {"key": "video", "name_en": "Video", "name_fr": "Capsule vidéo", "base_score": "2", "position": "6"},
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.name_fr == "Capsule vidéo" and video.base_score == 2 and not video.active
    response = client.post(
        reverse("programmes:modality_create"),
        {"key": "video", "name_en": "Film", "name_fr": "Film", "base_score": "0", "position": "1"},
    )
    assert "Another modality already has the key “video”" in response.content.decode()
    assert login(cast.client_a).get(reverse("programmes:modality_list")).status_code == 403


def test_lists_cost_a_few_queries(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    client = login(cast.ld)
    for n in range(3):
        svc.recommendation_run(actor=cast.dlm, programme=programme(cast, code=f"REC-Q{n}"))
    with django_assert_max_num_queries(12):
        client.get(reverse("programmes:ruleset_list"))
    with django_assert_max_num_queries(20):
        client.get(url(Programme.objects.get(code="REC-Q0")))
