"""The needs campaign API: L&D team runs campaigns and decides; managers submit their own needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from pilotage.strategy.models import Need, NeedsCampaign, TrainingRequest
from pilotage.strategy.tests.test_campaigns import make_campaign, make_need, managers_audience

TODAY = timezone.localdate()
API = "/api/v1/strategy"


def test_dlm_creates_opens_and_lists_campaigns(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    audience = managers_audience(cast)
    body = {
        "title": "Recueil 2027",
        "opens_on": TODAY.isoformat(),
        "closes_on": (TODAY + dt.timedelta(days=20)).isoformat(),
        "audience_id": audience.pk,
    }
    response = client.post(f"{API}/campaigns", body, content_type="application/json")
    assert response.status_code == 201, response.content
    campaign_id = response.json()["id"]
    assert response.json()["status"] == "draft" and response.json()["next_statuses"] == ["open"]
    response = client.post(
        f"{API}/campaigns/{campaign_id}/transition", {"to_status": "open"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["campaign"]["status"] == "open" and response.json()["job_id"]
    listing = client.get(f"{API}/campaigns").json()
    assert listing["count"] == 1 and listing["items"][0]["title"] == "Recueil 2027"


def test_bad_dates_and_transitions_name_the_field(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    body = {"title": "X", "opens_on": TODAY.isoformat(), "closes_on": (TODAY - dt.timedelta(days=3)).isoformat()}
    response = client.post(f"{API}/campaigns", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "closes_on"
    campaign = make_campaign(cast)
    response = client.post(
        f"{API}/campaigns/{campaign.pk}/transition", {"to_status": "closed"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "to_status", "message": "A campaign that is draft cannot become closed."}
    ]
    response = client.post(
        f"{API}/campaigns",
        {**body, "closes_on": TODAY.isoformat(), "audience_id": 987654},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "audience_id"


def test_manager_creates_and_updates_own_need(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast, "open")
    client = login(cast.manager)
    response = client.post(
        f"{API}/campaigns/{campaign.pk}/needs",
        {"title": "Prospection", "headcount": 4, "wished_quarter": "2027-Q2", "estimated_cost": "1200"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    need_id = response.json()["id"]
    assert response.json()["org_unit"] == "Ventes Nord"
    response = client.put(
        f"{API}/needs/{need_id}",
        {"title": "Prospection B2B", "headcount": 5, "wished_quarter": "2027-X"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "wished_quarter"
    response = client.put(
        f"{API}/needs/{need_id}", {"title": "Prospection B2B", "headcount": 5}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Prospection B2B"
    # Someone else's need: 404; the manager cannot decide: 403.
    other = Need.objects.create(campaign=campaign, manager=cast.dlm, title="Autre", headcount=1)
    assert client.get(f"{API}/needs/{other.pk}").status_code == 404
    response = client.post(f"{API}/needs/{need_id}/decision", {"decision": "retained"}, content_type="application/json")
    assert response.status_code == 403


def test_decision_creates_a_request_and_totals(cast: Any, login: Any) -> None:
    campaign = make_campaign(cast, "closed")
    need = make_need(cast, campaign)
    client = login(cast.ld)
    response = client.post(
        f"{API}/needs/{need.pk}/decision",
        {"decision": "retained", "create_request": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    request = TrainingRequest.objects.get()
    assert response.json()["request_reference"] == request.reference
    assert response.json()["need"]["request_id"] == request.pk
    totals = client.get(f"{API}/campaigns/{campaign.pk}/totals").json()
    assert totals["needs"] == 1 and totals["people"] == 8 and totals["by_theme"][0]["theme"] == "Vente"
    needs = client.get(f"{API}/campaigns/{campaign.pk}/needs", {"decision": "retained"}).json()
    assert needs["count"] == 1
    assert client.get(f"{API}/campaigns/{campaign.pk}/needs", {"decision": "pending"}).json()["count"] == 0


def test_scoping_of_campaigns(cast: Any, login: Any) -> None:
    draft = make_campaign(cast)
    assert login(cast.manager).get(f"{API}/campaigns/{draft.pk}").status_code == 404
    assert login(cast.learner).get(f"{API}/campaigns").status_code == 403
    assert login(cast.client_a).get(f"{API}/campaigns").status_code == 403
    NeedsCampaign.objects.filter(pk=draft.pk).update(status="open")
    assert login(cast.manager).get(f"{API}/campaigns/{draft.pk}").status_code == 200
