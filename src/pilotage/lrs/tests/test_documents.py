"""The document resources (state, activity profile, agent profile), activities, agents and about."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from pilotage.lrs import credentials
from pilotage.lrs.models import Activity, Agent, Document, LrsClient

ACTIVITY = "https://example.com/courses/safety"
AGENT = {"objectType": "Agent", "mbox": "mailto:julie.petit@example.com", "name": "Julie"}
STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"


class Lrs:
    """A test client speaking xAPI with one LRS client's credentials."""

    def __init__(self, client: Client, key: str, secret: str, version: str = "2.0.0") -> None:
        self.client = client
        self.auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.version = version

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        body: Any = None,
        *,
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
        extra: dict[str, Any] = {
            "HTTP_AUTHORIZATION": f"Basic {self.auth}",
            "HTTP_X_EXPERIENCE_API_VERSION": self.version,
        }
        for name, value in headers.items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return self.client.generic(
            method, f"{path}?{urlencode(query)}", data or b"", content_type=content_type, **extra
        )

    def get(self, path: str, params: dict[str, Any], **headers: str) -> Any:
        return self.request("GET", path, params, **headers)


def make_lrs(scopes: list[str], version: str = "2.0.0") -> Lrs:
    lrs_client, secret = credentials.lrs_client_create(actor="test", name="test tool", scopes=scopes)
    return Lrs(Client(), lrs_client.key, secret, version)


@pytest.fixture
def lrs(db: Any) -> Lrs:
    return make_lrs(["all"])


def state_params(**extra: Any) -> dict[str, Any]:
    return {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark", **extra}


# --- state -------------------------------------------------------------------------------


def test_state_put_get_delete(lrs: Lrs) -> None:
    assert lrs.get(STATE, state_params()).status_code == 404
    body = {"page": 3, "answers": [1, 2]}
    put = lrs.request("PUT", STATE, state_params(), body)
    assert put.status_code == 204
    got = lrs.get(STATE, state_params())
    assert got.status_code == 200
    assert json.loads(got.content) == body
    assert got["Content-Type"] == "application/json"
    assert got["ETag"] == f'"{hashlib.sha1(json.dumps(body).encode()).hexdigest()}"'
    assert got["Last-Modified"].endswith("GMT")
    assert got["X-Experience-API-Version"] == "2.0.0"
    assert lrs.request("DELETE", STATE, state_params()).status_code == 204
    assert lrs.get(STATE, state_params()).status_code == 404


def test_state_keeps_any_content_type(lrs: Lrs) -> None:
    lrs.request("PUT", STATE, state_params(), b"\x00\x01binary", content_type="application/octet-stream")
    got = lrs.get(STATE, state_params())
    assert got.content == b"\x00\x01binary" and got["Content-Type"] == "application/octet-stream"


def test_state_put_twice_without_headers_replaces_in_1_0_3(db: Any) -> None:
    """The State resource permits writes without concurrency headers (1.0.3 Communication 3.1)."""
    lrs = make_lrs(["all"], version="1.0.3")
    lrs.request("PUT", STATE, state_params(), {"a": 1})
    assert lrs.request("PUT", STATE, state_params(), {"b": 2}).status_code == 204
    assert json.loads(lrs.get(STATE, state_params()).content) == {"b": 2}


def test_state_put_on_existing_without_headers_is_409_in_2_0(lrs: Lrs) -> None:
    """xAPI 2.0 (4.1.4) has no State exemption: PUT over a document needs If-Match/If-None-Match."""
    lrs.request("PUT", STATE, state_params(), {"a": 1})
    assert lrs.request("PUT", STATE, state_params(), {"b": 2}).status_code == 409
    assert json.loads(lrs.get(STATE, state_params()).content) == {"a": 1}
    etag = lrs.get(STATE, state_params())["ETag"]
    assert lrs.request("PUT", STATE, state_params(), {"b": 2}, **{"If-Match": etag}).status_code == 204


def test_state_post_merges_json_objects(lrs: Lrs) -> None:
    assert lrs.request("POST", STATE, state_params(), {"car": "Honda", "colour": "red"}).status_code == 204
    assert lrs.request("POST", STATE, state_params(), {"type": "Civic", "colour": "blue"}).status_code == 204
    got = lrs.get(STATE, state_params())
    assert json.loads(got.content) == {"car": "Honda", "type": "Civic", "colour": "blue"}
    assert got["ETag"] == f'"{hashlib.sha1(got.content).hexdigest()}"'


@pytest.mark.parametrize(
    ("first", "first_type", "second", "second_type"),
    [
        ({"a": 1}, "application/json", b"not json", "application/json"),
        ({"a": 1}, "application/json", [1, 2], "application/json"),
        ({"a": 1}, "application/json", b"text", "text/plain"),
        (b"plain text", "text/plain", {"a": 1}, "application/json"),
    ],
)
def test_state_post_refuses_what_cannot_be_merged(
    lrs: Lrs, first: Any, first_type: str, second: Any, second_type: str
) -> None:
    lrs.request("PUT", STATE, state_params(), first, content_type=first_type)
    before = lrs.get(STATE, state_params()).content
    response = lrs.request("POST", STATE, state_params(), second, content_type=second_type)
    assert response.status_code == 400
    assert response.json()["rule"] in {"document-merge", "document-json"}
    assert lrs.get(STATE, state_params()).content == before


def test_state_put_of_invalid_json_declared_json_is_400(lrs: Lrs) -> None:
    assert lrs.request("PUT", STATE, state_params(), b"{oops", content_type="application/json").status_code == 400
    assert not Document.objects.exists()


def test_state_registration_scopes_documents(lrs: Lrs) -> None:
    reg = str(uuid.uuid4())
    lrs.request("PUT", STATE, state_params(), {"where": "none"})
    lrs.request("PUT", STATE, state_params(registration=reg), {"where": "reg"})
    assert json.loads(lrs.get(STATE, state_params()).content) == {"where": "none"}
    assert json.loads(lrs.get(STATE, state_params(registration=reg)).content) == {"where": "reg"}
    other = str(uuid.uuid4())
    assert lrs.get(STATE, state_params(registration=other)).status_code == 404
    bad = lrs.get(STATE, state_params(registration="not-a-uuid"))
    assert bad.status_code == 400 and bad.json()["path"] == "registration"


def test_state_ids_with_since_and_delete_all(lrs: Lrs) -> None:
    base = {"activityId": ACTIVITY, "agent": AGENT}
    lrs.request("PUT", STATE, {**base, "stateId": "a"}, {"x": 1})
    lrs.request("PUT", STATE, {**base, "stateId": "b"}, {"x": 2})
    Document.objects.filter(doc_id="a").update(updated=timezone.now() - dt.timedelta(hours=2))
    assert lrs.get(STATE, base).json() == ["a", "b"]
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert lrs.get(STATE, {**base, "since": since}).json() == ["b"]
    bad = lrs.get(STATE, {**base, "since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["path"] == "since"
    # Another learner's state is untouched by a DELETE of all of this learner's.
    other = {**base, "agent": {"mbox": "mailto:hugo.roux@example.com"}}
    lrs.request("PUT", STATE, {**other, "stateId": "a"}, {"x": 3})
    assert lrs.request("DELETE", STATE, base).status_code == 204
    assert lrs.get(STATE, base).json() == []
    assert lrs.get(STATE, other).json() == ["a"]


@pytest.mark.parametrize(
    ("agent", "path"),
    [
        ("{not json", "agent"),
        ('"mailto:x@example.com"', "agent"),
        ('{"name": "No identifier"}', "agent"),
        ('{"mbox": "x@example.com"}', "agent.mbox"),
        ('{"mbox": "mailto:x@example.com", "openid": "https://id.example.com/x"}', "agent"),
        ('{"objectType": "Group", "mbox": "mailto:team@example.com"}', "agent.objectType"),
    ],
)
def test_state_bad_agent_is_400_with_path(lrs: Lrs, agent: str, path: str) -> None:
    response = lrs.get(STATE, {"activityId": ACTIVITY, "agent": agent, "stateId": "x"})
    assert response.status_code == 400
    assert response.json()["path"] == path


@pytest.mark.parametrize("missing", ["activityId", "agent", "stateId"])
def test_state_put_missing_parameter_is_400(lrs: Lrs, missing: str) -> None:
    params = state_params()
    del params[missing]
    response = lrs.request("PUT", STATE, params, {"a": 1})
    assert response.status_code == 400 and response.json()["path"] == missing


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"activityId": "not an iri", "agent": AGENT, "stateId": "x"}, "activityId"),
        ({"activityID": ACTIVITY, "agent": AGENT, "stateId": "x"}, "activityID"),  # wrong case
        ({**state_params(), "profileId": "x"}, "profileId"),  # unknown here
        ({**state_params(), "since": "2026-01-01T00:00:00Z"}, "since"),  # not with stateId
    ],
)
def test_state_bad_parameters_are_400(lrs: Lrs, params: dict[str, Any], path: str) -> None:
    response = lrs.get(STATE, params)
    assert response.status_code == 400 and response.json()["path"] == path


def test_state_if_match_and_if_none_match(lrs: Lrs) -> None:
    lrs.request("PUT", STATE, state_params(), {"v": 1})
    etag = lrs.get(STATE, state_params())["ETag"]
    stale = '"' + "0" * 40 + '"'
    assert lrs.request("PUT", STATE, state_params(), {"v": 2}, **{"If-Match": stale}).status_code == 412
    assert lrs.request("PUT", STATE, state_params(), {"v": 2}, **{"If-None-Match": "*"}).status_code == 412
    assert lrs.request("POST", STATE, state_params(), {"w": 2}, **{"If-Match": stale}).status_code == 412
    assert lrs.request("DELETE", STATE, state_params(), **{"If-Match": stale}).status_code == 412
    assert json.loads(lrs.get(STATE, state_params()).content) == {"v": 1}
    assert lrs.request("PUT", STATE, state_params(), {"v": 2}, **{"If-Match": etag}).status_code == 204
    assert json.loads(lrs.get(STATE, state_params()).content) == {"v": 2}
    # If-Match on a document that does not exist fails; If-None-Match: * creates.
    new = state_params(stateId="new")
    assert lrs.request("PUT", STATE, new, {"n": 1}, **{"If-Match": "*"}).status_code == 412
    assert lrs.request("PUT", STATE, new, {"n": 1}, **{"If-None-Match": "*"}).status_code == 204


def test_state_scope(db: Any) -> None:
    profiles_only = make_lrs(["define"])
    response = profiles_only.get(STATE, state_params())
    assert response.status_code == 403
    assert make_lrs(["state"]).get(STATE, state_params()).status_code == 404


def test_documents_need_credentials_and_version(db: Any, client: Client) -> None:
    assert client.get(STATE, state_params()).status_code == 401
    lrs = make_lrs(["all"])
    lrs.version = ""
    response = lrs.get(ACTIVITY_PROFILE, {"activityId": ACTIVITY})
    assert response.status_code == 400 and response.json()["rule"] == "version-header"


# --- activity profile --------------------------------------------------------------------


def test_activity_profile_put_merge_get_delete(lrs: Lrs) -> None:
    params = {"activityId": ACTIVITY, "profileId": "settings"}
    assert lrs.request("PUT", ACTIVITY_PROFILE, params, {"theme": "dark"}, **{"If-None-Match": "*"}).status_code == 204
    # POST merges without concurrency headers (the conformance suites post twice).
    assert lrs.request("POST", ACTIVITY_PROFILE, params, {"lang": "fr"}).status_code == 204
    got = lrs.get(ACTIVITY_PROFILE, params)
    assert json.loads(got.content) == {"theme": "dark", "lang": "fr"}
    assert lrs.get(ACTIVITY_PROFILE, {"activityId": ACTIVITY}).json() == ["settings"]
    assert lrs.request("DELETE", ACTIVITY_PROFILE, params).status_code == 204
    assert lrs.get(ACTIVITY_PROFILE, params).status_code == 404


def test_activity_profile_put_without_headers_is_400_new_and_409_existing(lrs: Lrs) -> None:
    """Communication 3.1: the client sends If-Match or If-None-Match with a profile PUT. None
    sent: 400 while no document exists (the ADL suite, XAPI-00273/00287), 409 once one does."""
    params = {"activityId": ACTIVITY, "profileId": "settings"}
    refused = lrs.request("PUT", ACTIVITY_PROFILE, params, {"v": 1})
    assert refused.status_code == 400 and refused.json()["rule"] == "concurrency"
    assert lrs.get(ACTIVITY_PROFILE, params).status_code == 404  # nothing stored
    agent_params = {"agent": AGENT, "profileId": "settings"}
    assert lrs.request("PUT", AGENT_PROFILE, agent_params, {"v": 1}).status_code == 400
    assert lrs.request("PUT", ACTIVITY_PROFILE, params, {"v": 1}, **{"If-None-Match": "*"}).status_code == 204
    conflict = lrs.request("PUT", ACTIVITY_PROFILE, params, {"v": 2})
    assert conflict.status_code == 409
    assert "If-Match" in conflict.json()["error"]
    assert json.loads(lrs.get(ACTIVITY_PROFILE, params).content) == {"v": 1}
    etag = lrs.get(ACTIVITY_PROFILE, params)["ETag"]
    assert lrs.request("PUT", ACTIVITY_PROFILE, params, {"v": 2}, **{"If-Match": etag}).status_code == 204
    assert lrs.request("PUT", ACTIVITY_PROFILE, params, {"v": 3}, **{"If-Match": etag}).status_code == 412
    assert json.loads(lrs.get(ACTIVITY_PROFILE, params).content) == {"v": 2}


def test_activity_profile_ids_since(lrs: Lrs) -> None:
    lrs.request(
        "PUT", ACTIVITY_PROFILE, {"activityId": ACTIVITY, "profileId": "old"}, {"a": 1}, **{"If-None-Match": "*"}
    )
    Document.objects.update(updated=timezone.now() - dt.timedelta(days=1))
    lrs.request(
        "PUT", ACTIVITY_PROFILE, {"activityId": ACTIVITY, "profileId": "new"}, {"a": 1}, **{"If-None-Match": "*"}
    )
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert lrs.get(ACTIVITY_PROFILE, {"activityId": ACTIVITY, "since": since}).json() == ["new"]
    assert lrs.get(ACTIVITY_PROFILE, {"activityId": "https://example.com/other"}).json() == []


def test_activity_profile_scope_and_missing_activity(db: Any) -> None:
    assert make_lrs(["state"]).get(ACTIVITY_PROFILE, {"activityId": ACTIVITY}).status_code == 403
    response = make_lrs(["define"]).get(ACTIVITY_PROFILE, {"profileId": "x"})
    assert response.status_code == 400 and response.json()["path"] == "activityId"


# --- agent profile -----------------------------------------------------------------------


def test_agent_profile_put_merge_get_delete(lrs: Lrs) -> None:
    params = {"agent": AGENT, "profileId": "preferences"}
    assert lrs.request("POST", AGENT_PROFILE, params, {"volume": 3}).status_code == 204
    assert lrs.request("POST", AGENT_PROFILE, params, {"speed": 1.5}).status_code == 204
    assert json.loads(lrs.get(AGENT_PROFILE, params).content) == {"volume": 3, "speed": 1.5}
    # Same agent written differently (no objectType, no name): same documents.
    same = {"agent": {"mbox": "mailto:julie.petit@example.com"}}
    assert lrs.get(AGENT_PROFILE, same).json() == ["preferences"]
    assert lrs.request("PUT", AGENT_PROFILE, params, {"volume": 1}).status_code == 409
    assert lrs.request("DELETE", AGENT_PROFILE, params).status_code == 204
    assert lrs.get(AGENT_PROFILE, params).status_code == 404


def test_agent_profile_bad_agent_and_scope(db: Any) -> None:
    lrs = make_lrs(["define"])
    response = lrs.get(AGENT_PROFILE, {"agent": '{"mbox": "nope"}'})
    assert response.status_code == 400 and response.json()["path"] == "agent.mbox"
    assert lrs.get(AGENT_PROFILE, {}).json()["path"] == "agent"
    assert make_lrs(["statements/write"]).get(AGENT_PROFILE, {"agent": AGENT}).status_code == 403


def test_version_1_0_3_is_served(db: Any) -> None:
    lrs = make_lrs(["all"], version="1.0.3")
    params = {"activityId": ACTIVITY, "profileId": "p"}
    assert lrs.request("PUT", ACTIVITY_PROFILE, params, {"a": 1}, **{"If-None-Match": "*"}).status_code == 204
    assert lrs.get(ACTIVITY_PROFILE, params).status_code == 200


# --- activities, agents, about -------------------------------------------------------------


def test_activities_returns_the_stored_definition(lrs: Lrs) -> None:
    definition = {"name": {"en-US": "Safety"}, "type": "http://adlnet.gov/expapi/activities/course"}
    Activity.objects.create(iri=ACTIVITY, definition=definition)
    response = lrs.get("/xapi/activities", {"activityId": ACTIVITY})
    assert response.json() == {"objectType": "Activity", "id": ACTIVITY, "definition": definition}
    unknown = lrs.get("/xapi/activities", {"activityId": "https://example.com/unknown"})
    assert unknown.status_code == 200
    assert unknown.json() == {"objectType": "Activity", "id": "https://example.com/unknown"}
    assert lrs.get("/xapi/activities", {}).status_code == 400


def test_agents_returns_a_person_with_the_employee_identifiers(cast: Any) -> None:
    lrs = make_lrs(["statements/read"])
    julie = cast.employees["learner"]
    Agent.objects.create(ifi="mbox:mailto:julie.petit@example.com", name="Julie P.", employee=julie)
    Agent.objects.create(ifi="account:https://lms.example.com/|E003", name="jpetit", employee=julie)
    person = lrs.get("/xapi/agents", {"agent": AGENT}).json()
    assert person["objectType"] == "Person"
    assert person["name"] == ["Julie", "Julie P.", "jpetit", "Julie Petit"]
    assert person["mbox"] == ["mailto:julie.petit@example.com"]
    assert person["account"] == [{"homePage": "https://lms.example.com/", "name": "E003"}]
    assert "openid" not in person


def test_agents_unknown_agent_is_a_person_of_its_own_identifier(lrs: Lrs) -> None:
    person = lrs.get("/xapi/agents", {"agent": {"openid": "https://id.example.com/u1"}}).json()
    assert person == {"objectType": "Person", "openid": ["https://id.example.com/u1"]}
    assert lrs.get("/xapi/agents", {"agent": {"name": "nobody"}}).status_code == 400


def test_about_needs_no_credentials(db: Any, client: Client) -> None:
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]
    assert "extensions" in response.json()
    assert response["X-Experience-API-Version"] == "2.0.0"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/xapi/about?foo=1").status_code == 400


def test_last_used_is_recorded(db: Any) -> None:
    lrs = make_lrs(["all"])
    lrs.get(ACTIVITY_PROFILE, {"activityId": ACTIVITY})
    assert LrsClient.objects.get().last_used_at is not None
