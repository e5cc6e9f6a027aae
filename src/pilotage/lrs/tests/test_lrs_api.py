"""Learning records in the REST API (/api/v1/lrs/): statements (keyset pages, no count),
activities and progress (paginated), scoped exactly like the web browser."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings

from pilotage.lrs.models import Activity
from pilotage.lrs.services import statement_store

V = "http://adlnet.gov/expapi/verbs/"
COURSE = "https://elearning.example.com/courses/rgpd"
OTHER = "https://elearning.example.com/courses/excel"
REG = str(uuid.uuid4())
API = "/api/v1/lrs"


def _stmt(actor: dict[str, Any], verb: str, activity: str = COURSE, **extra: Any) -> dict[str, Any]:
    return {
        "actor": actor,
        "verb": {"id": V + verb, "display": {"en-US": verb}},
        "object": {"id": activity, "definition": {"name": {"en-US": "GDPR every day", "fr-FR": "RGPD au quotidien"}}},
        **extra,
    }


@pytest.fixture
def records(cast: Any) -> dict[str, Any]:
    learner = {"mbox": f"mailto:{cast.employees['learner'].email}"}
    peer = {"account": {"homePage": settings.SITE_URL, "name": "E004"}}
    tech = {"mbox": f"mailto:{cast.employees['tech'].email}"}
    ids = statement_store(
        statements=[
            _stmt(learner, "launched", context={"registration": REG}),
            _stmt(
                learner,
                "passed",
                context={"registration": REG},
                result={"score": {"scaled": 0.9}, "success": True, "duration": "PT10M"},
            ),
            _stmt(peer, "launched"),
            _stmt(tech, "launched", OTHER),
            _stmt(tech, "failed", OTHER, result={"success": False}),
            _stmt({"mbox": "mailto:someone@partner.example"}, "launched"),
        ],
        client=None,
        version="2.0.0",
    )
    return {"ids": ids}


def test_statements_keyset_pages_without_count(records: dict[str, Any], cast: Any, login: Any) -> None:
    api = login(cast.dlm)
    body = api.get(f"{API}/statements", {"limit": 4}).json()
    assert "count" not in body
    assert [item["id"] for item in body["items"]] == records["ids"][::-1][:4]
    assert body["next"].startswith(f"{API}/statements?") and "after=" in body["next"]
    rest = api.get(body["next"]).json()
    assert [item["id"] for item in rest["items"]] == records["ids"][::-1][4:]
    assert rest["next"] is None
    first = body["items"][0]
    assert first["actor"]["employee_number"] is None  # the external trainee
    passed = next(i for i in rest["items"] if i["verb"] == V + "passed")
    assert passed["actor"]["employee_number"] == "E003"
    assert passed["statement"]["result"]["score"]["scaled"] == 0.9
    assert passed["registration"] == REG and passed["activity"] == COURSE
    assert passed["activity_name"] == "GDPR every day"


def test_statement_filters_and_errors(records: dict[str, Any], cast: Any, login: Any) -> None:
    api = login(cast.dlm)
    assert len(api.get(f"{API}/statements", {"verb": V + "launched"}).json()["items"]) == 4
    assert len(api.get(f"{API}/statements", {"registration": REG}).json()["items"]) == 2
    assert len(api.get(f"{API}/statements", {"org_unit": cast.unit_b.pk}).json()["items"]) == 2
    assert len(api.get(f"{API}/statements", {"learner": "E003"}).json()["items"]) == 2
    assert api.get(f"{API}/statements", {"verb": "https://nothing.example/v"}).json()["items"] == []
    response = api.get(f"{API}/statements", {"registration": "not-a-uuid", "since": "last week"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"registration", "since"}
    response = login(cast.client_a).get(f"{API}/statements", {"org_unit": cast.unit_b.pk})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "org_unit"
    assert api.get(f"{API}/statements", {"limit": 0}).status_code == 422


def test_statements_are_scoped(records: dict[str, Any], cast: Any, login: Any) -> None:
    items = login(cast.client_a).get(f"{API}/statements").json()["items"]
    assert {i["actor"]["employee_number"] for i in items} == {"E003", "E004"}
    items = login(cast.client_b).get(f"{API}/statements").json()["items"]
    assert {i["actor"]["employee_number"] for i in items} == {"E005"}
    learner_statement = records["ids"][1]
    assert login(cast.client_b).get(f"{API}/statements/{learner_statement}").status_code == 404
    assert login(cast.client_a).get(f"{API}/statements/{learner_statement}").json()["id"] == learner_statement
    assert login(cast.dlm).get(f"{API}/statements/not-a-uuid").status_code == 404
    assert login(cast.vendor_a).get(f"{API}/statements").status_code == 403
    assert login(cast.learner).get(f"{API}/progress").status_code == 403


def test_activities_with_figures(records: dict[str, Any], cast: Any, login: Any) -> None:
    body = login(cast.dlm).get(f"{API}/activities").json()
    assert body["count"] == 2 and body["offset"] == 0
    course = next(a for a in body["items"] if a["iri"] == COURSE)
    assert course["learners"] == 3 and course["completed"] == 1
    assert course["success_rate"] == 1.0 and course["average_score"] == pytest.approx(0.9)
    assert course["name"] == "GDPR every day"
    assert body["items"][0]["iri"] == COURSE  # most followed first
    scoped = login(cast.client_b).get(f"{API}/activities").json()
    assert [a["iri"] for a in scoped["items"]] == [OTHER]
    assert scoped["items"][0]["success_rate"] == 0.0
    course_id = Activity.objects.get(iri=COURSE).pk
    assert login(cast.client_b).get(f"{API}/activities/{course_id}").status_code == 404
    assert login(cast.client_a).get(f"{API}/activities/{course_id}").json()["learners"] == 2


def test_progress_rows(records: dict[str, Any], cast: Any, login: Any) -> None:
    api = login(cast.dlm)
    body = api.get(f"{API}/progress", {"activity": COURSE}).json()
    assert body["count"] == 3
    row = api.get(f"{API}/progress", {"activity": COURSE, "registration": REG}).json()["items"][0]
    assert row["employee_id"] == cast.employees["learner"].pk
    assert row["success"] is True and row["best_score"] == pytest.approx(0.9)
    assert row["time_spent_seconds"] == 600 and row["completed_at"] is not None
    assert row["agent"]["employee_number"] == "E003"
    none = api.get(f"{API}/progress", {"employee": cast.employees["peer"].pk}).json()["items"][0]
    assert none["registration"] is None
    assert api.get(f"{API}/progress", {"activity": "https://nowhere.example"}).status_code == 400
    scoped = login(cast.manager).get(f"{API}/progress").json()
    assert {r["agent"]["employee_number"] for r in scoped["items"]} == {"E003", "E004"}


def test_api_query_counts_are_bounded(
    records: dict[str, Any], cast: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    api = login(cast.client_a)
    with django_assert_max_num_queries(12):
        assert api.get(f"{API}/statements", {"limit": 100}).status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get(f"{API}/activities").status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get(f"{API}/progress").status_code == 200
