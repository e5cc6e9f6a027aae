"""The objectives and requests API: same services, same scoping, errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from pilotage.strategy.models import Objective, TrainingRequest
from pilotage.strategy.services_objectives import objective_create
from pilotage.strategy.services_requests import request_comment_add, request_create

pytestmark = pytest.mark.django_db
API = "/api/v1/strategy"
S = TrainingRequest.Status


def _file(cast: Any, user: str = "client_a", **kw: Any) -> TrainingRequest:
    data: dict[str, Any] = {
        "title": "Anglais commercial",
        "business_need": "Négocier en anglais avec les clients export.",
        "population_description": "Commerciaux export",
    }
    data.update(kw)
    return request_create(actor=cast.users[user], **data)


def test_objective_crud(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    created = client.post(
        f"{API}/objectives",
        {"title": "Relation client", "weight": 4, "owner_email": cast.client_a.email, "business_indicator": "NPS"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["owner"] == cast.client_a.email and body["request_ids"] == [] and body["programme_ids"] == []
    oid = body["id"]
    updated = client.put(
        f"{API}/objectives/{oid}", {"title": "Relation client 2027", "weight": 5}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["weight"] == 5
    listed = client.get(f"{API}/objectives").json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "Relation client 2027"


def test_objective_bad_input(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    bad = client.post(f"{API}/objectives", {"title": "X", "weight": 9}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "weight"
    nobody = client.post(
        f"{API}/objectives", {"title": "X", "owner_email": "nobody@example.com"}, content_type="application/json"
    )
    assert nobody.status_code == 400 and nobody.json()["errors"][0]["field"] == "owner_email"
    assert not Objective.objects.exists()


def test_client_reads_active_objectives_only(cast: Any, login: Any) -> None:
    objective_create(actor=cast.dlm, title="Active")
    draft = objective_create(actor=cast.dlm, title="Draft", status="draft")
    client = login(cast.client_b)
    assert [o["title"] for o in client.get(f"{API}/objectives").json()["items"]] == ["Active"]
    assert client.get(f"{API}/objectives/{draft.pk}").status_code == 404


def test_request_create_and_detail(cast: Any, login: Any) -> None:
    objective = objective_create(actor=cast.dlm, title="Export")
    client = login(cast.client_a)
    created = client.post(
        f"{API}/requests",
        {
            "title": "Anglais",
            "business_need": "Clients export",
            "population_description": "Export",
            "headcount": 25,
            "objective_id": objective.pk,
            "legal_obligation": False,
            "budget_indication": "12000.50",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference"].startswith("DEM-") and body["status"] == "submitted"
    assert body["requester"] == cast.client_a.email and body["objective_id"] == objective.pk
    assert body["history"][0]["to_status"] == "submitted"
    assert "under_review" in body["allowed_next"]
    assert client.get(f"{API}/requests/{body['id']}").json()["budget_indication"] == "12000.50"
    assert login(cast.client_b).get(f"{API}/requests/{body['id']}").status_code == 404


def test_request_create_errors_name_the_field(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    r = client.post(
        f"{API}/requests",
        {"title": "", "business_need": "x", "legal_obligation": True},
        content_type="application/json",
    )
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"title", "population_description", "legal_reference"} <= fields
    r = client.post(
        f"{API}/requests",
        {"title": "t", "business_need": "x", "population_description": "p", "audience_id": 98765},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "audience_id"
    assert not TrainingRequest.objects.exists()


def test_request_list_filters_and_scope(cast: Any, login: Any) -> None:
    objective = objective_create(actor=cast.dlm, title="Export")
    a = _file(cast, objective=objective)
    b = _file(cast, "client_b")
    staff = login(cast.ld)
    assert staff.get(f"{API}/requests").json()["count"] == 2
    assert [r["id"] for r in staff.get(f"{API}/requests", {"objective": objective.pk}).json()["items"]] == [a.pk]
    assert staff.get(f"{API}/requests", {"status": "open"}).json()["count"] == 2
    assert staff.get(f"{API}/requests", {"status": "parked"}).json()["count"] == 0
    mine = login(cast.client_b).get(f"{API}/requests").json()
    assert [r["id"] for r in mine["items"]] == [b.pk]


def test_transition_through_the_api(cast: Any, login: Any) -> None:
    a, b = _file(cast), _file(cast, "client_b")
    staff = login(cast.ld)
    r = staff.post(
        f"{API}/requests/{a.pk}/transition",
        {"to_status": "merged", "reason": "Même besoin", "merged_into": b.reference},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "merged" and r.json()["merged_into"] == b.reference
    refused = staff.post(
        f"{API}/requests/{a.pk}/transition", {"to_status": "under_review"}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "to_status"
    assert "cannot become" in refused.json()["errors"][0]["message"]
    no_reason = staff.post(
        f"{API}/requests/{b.pk}/transition", {"to_status": "declined"}, content_type="application/json"
    )
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    client = login(cast.client_b)
    assert (
        client.post(
            f"{API}/requests/{b.pk}/transition", {"to_status": "under_review"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_comments_hide_internal_notes_from_the_requester(cast: Any, login: Any) -> None:
    req = _file(cast)
    request_comment_add(actor=cast.ld, request=req, body="Internal", internal=True)
    client = login(cast.client_a)
    posted = client.post(f"{API}/requests/{req.pk}/comments", {"body": "Question"}, content_type="application/json")
    assert posted.status_code == 201 and posted.json()["author"] == cast.client_a.email
    refused = client.post(
        f"{API}/requests/{req.pk}/comments", {"body": "x", "internal": True}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert [c["body"] for c in client.get(f"{API}/requests/{req.pk}/comments").json()["items"]] == ["Question"]
    staff = login(cast.ld).get(f"{API}/requests/{req.pk}/comments").json()
    assert [c["body"] for c in staff["items"]] == ["Internal", "Question"]


def test_similar(cast: Any, login: Any) -> None:
    req = _file(cast)
    twin = _file(cast, "client_b", title="Anglais pour l'export", business_need="Négociation en anglais, export")
    _file(cast, "client_b", title="Excel", business_need="Tableaux croisés")
    r = login(cast.dlm).get(f"{API}/requests/{req.pk}/similar")
    assert r.status_code == 200
    items = r.json()
    assert items[0]["id"] == twin.pk and 0 < items[0]["score"] <= 1
    assert login(cast.client_a).get(f"{API}/requests/{req.pk}/similar").status_code == 403


def test_list_query_count(cast: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        _file(cast, title=f"R{i}")
    client = login(cast.dlm)
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/requests").json()["count"] == 12
