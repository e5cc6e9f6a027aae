"""The ranked backlog (requests and programmes), its what-if, and programme scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pilotage.core.errors import PermissionDenied, ValidationFailed
from pilotage.people.models import Audience
from pilotage.programmes import backlog, services_scores
from pilotage.programmes.models import Programme, ProgrammeScore
from pilotage.strategy.models import Criterion, Objective, TrainingRequest

TODAY = timezone.localdate()
API = "/api/v1/programmes"


def request_(cast: Any, ref: str, **kw: Any) -> TrainingRequest:
    values: dict[str, Any] = {"title": f"Demande {ref}", "business_need": "Besoin"}
    values.update(kw)
    return TrainingRequest.objects.create(reference=ref, requester=cast.client_a, **values)


def programme_(code: str, **kw: Any) -> Programme:
    return Programme.objects.create(code=code, title=kw.pop("title", f"Dispositif {code}"), **kw)


@pytest.fixture
def portfolio(cast: Any) -> dict[str, Any]:
    """A legal obligation with few people, a big strategic request, and a programme."""
    strategic = Objective.objects.create(title="Croissance export", weight=5)
    legal = request_(cast, "DEM-L", legal_obligation=True, headcount=12, budget_indication=Decimal("3000"))
    big = request_(cast, "DEM-B", objective=strategic, headcount=1500, wished_date=TODAY + dt.timedelta(days=60))
    request_(cast, "DEM-DONE", status=TrainingRequest.Status.ACCEPTED, legal_obligation=True, headcount=5000)
    prog = programme_("PRG-1", status=Programme.Status.DESIGN, budget_estimate=Decimal("40000"))
    prog.objectives.add(strategic)
    prog.requests.add(legal)
    programme_("PRG-RUN", status=Programme.Status.RUNNING)
    return {"legal": legal, "big": big, "programme": prog, "objective": strategic}


def test_backlog_ranks_open_requests_and_early_programmes(cast: Any, portfolio: dict[str, Any]) -> None:
    items, specs = backlog.backlog_items(user=cast.ld, today=TODAY)
    # DEM-B: 25 (objective 5) + 12 (60 days) + 15 (1,500 people) + 6 (budget unknown) = 58
    # PRG-1: 25 + 6 (12 people) + 15 (legal, from its request) + 6 (40,000 €) = 52
    # DEM-L: 6 (12 people) + 15 (legal) + 10 (3,000 €) = 31
    assert [(i.reference, i.score.total) for i in items] == [("DEM-B", 58), ("PRG-1", 52), ("DEM-L", 31)]
    assert [i.rank for i in items] == [1, 2, 3]
    assert all(i.movement == 0 for i in items)
    assert sum(s.weight for s in specs) == 100
    prog = items[1]
    # The programme reads its objective (5), its request's legal obligation and headcount, its budget.
    values = {line.key: line.value for line in prog.score.lines}
    assert values["strategic_alignment"] == 5 and values["legal_obligation"] == 5
    assert values["reach"] == 2 and values["cost"] == 3


def test_what_if_moves_items_and_saves_nothing(cast: Any, portfolio: dict[str, Any]) -> None:
    weights = {"strategic_alignment": 0, "legal_obligation": 80, "reach": 0, "urgency": 0}
    items, specs = backlog.backlog_items(user=cast.ld, weights=weights, today=TODAY)
    by_ref = {i.reference: i for i in items}
    assert by_ref["DEM-L"].rank < by_ref["DEM-B"].rank
    assert [i.reference for i in items] == ["DEM-L", "PRG-1", "DEM-B"]
    assert by_ref["DEM-L"].movement == 2 and by_ref["PRG-1"].movement == 0 and by_ref["DEM-B"].movement == -2
    assert by_ref["DEM-B"].saved_rank == 1 and by_ref["DEM-B"].saved_total == 58
    assert Criterion.objects.get(key="legal_obligation").weight == 15
    assert sum(s.weight for s in specs) == 110


def test_filters(cast: Any, portfolio: dict[str, Any]) -> None:
    only_programmes, _specs = backlog.backlog_items(user=cast.ld, filters=backlog.Filters(kind="programme"))
    assert [i.reference for i in only_programmes] == ["PRG-1"]
    by_objective, _specs = backlog.backlog_items(
        user=cast.ld, filters=backlog.Filters(objective=portfolio["objective"].pk)
    )
    assert {i.reference for i in by_objective} == {"PRG-1", "DEM-B"}
    searched, _specs = backlog.backlog_items(user=cast.ld, filters=backlog.Filters(q="dem-l"))
    assert [i.reference for i in searched] == ["DEM-L"]


def test_programme_reach_falls_back_to_the_audience(cast: Any) -> None:
    prog = programme_("PRG-AUD")
    audience = Audience.objects.create(name="A1", owner=cast.dlm, rules={})
    audience.included.add(cast.employees["learner"], cast.employees["peer"])
    prog.audiences.add(audience)
    facts = services_scores.programme_facts(
        services_scores.with_score_relations(Programme.objects.filter(pk=prog.pk)).get()
    )
    assert facts.headcount == 2


def test_programme_scores_set_and_refused(cast: Any) -> None:
    prog = programme_("PRG-S")
    services_scores.programme_scores_set(actor=cast.ld, programme=prog, values={"business_impact": 4})
    assert ProgrammeScore.objects.get(programme=prog).value == 4
    score = services_scores.programme_score(prog)
    assert next(line for line in score.lines if line.key == "business_impact").points == 16
    with pytest.raises(ValidationFailed) as exc:
        services_scores.programme_scores_set(actor=cast.ld, programme=prog, values={"business_impact": -1})
    assert "scores.business_impact" in exc.value.errors
    with pytest.raises(PermissionDenied):
        services_scores.programme_scores_set(actor=cast.client_a, programme=prog, values={"business_impact": 1})


# --- pages ---------------------------------------------------------------------------------------


def test_backlog_page_with_what_if_fragment(cast: Any, login: Any, portfolio: dict[str, Any]) -> None:
    client = login(cast.ld)
    page = client.get(reverse("programmes:backlog"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "PRG-1" in body and "DEM-DONE" not in body and "PRG-RUN" not in body
    response = client.get(
        reverse("programmes:backlog"),
        {"w_legal_obligation": "80", "w_strategic_alignment": "0", "w_reach": "0", "w_urgency": "0"},
        headers={"HX-Request": "true", "HX-Target": "backlog-results"},
    )
    body = response.content.decode()
    assert "<html" not in body and "▲" in body and "▼" in body
    assert "add up to 110 %" in body  # the what-if does not sum: explained, no save button
    assert "Save these weights" not in body
    bad = client.get(reverse("programmes:backlog"), {"w_urgency": "abc"})
    assert "0 to 100" in bad.content.decode()


def test_save_these_weights_is_the_dlms(cast: Any, login: Any, portfolio: dict[str, Any]) -> None:
    weights = {f"w_{c.key}": c.weight for c in Criterion.objects.filter(active=True)}
    weights.update(w_legal_obligation=25, w_cost=0)
    assert login(cast.ld).post(reverse("programmes:backlog"), weights).status_code == 403
    client = login(cast.dlm)
    page = client.get(reverse("programmes:backlog"), weights)
    assert "Save these weights" in page.content.decode()
    assert client.post(reverse("programmes:backlog"), weights).status_code == 302
    assert Criterion.objects.get(key="legal_obligation").weight == 25
    weights["w_cost"] = 50
    response = client.post(reverse("programmes:backlog"), weights, follow=True)
    assert "add up to 150 %" in response.content.decode()
    assert Criterion.objects.get(key="cost").weight == 0


def test_backlog_and_scores_are_for_the_ld_team(cast: Any, login: Any, portfolio: dict[str, Any]) -> None:
    prog = portfolio["programme"]
    assert login(cast.client_a).get(reverse("programmes:backlog")).status_code == 403
    assert login(cast.manager).get(reverse("programmes:programme_scores", args=[prog.pk])).status_code == 403
    client = login(cast.ld)
    url = reverse("programmes:programme_scores", args=[prog.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"business_impact": "3"}, headers={"HX-Request": "true"})
    assert 'id="programme-score-card"' in response.content.decode()
    assert ProgrammeScore.objects.get(programme=prog).value == 3
    assert client.get(reverse("programmes:programme_scores", args=[987654])).status_code == 404


# --- API -----------------------------------------------------------------------------------------


def test_backlog_api_with_what_if(cast: Any, login: Any, portfolio: dict[str, Any]) -> None:
    client = login(cast.ld)
    data = client.get(f"{API}/backlog").json()
    assert data["what_if"] is False and data["weight_sum"] == 100
    assert [i["reference"] for i in data["items"]] == ["DEM-B", "PRG-1", "DEM-L"]
    data = client.get(
        f"{API}/backlog", {"weights": "legal_obligation:80,strategic_alignment:0,reach:0,urgency:0"}
    ).json()
    legal = next(i for i in data["items"] if i["reference"] == "DEM-L")
    assert data["what_if"] is True and legal["movement"] == 2 and legal["saved_rank"] == 3
    response = client.get(f"{API}/backlog", {"weights": "nope:3"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "weights.nope"
    assert client.get(f"{API}/backlog", {"weights": "urgency"}).status_code == 400
    assert client.get(f"{API}/backlog", {"kind": "request"}).json()["count"] == 2
    assert login(cast.client_a).get(f"{API}/backlog").status_code == 403


def test_programme_score_api(cast: Any, login: Any, portfolio: dict[str, Any]) -> None:
    prog = portfolio["programme"]
    client = login(cast.dlm)
    response = client.put(
        f"{API}/programmes/{prog.pk}/score", {"scores": {"business_impact": 2}}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["manual"] == {"business_impact": 2}
    assert client.get(f"{API}/programmes/{prog.pk}/score").json()["manual"] == {"business_impact": 2}
    response = client.put(f"{API}/programmes/{prog.pk}/score", {"scores": {"cost": 2}}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "scores.cost"
    assert client.get(f"{API}/programmes/987654/score").status_code == 404
