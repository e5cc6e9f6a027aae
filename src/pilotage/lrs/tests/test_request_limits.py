"""A request body larger than LRS_MAX_REQUEST_BYTES answers 413 with a JSON message."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client, override_settings

from pilotage.lrs.credentials import lrs_client_create

pytestmark = pytest.mark.django_db


def _headers() -> dict[str, str]:
    client, secret = lrs_client_create(actor="test", name="Tool", scopes=["all"])
    token = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "2.0.0"}


def _statements(n: int) -> str:
    return json.dumps(
        [
            {
                "actor": {"mbox": f"mailto:learner{i}@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": f"https://courses.example/{i}"},
            }
            for i in range(n)
        ]
    )


@override_settings(LRS_MAX_REQUEST_BYTES=2000)
def test_a_body_over_the_limit_is_a_413_before_anything_is_stored(cast: Any) -> None:
    body = _statements(40)
    assert len(body) > 2000
    response = Client().post("/xapi/statements", body, content_type="application/json", **_headers())
    assert response.status_code == 413
    assert response.json()["rule"] == "request-too-large"
    assert "2,000 bytes" in response.json()["error"]
    assert response["X-Experience-API-Version"] == "2.0.0"


@override_settings(LRS_MAX_REQUEST_BYTES=2000)
def test_a_body_under_the_limit_is_stored(cast: Any) -> None:
    response = Client().post("/xapi/statements", _statements(2), content_type="application/json", **_headers())
    assert response.status_code == 200
    assert len(response.json()) == 2


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000, LRS_MAX_REQUEST_BYTES=10**6)
def test_djangos_own_limit_also_answers_413_in_json(cast: Any) -> None:
    response = Client().post("/xapi/statements", _statements(20), content_type="application/json", **_headers())
    assert response.status_code == 413
    assert response.json()["rule"] == "request-too-large"
