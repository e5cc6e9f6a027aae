"""The prioritisation API: criteria (GET/PUT whole set, weights checked) and request scores."""

from __future__ import annotations

from typing import Any

from pilotage.strategy.models import Criterion
from pilotage.strategy.tests.test_priorities import make_request

API = "/api/v1/strategy"


def _payload() -> list[dict[str, Any]]:
    return [
        {"key": c.key, "name_en": c.name_en, "name_fr": c.name_fr, "weight": c.weight, "source": c.source}
        for c in Criterion.objects.filter(active=True)
    ]


def test_criteria_get_and_put(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    got = client.get(f"{API}/criteria").json()
    assert [c["key"] for c in got][:2] == ["strategic_alignment", "business_impact"]
    rows = _payload()
    rows[0]["weight"] = 40
    response = client.put(f"{API}/criteria", {"criteria": rows}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "criteria",
            "message": "The weights of the active criteria add up to 115 %; they must add up to 100 %.",
        }
    ]
    rows[0]["weight"] = 25
    rows[3]["weight"] = "x"
    response = client.put(f"{API}/criteria", {"criteria": rows}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "criteria.3.weight"
    rows[3]["weight"] = 15
    rows.reverse()
    response = client.put(f"{API}/criteria", {"criteria": rows}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()[0]["key"] == "cost" and response.json()[0]["position"] == 0


def test_criteria_put_is_the_dlms(cast: Any, login: Any) -> None:
    response = login(cast.ld).put(f"{API}/criteria", {"criteria": _payload()}, content_type="application/json")
    assert response.status_code == 403
    assert login(cast.client_a).get(f"{API}/criteria").status_code == 403


def test_request_score_get_and_put(cast: Any, login: Any) -> None:
    req = make_request(cast)
    client = login(cast.ld)
    score = client.get(f"{API}/requests/{req.pk}/score").json()
    assert score["manual"] == {} and len(score["breakdown"]) == 6
    impact = next(line for line in score["breakdown"] if line["criterion"] == "business_impact")
    assert impact["scored"] is False
    response = client.put(
        f"{API}/requests/{req.pk}/score", {"scores": {"business_impact": 6}}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "scores.business_impact"
    response = client.put(
        f"{API}/requests/{req.pk}/score", {"scores": {"business_impact": 5}}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["manual"] == {"business_impact": 5}
    assert response.json()["total"] > score["total"]
    assert login(cast.client_a).get(f"{API}/requests/{req.pk}/score").status_code == 403
    assert login(cast.ld).get(f"{API}/requests/987654/score").status_code == 404
