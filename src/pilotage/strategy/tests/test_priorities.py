"""Prioritisation: the criteria set (weights summing to 100), request scores, their pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.strategy import services_priorities as svc
from pilotage.strategy.forms_priorities import apply_row_action, criteria_rows
from pilotage.strategy.models import Criterion, Objective, RequestScore, TrainingRequest

DEFAULT_KEYS = ["strategic_alignment", "business_impact", "urgency", "reach", "legal_obligation", "cost"]


def make_request(cast: Any, ref: str = "DEM-T-1", **kw: Any) -> TrainingRequest:
    values: dict[str, Any] = {"title": "Sécurité machines", "business_need": "Réduire les accidents", "headcount": 120}
    values.update(kw)
    return TrainingRequest.objects.create(reference=ref, requester=cast.client_a, org_unit=cast.unit_a, **values)


def rows() -> list[dict[str, Any]]:
    return criteria_rows(Criterion.objects.all())


def test_the_migration_creates_six_defaults_summing_to_100(db: Any) -> None:
    active = list(Criterion.objects.filter(active=True))
    assert [c.key for c in active] == DEFAULT_KEYS
    assert sum(c.weight for c in active) == 100
    assert {c.key: c.source for c in active}["cost"] == "cost"
    assert Criterion.objects.get(key="urgency").name_fr == "Urgence"


def test_weights_that_do_not_sum_are_refused(cast: Any) -> None:
    data = rows()
    data[0]["weight"] = 30
    with pytest.raises(ValidationFailed) as exc:
        svc.criteria_save(actor=cast.dlm, rows=data)
    assert exc.value.errors["criteria"] == [
        "The weights of the active criteria add up to 105 %; they must add up to 100 %."
    ]
    assert Criterion.objects.get(key="strategic_alignment").weight == 25


def test_bad_rows_name_the_row_and_field(cast: Any) -> None:
    data = rows()
    data[2]["weight"] = "lots"
    data[3]["name_en"] = ""
    data[4]["source"] = "astrology"
    with pytest.raises(ValidationFailed) as exc:
        svc.criteria_save(actor=cast.dlm, rows=data)
    assert set(exc.value.errors) == {"criteria[2].weight", "criteria[3].name_en", "criteria[4].source"}
    assert "0 to 100" in exc.value.errors["criteria[2].weight"][0]


def test_add_rename_reorder_and_deactivate_in_one_save(cast: Any) -> None:
    data = rows()
    data[0].update(weight=20, name_fr="Alignement sur la stratégie")
    data[5]["active"] = False  # cost off: its 10 points go to a new criterion, with 5 more from alignment
    data.insert(0, {"name_en": "Manager support", "name_fr": "Soutien du manager", "weight": 15, "source": "manual"})
    saved = svc.criteria_save(actor=cast.dlm, rows=data)
    assert saved[0].key == "manager_support" and saved[0].position == 0
    assert Criterion.objects.get(key="strategic_alignment").name_fr == "Alignement sur la stratégie"
    assert not Criterion.objects.get(key="cost").active
    assert sum(Criterion.objects.filter(active=True).values_list("weight", flat=True)) == 100
    # Absent from the set: deactivated, not deleted.
    svc.criteria_save(
        actor=cast.dlm, rows=[{"key": "legal_obligation", "name_en": "Legal", "weight": 100, "source": "legal"}]
    )
    assert list(Criterion.objects.filter(active=True).values_list("key", flat=True)) == ["legal_obligation"]
    assert Criterion.objects.count() == 7


def test_duplicate_keys_and_no_active_criterion_are_refused(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.criteria_save(
            actor=cast.dlm,
            rows=[
                {"key": "urgency", "name_en": "U", "weight": 50, "source": "urgency"},
                {"key": "urgency", "name_en": "U2", "weight": 50, "source": "urgency"},
            ],
        )
    assert "criteria[1].key" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        svc.criteria_save(actor=cast.dlm, rows=[{"key": "urgency", "name_en": "U", "weight": 0, "active": False}])
    assert exc.value.errors["criteria"] == ["Keep at least one active criterion."]


def test_only_the_dlm_configures_criteria(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        svc.criteria_save(actor=cast.ld, rows=rows())
    with pytest.raises(PermissionDenied):
        svc.criteria_set_weights(actor=cast.ld, weights={"urgency": 15})


def test_set_weights_checks_keys_and_sum(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.criteria_set_weights(actor=cast.dlm, weights={"urgency": 40})
    assert "add up to 125 %" in exc.value.errors["weights"][0]
    with pytest.raises(ValidationFailed) as exc:
        svc.criteria_set_weights(actor=cast.dlm, weights={"nope": 1})
    assert "weights.nope" in exc.value.errors
    svc.criteria_set_weights(actor=cast.dlm, weights={"urgency": 25, "cost": 0})
    assert Criterion.objects.get(key="urgency").weight == 25


def test_row_actions_move_add_remove() -> None:
    data = [{"id": 1, "name_en": "A", "active": True}, {"id": 2, "name_en": "B", "active": True}]
    assert [r["name_en"] for r in apply_row_action(data, "down:0")] == ["B", "A"]
    assert [r["name_en"] for r in apply_row_action(data, "up:1")] == ["B", "A"]
    assert apply_row_action(data, "up:0") == data
    assert apply_row_action(data, "remove:0")[0]["active"] is False  # saved: only unticked
    added = apply_row_action(data, "add")
    assert len(added) == 3 and added[2]["id"] == ""
    assert len(apply_row_action(added, "remove:2")) == 2  # new: dropped
    assert apply_row_action(data, "remove:99") == data


# --- request scores ------------------------------------------------------------------------------


def test_request_score_reads_data_and_manual_values(cast: Any) -> None:
    objective = Objective.objects.create(title="Zéro accident", weight=5)
    req = make_request(
        cast,
        objective=objective,
        legal_obligation=True,
        wished_date=timezone.localdate() + dt.timedelta(days=20),
        budget_indication=Decimal("8000"),
    )
    svc.request_scores_set(actor=cast.ld, request=req, values={"business_impact": 4})
    score = svc.request_score(req)
    values = {line.key: line.value for line in score.lines}
    assert values == {
        "strategic_alignment": 5,
        "business_impact": 4,
        "urgency": 5,
        "reach": 3,
        "legal_obligation": 5,
        "cost": 4,
    }
    assert score.total == pytest.approx(25 + 16 + 15 + 9 + 15 + 8)


def test_request_scores_bad_value_names_the_criterion_and_saves_nothing(cast: Any) -> None:
    req = make_request(cast)
    with pytest.raises(ValidationFailed) as exc:
        svc.request_scores_set(actor=cast.ld, request=req, values={"business_impact": 7})
    assert "scores.business_impact" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        svc.request_scores_set(actor=cast.ld, request=req, values={"urgency": 3})
    assert "not a criterion scored by hand" in exc.value.errors["scores.urgency"][0]
    assert not RequestScore.objects.exists()
    with pytest.raises(PermissionDenied):
        svc.request_scores_set(actor=cast.client_a, request=req, values={"business_impact": 3})


def test_blank_clears_a_score(cast: Any) -> None:
    req = make_request(cast)
    svc.request_scores_set(actor=cast.ld, request=req, values={"business_impact": 3})
    assert svc.request_scores_set(actor=cast.ld, request=req, values={"business_impact": ""}) == {}


# --- pages ---------------------------------------------------------------------------------------


def test_criteria_page_saves_and_refuses_a_bad_sum(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    page = client.get(reverse("strategy:criteria"))
    assert page.status_code == 200 and "Strategic alignment" in page.content.decode()
    post: dict[str, Any] = {"c-count": "6", "action": "save"}
    for i, c in enumerate(Criterion.objects.all()):
        post.update(
            {
                f"c-{i}-id": c.pk,
                f"c-{i}-key": c.key,
                f"c-{i}-name_en": c.name_en,
                f"c-{i}-name_fr": c.name_fr,
                f"c-{i}-weight": c.weight,
                f"c-{i}-source": c.source,
                f"c-{i}-active": "on",
            }
        )
    post["c-5-weight"] = "20"
    response = client.post(reverse("strategy:criteria"), post)
    assert response.status_code == 200
    assert "add up to 110 %" in response.content.decode()
    post["c-5-weight"] = "10"
    post["c-0-name_fr"] = "Alignement"
    assert client.post(reverse("strategy:criteria"), post).status_code == 302
    assert Criterion.objects.get(key="strategic_alignment").name_fr == "Alignement"
    # Move a row down without saving: the page comes back re-ordered, nothing written.
    post["action"] = "down:0"
    response = client.post(
        reverse("strategy:criteria"), post, headers={"HX-Request": "true", "HX-Target": "criteria-form"}
    )
    body = response.content.decode()
    assert body.index("Business impact") < body.index("Strategic alignment")
    assert "<html" not in body
    assert Criterion.objects.get(key="strategic_alignment").position == 0


def test_criteria_page_is_read_only_for_the_ld_team(cast: Any, login: Any) -> None:
    client = login(cast.ld)
    assert client.get(reverse("strategy:criteria")).status_code == 200
    assert client.post(reverse("strategy:criteria"), {"c-count": "0", "action": "save"}).status_code == 403
    assert login(cast.client_a).get(reverse("strategy:criteria")).status_code == 403


def test_request_scores_page_and_fragment(cast: Any, login: Any) -> None:
    req = make_request(cast)
    client = login(cast.ld)
    url = reverse("strategy:request_scores", args=[req.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Business impact" in page.content.decode()
    response = client.post(url, {"business_impact": "4"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="request-score-card"' in response.content.decode()
    assert RequestScore.objects.get(request=req).value == 4
    assert client.post(url, {"business_impact": "9"}).status_code == 200  # invalid choice: form again
    assert RequestScore.objects.get(request=req).value == 4
    assert login(cast.client_a).get(url).status_code == 403
    assert login(cast.ld).get(reverse("strategy:request_scores", args=[987654])).status_code == 404


def test_request_score_card_include_renders_a_lazy_card_with_a_link(cast: Any) -> None:
    from django.template.loader import render_to_string

    req = make_request(cast)
    html = render_to_string("strategy/_request_score_card.html", {"score_req": req})
    url = reverse("strategy:request_scores", args=[req.pk])
    assert f'hx-get="{url}"' in html and f'href="{url}"' in html
    assert "{%" not in html and "include" not in html
