"""xAPI conformance, through HTTP, grouped like the ADL LRS conformance test suite
(adlnet/lrs-conformance-test-suite, test/v1_0_3 and test/v2_0).

Each case names the suite's requirement id(s) (XAPI-00nnn) or, where the suite gives
none, its section (Communication 2.2, Data 2.6...). Most cases run for both versions the
LRS speaks (``version`` fixture: "1.0.3" and "2.0.0"); the differences between them have
their own group at the end. See docs/lrs.md, "Conformance".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from pilotage.lrs.http import hash_secret
from pilotage.lrs.models import Document, LrsClient, Statement

STATEMENTS = "/xapi/statements"
STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITIES = "/xapi/activities"
AGENTS = "/xapi/agents"
ABOUT = "/xapi/about"
ACTIVITY = "http://www.example.com/meetings/occurances/34534"
VERB = "http://adlnet.gov/expapi/verbs/attended"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
AGENT = {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"}
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
BOUNDARY = "-------314159265358979323846"


class Xapi:
    """An LRS client speaking one xAPI version through Django's test client."""

    def __init__(self, client: Client, version: str, key: str = "conformance") -> None:
        self.client = client
        self.version = version
        secret = f"secret-{key}"
        LrsClient.objects.create(name=key, key=key, secret_hash=hash_secret(secret), scopes=["all"])
        self.authorization = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def meta(
        self, *, auth: bool = True, version: str | None = "", headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if auth:
            meta["HTTP_AUTHORIZATION"] = self.authorization
        chosen = self.version if version == "" else version
        if chosen is not None:
            meta["HTTP_X_EXPERIENCE_API_VERSION"] = chosen
        for name, value in (headers or {}).items():
            meta["HTTP_" + name.upper().replace("-", "_")] = value
        return meta

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        *,
        content_type: str = "application/json",
        auth: bool = True,
        version: str | None = "",
        headers: dict[str, str] | None = None,
    ) -> Any:
        if params:
            encoded = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
            path = f"{path}?{urlencode(encoded)}"
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        meta = self.meta(auth=auth, version=version, headers=headers)
        return self.client.generic(method, path, data, content_type=content_type, **meta)

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.request("GET", path, params, **kwargs)

    def post(self, body: Any, **kwargs: Any) -> Any:
        return self.request("POST", STATEMENTS, None, body, **kwargs)

    def put(self, body: Any, statement_id: str, **kwargs: Any) -> Any:
        return self.request("PUT", STATEMENTS, {"statementId": statement_id}, body, **kwargs)

    def store(self, statement: dict[str, Any]) -> str:
        response = self.post(statement)
        assert response.status_code == 200, response.content
        ids: list[str] = response.json()
        return ids[0]


@pytest.fixture(params=["1.0.3", "2.0.0"])
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def lrs(db: Any, client: Client, version: str) -> Xapi:
    return Xapi(client, version)


@pytest.fixture
def lrs1(db: Any, client: Client) -> Xapi:
    return Xapi(client, "1.0.3", key="v1")


@pytest.fixture
def lrs2(db: Any, client: Client) -> Xapi:
    return Xapi(client, "2.0.0", key="v2")


def statement(**extra: Any) -> dict[str, Any]:
    """The suite's ``statements.default``: an Agent attending an Activity."""
    data: dict[str, Any] = {
        "actor": dict(AGENT),
        "verb": {"id": VERB, "display": {"en-GB": "attended", "en-US": "attended"}},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY,
            "definition": {
                "name": {"en-GB": "example meeting", "en-US": "example meeting"},
                "description": {"en-GB": "An example meeting.", "en-US": "An example meeting."},
                "type": "http://adlnet.gov/expapi/activities/meeting",
            },
        },
    }
    data.update(extra)
    return data


def with_context(**context: Any) -> dict[str, Any]:
    """The suite's ``statements.context`` with a category and an instructor."""
    base = {
        "registration": str(uuid.uuid4()),
        "instructor": {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:pri@adlnet.gov"},
        "contextActivities": {
            "category": {
                "id": "http://www.example.com/test/array/statements/pri",
                "definition": {"name": {"en-GB": "pri", "en-US": "pri"}, "description": {"en-GB": "p", "en-US": "p"}},
            }
        },
    }
    base.update(context)
    return statement(context=base)


def multipart(first: Any, *parts: tuple[bytes, str, str | None], boundary: str = BOUNDARY) -> bytes:
    """A multipart/mixed body: the JSON, then (content, content type, hash or None) parts."""
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(first).encode(), b"\r\n"]
    for content, content_type, sha2 in parts:
        head = f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
        if sha2 is not None:
            head += f"X-Experience-API-Hash: {sha2}\r\n"
        chunks += [(head + "\r\n").encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def text_attachment(content: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
        **extra,
    }


MULTIPART = f"multipart/mixed; boundary={BOUNDARY}"


# --- Statement resource (Communication 2.1) ---------------------------------------------------


def test_statement_resource_post_put_get(lrs: Xapi) -> None:
    """XAPI-00139, XAPI-00143, XAPI-00144, XAPI-00146, XAPI-00147, XAPI-00156, XAPI-00159."""
    response = lrs.post(statement())
    assert response.status_code == 200 and len(response.json()) == 1
    sid = str(uuid.uuid4())
    assert lrs.put(statement(id=sid), sid).status_code == 204
    got = lrs.get(STATEMENTS, {"statementId": sid})
    assert got.status_code == 200 and got.json()["id"] == sid
    page = lrs.get(STATEMENTS)
    assert page.status_code == 200 and {"statements", "more"} <= set(page.json())


@pytest.mark.parametrize(
    ("query", "status"),
    [
        pytest.param("", 400, id="XAPI-00145-no-statementId"),
        pytest.param("?statementId=true", 400, id="statementId-boolean"),
        pytest.param("?statementId=%5Bobject%20Object%5D", 400, id="statementId-object"),
        pytest.param("?StatementId=" + str(uuid.uuid4()), 400, id="XAPI-00325-StatementId-case"),
        pytest.param("?statementId=" + str(uuid.uuid4()) + "&foo=bar", 400, id="XAPI-00324-unknown-param"),
    ],
)
def test_statement_put_parameters(lrs: Xapi, query: str, status: int) -> None:
    """XAPI-00145, XAPI-00324, XAPI-00325: PUT needs exactly a UUID statementId."""
    response = lrs.client.generic("PUT", STATEMENTS + query, json.dumps(statement()), "application/json", **lrs.meta())
    assert response.status_code == status


def test_statement_id_conflict_does_not_modify(lrs: Xapi) -> None:
    """XAPI-00142: a stored statement is never modified by a re-sent id (409 if different)."""
    sid = str(uuid.uuid4())
    assert lrs.put(statement(id=sid), sid).status_code == 204
    other = statement(id=sid, verb={"id": "http://example.com/different/verb/iri"})
    assert lrs.put(other, sid).status_code == 409
    assert lrs.post(other).status_code == 409
    assert lrs.put(statement(id=sid), sid).status_code == 204  # the same statement again
    assert lrs.get(STATEMENTS, {"statementId": sid}).json()["verb"]["id"] == VERB


def test_rejected_batch_stores_nothing(lrs: Xapi) -> None:
    """XAPI-00326 (Communication 2.1.2.s2.b4): one bad statement rejects the whole batch."""
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    response = lrs.post([statement(id=good), statement(id=bad, verb={"id": "should fail"})])
    assert response.status_code == 400
    assert lrs.get(STATEMENTS, {"statementId": good}).status_code == 404


def test_batch_with_the_same_id_twice_is_400(lrs: Xapi) -> None:
    """2.0 suite 4.1.6.1: a batch using one id twice is rejected, even for equal statements."""
    sid = str(uuid.uuid4())
    assert lrs.post([statement(id=sid), statement(id=sid)]).status_code == 400
    assert not Statement.objects.filter(statement_id=sid).exists()


def test_last_modified_is_the_stored_time(lrs: Xapi) -> None:
    """2.0 suite 4.1.6.1: GET by id carries Last-Modified matching ``stored`` (to the second)."""
    sid = lrs.store(statement())
    response = lrs.get(STATEMENTS, {"statementId": sid})
    stored = dt.datetime.fromisoformat(response.json()["stored"].replace("Z", "+00:00"))
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(response["Last-Modified"]) == stored.replace(microsecond=0)


# --- query parameters (Communication 2.1.3) ---------------------------------------------------

ACCEPTED_QUERIES = [
    pytest.param({"agent": AGENT}, id="XAPI-00181-agent"),
    pytest.param({"verb": "http://adlnet.gov/expapi/non/existent"}, id="XAPI-00180-verb"),
    pytest.param({"activity": ACTIVITY}, id="XAPI-00179-activity"),
    pytest.param({"registration": str(uuid.uuid4())}, id="XAPI-00178-registration"),
    pytest.param({"activity": ACTIVITY, "related_activities": "true"}, id="XAPI-00177-related_activities"),
    pytest.param({"agent": AGENT, "related_agents": "true"}, id="XAPI-00176-related_agents"),
    pytest.param({"since": "2012-06-01T19:09:13.245Z"}, id="XAPI-00175-since"),
    pytest.param({"until": "2012-06-01T19:09:13.245Z"}, id="XAPI-00174-until"),
    pytest.param({"since": "2012-06-01T19:09:13+02:00"}, id="since-offset"),
    pytest.param({"limit": "1"}, id="XAPI-00173-limit"),
    pytest.param({"limit": "0"}, id="limit-0-server-maximum"),
    pytest.param({"format": "ids"}, id="XAPI-00171-format-ids"),
    pytest.param({"format": "exact"}, id="XAPI-00170-format-exact"),
    pytest.param({"format": "canonical"}, id="XAPI-00169-format-canonical"),
    pytest.param({"attachments": "false"}, id="XAPI-00161-attachments-false"),
    pytest.param({"ascending": "true"}, id="XAPI-00166-ascending"),
    pytest.param({}, id="XAPI-00154-no-parameter"),
]


@pytest.mark.parametrize("params", ACCEPTED_QUERIES)
def test_query_parameters_are_accepted_with_consistent_through(lrs: Xapi, params: dict[str, Any]) -> None:
    """XAPI-00153, XAPI-00160, XAPI-00166..00181: 200, a StatementResult, and an ISO 8601
    X-Experience-API-Consistent-Through not before any returned ``stored``."""
    lrs.store(with_context())
    response = lrs.get(STATEMENTS, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["statements"], list) and isinstance(body["more"], str)
    through = dt.datetime.fromisoformat(response["X-Experience-API-Consistent-Through"].replace("Z", "+00:00"))
    for item in body["statements"]:
        assert dt.datetime.fromisoformat(item["stored"].replace("Z", "+00:00")) <= through  # XAPI-00152


REJECTED_QUERIES = [
    pytest.param({"foo": "bar"}, id="XAPI-00324-unknown"),
    *[
        pytest.param({name: value}, id=f"XAPI-00325-{name}")
        for name, value in [
            ("StatementId", str(uuid.uuid4())),
            ("VoidedStatementId", str(uuid.uuid4())),
            ("Agent", json.dumps(AGENT)),
            ("Verb", VERB),
            ("Activity", ACTIVITY),
            ("Registration", str(uuid.uuid4())),
            ("Related_Activities", "true"),
            ("Related_Agents", "true"),
            ("Since", "2012-06-01T19:09:13.245Z"),
            ("Until", "2012-06-01T19:09:13.245Z"),
            ("Limit", "10"),
            ("Format", "ids"),
            ("Attachments", "true"),
            ("Ascending", "true"),
        ]
    ],
    pytest.param({"agent": "not JSON"}, id="agent-not-json"),
    pytest.param({"agent": json.dumps({"name": "no ifi"})}, id="agent-without-ifi"),
    pytest.param({"registration": "not a UUID"}, id="registration-not-uuid"),
    pytest.param({"since": "yesterday"}, id="since-not-a-timestamp"),
    pytest.param({"until": "2012-06-01"}, id="until-date-only"),
    pytest.param({"since": "2012-06-01T19:09:13-00:00"}, id="since-negative-zero-offset"),
    pytest.param({"limit": "-1"}, id="limit-negative"),
    pytest.param({"limit": "ten"}, id="limit-not-a-number"),
    pytest.param({"format": "full"}, id="format-unknown"),
    pytest.param({"ascending": "yes"}, id="ascending-not-boolean"),
    pytest.param({"attachments": "1"}, id="attachments-not-boolean"),
    pytest.param({"statementId": "nope"}, id="statementId-not-uuid"),
]


@pytest.mark.parametrize("params", REJECTED_QUERIES)
def test_bad_query_parameters_are_400(lrs: Xapi, params: dict[str, Any]) -> None:
    """XAPI-00324, XAPI-00325 and the parameter types of Communication 2.1.3."""
    response = lrs.get(STATEMENTS, params)
    assert response.status_code == 400, response.content
    assert response.has_header("X-Experience-API-Consistent-Through")  # XAPI-00153
    assert "error" in response.json()


SINGLE_EXTRA = [
    ("agent", json.dumps(AGENT)),
    ("verb", VERB),
    ("activity", ACTIVITY),
    ("registration", str(uuid.uuid4())),
    ("related_activities", "true"),
    ("related_agents", "true"),
    ("since", "2012-06-01T19:09:13.245Z"),
    ("until", "2012-06-01T19:09:13.245Z"),
    ("limit", "1"),
    ("ascending", "true"),
]


@pytest.mark.parametrize(
    ("id_param", "name", "value"),
    [pytest.param("statementId", n, v, id=f"XAPI-00151-statementId-{n}") for n, v in SINGLE_EXTRA]
    + [pytest.param("voidedStatementId", n, v, id=f"XAPI-00150-voidedStatementId-{n}") for n, v in SINGLE_EXTRA],
)
def test_single_statement_get_takes_only_format_and_attachments(
    lrs: Xapi, id_param: str, name: str, value: str
) -> None:
    """XAPI-00150, XAPI-00151."""
    sid = lrs.store(statement())
    assert lrs.get(STATEMENTS, {id_param: sid, name: value}).status_code == 400


@pytest.mark.parametrize("extra", [{"format": "ids"}, {"attachments": "true"}, {"format": "canonical"}])
def test_single_statement_get_with_format_or_attachments(lrs: Xapi, extra: dict[str, str]) -> None:
    """XAPI-00150, XAPI-00151: format and attachments go with statementId and voidedStatementId."""
    target = lrs.store(statement())
    lrs.store(statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))
    assert lrs.get(STATEMENTS, {"voidedStatementId": target, **extra}).status_code == 200
    other = lrs.store(statement())
    assert lrs.get(STATEMENTS, {"statementId": other, **extra}).status_code == 200


def test_empty_result_is_not_an_error(lrs: Xapi) -> None:
    """XAPI-00149."""
    response = lrs.get(STATEMENTS, {"verb": "http://adlnet.gov/expapi/non/existent"})
    assert response.status_code == 200 and response.json()["statements"] == []


def test_consistent_through_on_an_error(lrs: Xapi) -> None:
    """XAPI-00153: the header comes with every answer to a GET, a 400 included."""
    response = lrs.get(STATEMENTS, version=None)
    assert response.status_code == 400
    assert response["X-Experience-API-Consistent-Through"].endswith("Z")


def test_filters_select_the_right_statements(lrs: Xapi) -> None:
    """XAPI-00164 (the statements correspond to the filters), XAPI-00176, XAPI-00177."""
    plain = lrs.store(statement())
    taught = lrs.store(with_context())
    instructor = {"mbox": "mailto:pri@adlnet.gov"}

    def ids(**params: Any) -> list[str]:
        return [s["id"] for s in lrs.get(STATEMENTS, params).json()["statements"]]

    assert ids(agent=instructor) == []
    assert ids(agent=instructor, related_agents="true") == [taught]
    category = "http://www.example.com/test/array/statements/pri"
    assert ids(activity=category) == []
    assert ids(activity=category, related_activities="true") == [taught]
    assert ids(activity=ACTIVITY) == [taught, plain]
    assert ids(activity=ACTIVITY, ascending="true") == [plain, taught]
    assert ids(limit="1") == [taught]


def test_limit_and_more(lrs: Xapi) -> None:
    """XAPI-00173 and Communication 2.1.3 (``more``): limit=1 pages through every statement once."""
    stored = [lrs.store(statement()) for _ in range(3)]
    seen: list[str] = []
    response = lrs.get(STATEMENTS, {"limit": "1"})
    while True:
        body = response.json()
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            break
        response = lrs.get(body["more"])
        assert response.status_code == 200
    assert seen == stored[::-1]


def test_format_ids_and_canonical_with_accept_language(lrs: Xapi) -> None:
    """XAPI-00169, XAPI-00171, XAPI-00172: ids keeps identifiers only; canonical picks one
    language by Accept-Language; exact (the default) keeps every language."""
    sid = lrs.store(with_context())
    ids = lrs.get(STATEMENTS, {"statementId": sid, "format": "ids"}).json()
    assert ids["verb"] == {"id": VERB} and ids["object"] == {"id": ACTIVITY}  # an activity: its id only
    assert ids["actor"] == {"objectType": "Agent", "mbox": AGENT["mbox"]}
    assert ids["context"]["contextActivities"]["category"] == [
        {"id": "http://www.example.com/test/array/statements/pri"}
    ]
    canonical = lrs.get(STATEMENTS, {"statementId": sid, "format": "canonical"}, headers={"Accept-Language": "en-GB"})
    body = canonical.json()
    assert body["verb"]["display"] == {"en-GB": "attended"}
    assert "en-US" not in body["object"]["definition"]["name"]
    # The context activities too (XAPI-00172 looks at the category's name and description).
    category = body["context"]["contextActivities"]["category"][0]["definition"]
    assert category["name"] == {"en-GB": "pri"} and category["description"] == {"en-GB": "p"}
    exact = lrs.get(STATEMENTS, {"statementId": sid}, headers={"Accept-Language": "en-GB"}).json()
    assert set(exact["verb"]["display"]) == {"en-GB", "en-US"}
    assert set(exact["context"]["contextActivities"]["category"][0]["definition"]["name"]) == {"en-GB", "en-US"}


def test_formats_reach_inside_a_sub_statement(lrs: Xapi) -> None:
    """XAPI-00169, XAPI-00171: ``canonical`` picks one language for the sub-statement's verb
    and activity too; ``ids`` leaves the sub-statement's activity its id only."""
    inner_activity = f"http://www.example.com/unicode/{uuid.uuid4()}"
    sub = {
        "objectType": "SubStatement",
        "actor": {"objectType": "Group", "name": "g", "mbox": "mailto:group@example.com"},
        "verb": {"id": VERB, "display": {"en-GB": "attended", "fr-FR": "a assisté", "de-DE": "besuchte"}},
        "object": {
            "objectType": "Activity",
            "id": inner_activity,
            "definition": {"name": {"en-GB": "attended", "fr-FR": "assisté"}, "description": {"en": "Unicode"}},
        },
        "context": {
            "contextActivities": {"parent": [{"id": ACTIVITY, "definition": {"name": {"en-GB": "p", "fr": "p"}}}]}
        },
    }
    sid = lrs.store(statement(object=sub))
    canonical = lrs.get(STATEMENTS, {"statementId": sid, "format": "canonical"}, headers={"Accept-Language": "en-GB"})
    inner = canonical.json()["object"]
    assert inner["verb"]["display"] == {"en-GB": "attended"}
    assert inner["object"]["definition"]["name"] == {"en-GB": "attended"}
    assert inner["object"]["definition"]["description"] == {"en": "Unicode"}  # no en-GB: the first there is
    assert set(inner["context"]["contextActivities"]["parent"][0]["definition"]["name"]) == {"en-GB"}
    ids = lrs.get(STATEMENTS, {"statementId": sid, "format": "ids"}).json()["object"]
    assert ids["object"] == {"id": inner_activity}
    assert ids["actor"] == {"objectType": "Group", "mbox": "mailto:group@example.com"}


@pytest.mark.parametrize(
    "attachments",
    [
        12345,
        "should fail",
        {
            "usageType": "http://example.com/usage",
            "display": {"en-US": "A"},
            "contentType": "text/plain",
            "length": 1,
            "sha2": "x",
        },
        [12345],
    ],
)
def test_attachments_that_are_not_an_array_of_objects_are_400(lrs: Xapi, attachments: Any) -> None:
    """XAPI-00102 (the suite's configs/attachments.js): a statement's ``attachments`` is an
    array of Attachment objects; anything else is a 400 naming the path (was a 500 when the
    signature check looked at it before validation)."""
    response = lrs.post(statement(attachments=attachments))
    assert response.status_code == 400, response.content
    assert "attachments" in response.json()["path"]


# --- Voiding (Data 2.3.2, Communication 2.1.4) --------------------------------------------------


def test_voided_statement_is_only_read_by_voided_statement_id(lrs: Xapi) -> None:
    """XAPI-00155, XAPI-00157, XAPI-00163."""
    target = lrs.store(statement())
    voiding = lrs.store(statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))
    assert lrs.get(STATEMENTS, {"statementId": target}).status_code == 404
    got = lrs.get(STATEMENTS, {"voidedStatementId": target})
    assert got.status_code == 200 and got.json()["id"] == target
    assert lrs.get(STATEMENTS, {"voidedStatementId": voiding}).status_code == 404
    listed = [s["id"] for s in lrs.get(STATEMENTS).json()["statements"]]
    assert voiding in listed and target not in listed


def test_statements_targeting_a_voided_statement_are_returned(lrs: Xapi) -> None:
    """XAPI-00162: a filter matching the voided statement returns the statements targeting
    it (the StatementRef and the voiding statement), not the voided statement itself."""
    verb = "http://adlnet.gov/expapi/test/voided/target/" + str(uuid.uuid4())
    voided = lrs.store(statement(verb={"id": verb}))
    voiding = lrs.store(statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voided}))
    ref = lrs.store(statement(verb={"id": verb}, object={"objectType": "StatementRef", "id": voided}))
    listed = [s["id"] for s in lrs.get(STATEMENTS, {"verb": verb}).json()["statements"]]
    assert listed == [ref, voiding]
    assert [s["id"] for s in lrs.get(STATEMENTS, {"verb": verb, "limit": "1"}).json()["statements"]] == [ref]


def test_voiding_statement_follows_its_target_through_agent_and_registration(lrs: Xapi) -> None:
    """XAPI-00162 with the agent and registration filters: the voiding statement (another
    actor, no registration) is returned because its target matches."""
    registration = str(uuid.uuid4())
    learner = {"mbox": "mailto:voided.target@example.com"}
    voided = lrs.store(statement(actor=learner, context={"registration": registration}))
    admin = {"mbox": "mailto:admin@example.com"}
    voiding = lrs.store(
        statement(actor=admin, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voided})
    )
    for params in (
        {"agent": learner},
        {"registration": registration},
        {"agent": learner, "registration": registration},
    ):
        assert [s["id"] for s in lrs.get(STATEMENTS, params).json()["statements"]] == [voiding]
    assert lrs.get(STATEMENTS, {"agent": learner, "since": "2999-01-01T00:00:00Z"}).json()["statements"] == []


def test_each_filter_is_met_by_the_statement_or_by_its_target(lrs: Xapi) -> None:
    """XAPI-00162 reads each filter on its own: ``verb=voided`` holds on the voiding
    statement, ``agent=<the learner>`` on its target; together they return the voiding
    statement an administrator made. A filter that neither holds returns nothing."""
    learner = {"mbox": "mailto:mixed.filters@example.com"}
    admin = {"mbox": "mailto:admin.mixed@example.com"}
    voided = lrs.store(statement(actor=learner))
    voiding = lrs.store(
        statement(actor=admin, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voided})
    )
    other = lrs.store(
        statement(
            actor=admin,
            verb={"id": VOIDED},
            object={"objectType": "StatementRef", "id": lrs.store(statement(actor=admin))},
        )
    )
    for params in ({"verb": VOIDED, "agent": learner}, {"agent": learner}, {"verb": VOIDED, "agent": admin}):
        listed = [s["id"] for s in lrs.get(STATEMENTS, params).json()["statements"]]
        assert voiding in listed, params
    assert [s["id"] for s in lrs.get(STATEMENTS, {"verb": VOIDED, "agent": learner}).json()["statements"]] == [voiding]
    assert other not in [s["id"] for s in lrs.get(STATEMENTS, {"agent": learner}).json()["statements"]]
    nobody = {"mbox": "mailto:nobody.mixed@example.com"}
    lrs.store(statement(actor=nobody, verb={"id": "http://adlnet.gov/expapi/verbs/attempted"}))
    assert lrs.get(STATEMENTS, {"verb": VOIDED, "agent": nobody}).json()["statements"] == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(statement(verb={"id": VOIDED}), id="voiding-an-activity"),
        pytest.param(statement(verb={"id": VOIDED}, object={"objectType": "StatementRef"}), id="ref-without-id"),
    ],
)
def test_voiding_needs_a_statement_ref(lrs: Xapi, body: dict[str, Any]) -> None:
    """Data 2.3.2: a voiding statement's object is a StatementRef."""
    assert lrs.post(body).status_code == 400


# --- Attachments (Data 2.4.11, Communication 1.5) ------------------------------------------------


def test_attachment_round_trip(lrs: Xapi) -> None:
    """XAPI-00161, XAPI-00167: stored from multipart/mixed; returned as multipart only with
    attachments=true (application/json otherwise)."""
    content = b"here is a simple attachment"
    body = multipart(statement(attachments=[text_attachment(content)]), (content, "text/plain", None))
    body = body.replace(
        b"binary\r\n", f"binary\r\nX-Experience-API-Hash: {hashlib.sha256(content).hexdigest()}\r\n".encode()
    )
    response = lrs.request("POST", STATEMENTS, None, body, content_type=MULTIPART)
    assert response.status_code == 200, response.content
    sid = response.json()[0]
    plain = lrs.get(STATEMENTS, {"statementId": sid})
    assert plain["Content-Type"] == "application/json"
    assert lrs.get(STATEMENTS, {"statementId": sid, "attachments": "false"})["Content-Type"] == "application/json"
    with_parts = lrs.get(STATEMENTS, {"statementId": sid, "attachments": "true"})
    assert with_parts["Content-Type"].startswith("multipart/mixed; boundary=")
    assert content in with_parts.content
    listed = lrs.get(STATEMENTS, {"attachments": "true"})
    assert listed["Content-Type"].startswith("multipart/mixed") and content in listed.content


SUITE_TWO_ATTACHMENTS = (
    "---------314159265358979323846\n"
    "Content-Type: application/json\n"
    "\n"
    + json.dumps(
        statement(
            attachments=[
                text_attachment(b"here is a simple attachment"),
                text_attachment(b"here is another simple attachment"),
            ]
        )
    )
    + "\n---------314159265358979323846\n"
    'Content-Disposition: attachment; filename="text_data.txt"\n'
    "Content-Type: text/plain\n"
    "Content-Transfer-Encoding: binary\n"
    "X-Experience-API-Hash: 495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a\n"
    "\n"
    "here is a simple attachment\n"
    "---------314159265358979323846\n"
    'Content-Disposition: attachment; filename="text_data.txt"\n'
    "Content-Type: text/plain\n"
    "Content-Transfer-Encoding: binary\n"
    "X-Experience-API-Hash: 7063d0a4cfa93373753ad2f5a6ffcf684559fb1df3c2f0473a14ece7d4edb06a\n"
    "\n"
    "here is another simple attachment\n"
    "---------314159265358979323846--\n"
)


def test_suite_sample_bodies_with_lf_line_ends(lrs: Xapi) -> None:
    """XAPI-00161, Data 2.4.11: the suite's ``*.part`` sample bodies end their lines with LF
    (not CRLF); they are accepted, each part's content without the line break before the
    next delimiter. The "middle part without boundary" sample is a 400."""
    response = lrs.request("POST", STATEMENTS, None, SUITE_TWO_ATTACHMENTS, content_type=MULTIPART)
    assert response.status_code == 200, response.content
    got = lrs.get(STATEMENTS, {"statementId": response.json()[0], "attachments": "true"})
    assert b"here is another simple attachment" in got.content
    broken = SUITE_TWO_ATTACHMENTS.replace(
        "\n---------314159265358979323846\nContent-Disposition", "\n\nContent-Disposition", 1
    )
    assert lrs.request("POST", STATEMENTS, None, broken, content_type=MULTIPART).status_code == 400


def test_multipart_answer_parses_like_the_suite(lrs: Xapi) -> None:
    """XAPI-00154, XAPI-00167 (Data 2.5): the suite's multipartParser takes the boundary as the
    text after ``boundary=`` up to ``;`` (quotes kept), then splits the body on ``--`` + it:
    the boundary is sent unquoted, the first part is the StatementResult JSON."""
    content = b"here is a simple attachment"
    sha2 = hashlib.sha256(content).hexdigest()
    body = multipart(statement(attachments=[text_attachment(content)]), (content, "text/plain", sha2))
    assert lrs.request("POST", STATEMENTS, None, body, content_type=MULTIPART).status_code == 200
    response = lrs.get(STATEMENTS, {"attachments": "true"})
    header = response["Content-Type"]
    start = header.index("boundary=") + len("boundary=")
    boundary = header[start:].split(";")[0]
    text = response.content.decode()
    assert f"--{boundary}\r\n" in text, "the boundary, as the suite reads it, must delimit the parts"
    first = text.split(f"--{boundary}")[1]
    head, _, json_part = first.partition("\r\n\r\n")
    assert "application/json" in head
    assert "statements" in json.loads(json_part.rstrip("\r\n"))
    assert content.decode() in text.split(f"--{boundary}")[2]


def _parts(content: bytes) -> tuple[bytes, str, str]:
    return content, "text/plain", hashlib.sha256(content).hexdigest()


ONE, TWO, THREE = b"first attachment", b"second attachment body", b"third"


@pytest.mark.parametrize(
    ("statement_attachments", "parts", "content_type", "status"),
    [
        pytest.param([text_attachment(ONE)], [_parts(ONE)], MULTIPART, 200, id="one-part"),
        pytest.param(
            [text_attachment(ONE), text_attachment(TWO)], [_parts(ONE), _parts(TWO)], MULTIPART, 200, id="two-parts"
        ),
        pytest.param(
            [text_attachment(ONE), text_attachment(TWO)],
            [_parts(ONE), _parts(TWO), _parts(THREE)],
            MULTIPART,
            400,
            id="XAPI-00128-excess-part",
        ),
        pytest.param(
            [text_attachment(ONE), text_attachment(TWO)], [_parts(ONE)], MULTIPART, 400, id="XAPI-00129-missing-part"
        ),
        pytest.param(
            [text_attachment(ONE)],
            [_parts(ONE)],
            f"multipart/form-data; boundary={BOUNDARY}",
            400,
            id="XAPI-00127-form-data",
        ),
        pytest.param([text_attachment(ONE)], [_parts(ONE)], "multipart/mixed", 400, id="XAPI-00131-no-boundary"),
        pytest.param(
            [text_attachment(ONE)], [(ONE, "text/plain", "0" * 64)], MULTIPART, 400, id="XAPI-00134-wrong-hash"
        ),
        pytest.param([text_attachment(ONE)], [(ONE, "text/plain", None)], MULTIPART, 400, id="XAPI-00133-no-hash"),
        pytest.param(
            [text_attachment(ONE, fileUrl="http://over.there.com/file.txt")], [], MULTIPART, 200, id="fileUrl-multipart"
        ),
        pytest.param(None, [], MULTIPART, 200, id="multipart-without-attachments"),
    ],
)
def test_attachment_requests(
    lrs: Xapi,
    statement_attachments: list[dict[str, Any]] | None,
    parts: list[tuple[bytes, str, str | None]],
    content_type: str,
    status: int,
) -> None:
    """XAPI-00127..00135: multipart/mixed requests and their parts."""
    body_statement = statement(attachments=statement_attachments) if statement_attachments else statement()
    body = multipart(body_statement, *parts)
    response = lrs.request("POST", STATEMENTS, None, body, content_type=content_type)
    assert response.status_code == status, response.content


def test_attachment_by_file_url_as_json(lrs: Xapi) -> None:
    """XAPI-00127: an attachment with fileUrl only is sent as application/json."""
    body = statement(attachments=[text_attachment(ONE, fileUrl="http://over.there.com/file.txt")])
    assert lrs.post(body).status_code == 200
    assert lrs.post(statement(attachments=[text_attachment(ONE)])).status_code == 400  # no part, no fileUrl


# --- Signed statements (Data 2.6) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def signer() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pilotage conformance test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(
    payload: dict[str, Any],
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate | None,
    *,
    alg: str = "RS256",
) -> bytes:
    """A compact JWS: base64url(header).base64url(payload).base64url(signature)."""
    header: dict[str, Any] = {"alg": alg}
    if certificate is not None:
        header["x5c"] = [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()]
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(payload).encode())}"
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}.get(alg, hashes.SHA256())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), digest)
    return f"{signing_input}.{_b64url(signature)}".encode()


def signed_request(
    signed: dict[str, Any],
    token: bytes,
    *,
    sent: dict[str, Any] | None = None,
    content_type: str = "application/octet-stream",
) -> bytes:
    """The multipart body of a signed statement: ``sent`` (default: the signed statement)
    with its signature attachment, then the JWS part."""
    body = dict(sent if sent is not None else signed)
    body["attachments"] = [
        {
            "usageType": SIGNATURE,
            "display": {"en-US": "Signature"},
            "contentType": content_type,
            "length": len(token),
            "sha2": hashlib.sha256(token).hexdigest(),
        }
    ]
    return multipart(body, (token, content_type, hashlib.sha256(token).hexdigest()))


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statement_is_verified_and_stored(lrs: Xapi, signer: Any, alg: str) -> None:
    """Data 2.6.s4.b1: a statement signed with RS256/384/512 and its x5c certificate is stored."""
    key, certificate = signer
    signed = statement(id=str(uuid.uuid4()))
    response = lrs.request(
        "POST", STATEMENTS, None, signed_request(signed, jws(signed, key, certificate, alg=alg)), content_type=MULTIPART
    )
    assert response.status_code == 200, response.content
    assert response.json() == [signed["id"]]


def test_signed_statement_duration_compared_to_the_hundredth(lrs: Xapi, signer: Any) -> None:
    """2.0 4.2.7 (the ADL suite's case): the statement may carry more precision in its
    duration than the signed payload; beyond 0.01 s it is not compared. A difference in
    the hundredths still is."""
    key, certificate = signer
    signed = statement(id=str(uuid.uuid4()), result={"duration": "P1DT12H36M0.12S"})
    posted = {**signed, "result": {"duration": "P1DT12H36M0.1237S"}}
    token = jws(signed, key, certificate)
    response = lrs.request("POST", STATEMENTS, None, signed_request(posted, token), content_type=MULTIPART)
    assert response.status_code == 200, response.content
    differs = {**signed, "id": str(uuid.uuid4()), "result": {"duration": "P1DT12H36M0.13S"}}
    token = jws({**signed, "id": differs["id"]}, key, certificate)
    response = lrs.request("POST", STATEMENTS, None, signed_request(differs, token), content_type=MULTIPART)
    assert response.status_code == 400, response.content
    assert response.json()["rule"] == "signature"


def _other_certificate(signer: Any) -> x509.Certificate:
    _, certificate = signer
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        x509.CertificateBuilder()
        .subject_name(certificate.subject)
        .issuer_name(certificate.issuer)
        .public_key(other_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(certificate.not_valid_before_utc)
        .not_valid_after(certificate.not_valid_after_utc)
        .sign(other_key, hashes.SHA256())
    )


@pytest.mark.parametrize(
    "case",
    [
        "tampered-statement",
        "tampered-signature",
        "other-certificate",
        "bad-content-type",
        "HS256",
        "broken-json",
        "bad-x5c",
    ],
)
def test_bad_signatures_are_400(lrs: Xapi, signer: Any, case: str) -> None:
    """Data 2.6.s4.b1..b4: a signature that does not verify, whose payload differs from the
    statement, with another algorithm than RS256/384/512, or not a JWS: 400, nothing stored."""
    key, certificate = signer
    signed = statement(id=str(uuid.uuid4()))
    token = jws(signed, key, certificate)
    sent = None
    content_type = "application/octet-stream"
    if case == "tampered-statement":
        sent = {**signed, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    elif case == "tampered-signature":
        head, payload, signature = token.decode().split(".")
        token = f"{head}.{payload}.{_b64url(bytes(reversed(base64.urlsafe_b64decode(signature + '==='))))}".encode()
    elif case == "other-certificate":
        token = jws(signed, key, _other_certificate(signer))
    elif case == "bad-content-type":
        content_type = "text/plain; charset=ascii"
    elif case == "HS256":
        header = _b64url(json.dumps({"alg": "HS256"}).encode())
        token = f"{header}.{_b64url(json.dumps(signed).encode())}.{_b64url(b'mac')}".encode()
    elif case == "broken-json":
        head, _, signature = token.decode().split(".")
        token = f"{head}.{_b64url(b'{not json')}.{signature}".encode()
    elif case == "bad-x5c":
        header = _b64url(json.dumps({"alg": "RS256", "x5c": ["bm90IGEgY2VydA=="]}).encode())
        token = f"{header}.{_b64url(json.dumps(signed).encode())}.{_b64url(b'sig')}".encode()
    body = signed_request(signed, token, sent=sent, content_type=content_type)
    response = lrs.request("POST", STATEMENTS, None, body, content_type=MULTIPART)
    assert response.status_code == 400, response.content
    assert response.json()["rule"] in {"signature", "attachment-hash"}
    assert not Statement.objects.filter(statement_id=signed["id"]).exists()


def test_signed_statement_in_the_suites_own_framing(lrs: Xapi, signer: Any) -> None:
    """Data 2.6 as the suite's helper.signStatement sends it: a leading CRLF, headers without
    a space after the colon, no x5c, no line break after the closing delimiter."""
    key, _ = signer
    signed = statement(id=str(uuid.uuid4()))
    token = jws(signed, key, None)
    sha2 = hashlib.sha256(token).hexdigest()
    sent = {
        **signed,
        "attachments": [
            {
                "usageType": SIGNATURE,
                "display": {"en-US": "Signed by the Test Suite"},
                "description": {"en-US": "Signed by the Test Suite"},
                "contentType": "application/octet-stream",
                "length": len(token),
                "sha2": sha2,
            }
        ],
    }
    boundary = "-------------12345"
    body = (
        f"\r\n--{boundary}\r\nContent-Type:application/json\r\n\r\n".encode()
        + json.dumps(sent).encode()
        + f"\r\n--{boundary}\r\nContent-Type:application/octet-stream\r\nContent-Transfer-Encoding:binary\r\n"
        f"X-Experience-API-Hash:{sha2}\r\n\r\n".encode()
        + token
        + f"\r\n--{boundary}--".encode()
    )
    response = lrs.request("POST", STATEMENTS, None, body, content_type=f"multipart/mixed; boundary={boundary}")
    assert response.status_code == 200, response.content


def test_signature_without_certificate_is_accepted_structurally(lrs: Xapi, signer: Any) -> None:
    """Data 2.6: without x5c the LRS has no key to verify with; a well-formed RS256 JWS whose
    payload is the statement is accepted."""
    key, _ = signer
    signed = statement(id=str(uuid.uuid4()))
    body = signed_request(signed, jws(signed, key, None))
    assert lrs.request("POST", STATEMENTS, None, body, content_type=MULTIPART).status_code == 200


# --- Document resources: State, Activity Profile, Agent Profile (Communication 2.2-2.7) ---------


def _state_params() -> dict[str, Any]:
    return {"activityId": ACTIVITY, "agent": AGENT, "stateId": "state-" + uuid.uuid4().hex}


def _activity_profile_params() -> dict[str, Any]:
    return {"activityId": ACTIVITY, "profileId": "profile-" + uuid.uuid4().hex}


def _agent_profile_params() -> dict[str, Any]:
    return {"agent": AGENT, "profileId": "profile-" + uuid.uuid4().hex}


DOCUMENTS = [
    pytest.param(STATE, _state_params, id="state"),
    pytest.param(ACTIVITY_PROFILE, _activity_profile_params, id="activity-profile"),
    pytest.param(AGENT_PROFILE, _agent_profile_params, id="agent-profile"),
]


@pytest.mark.parametrize(("path", "params_of"), DOCUMENTS)
def test_document_post_new_then_merge(lrs: Xapi, path: str, params_of: Any) -> None:
    """Communication 2.2.s7: a POST of a new document stores it (as a PUT); a second POST of
    a JSON object merges one level deep; the merged document comes back with a quoted SHA-1
    ETag (XAPI-00322)."""
    params = params_of()
    assert lrs.request("POST", path, params, {"car": {"make": "Ford"}, "driver": "Dale"}).status_code == 204
    assert lrs.request("POST", path, params, {"car": {"make": "Dodge"}, "type": "Civic"}).status_code == 204
    got = lrs.get(path, params)
    assert got.status_code == 200
    assert got.json() == {"car": {"make": "Dodge"}, "driver": "Dale", "type": "Civic"}
    assert got["ETag"] == '"' + hashlib.sha1(got.content).hexdigest() + '"'  # noqa: S324
    assert got.has_header("Last-Modified")


@pytest.mark.parametrize(("path", "params_of"), DOCUMENTS)
@pytest.mark.parametrize("document", ["1", "true", "abc"])
def test_document_post_is_not_rejected_for_its_contents(lrs: Xapi, path: str, params_of: Any, document: str) -> None:
    """Communication 2.2.s4.b2: a POST of a new document is not rejected for its contents (the
    suite sends "1" and "true" as form bodies); it is kept with its content type."""
    params = params_of()
    response = lrs.request("POST", path, params, document, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204, response.content
    got = lrs.get(path, params)
    assert got.content == document.encode() and got["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(("path", "params_of"), DOCUMENTS)
def test_document_post_that_cannot_merge_is_400(lrs: Xapi, path: str, params_of: Any) -> None:
    """Communication 2.2.s8.b1: a POST onto an existing document where either is not JSON: 400, unchanged."""
    params = params_of()
    assert lrs.request("POST", path, params, {"car": "MKX"}).status_code == 204
    response = lrs.request("POST", path, params, "abc", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert lrs.get(path, params).json() == {"car": "MKX"}


@pytest.mark.parametrize(("path", "params_of"), DOCUMENTS)
def test_document_concurrency(lrs: Xapi, path: str, params_of: Any) -> None:
    """XAPI-00322 (Communication 3.1): If-Match with the current ETag replaces, a stale one is
    412 and changes nothing, If-None-Match: * creates only."""
    params = params_of()
    assert lrs.request("PUT", path, params, {"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    assert lrs.request("PUT", path, params, {"v": 2}, headers={"If-None-Match": "*"}).status_code == 412
    etag = lrs.get(path, params)["ETag"]
    stale = '"1111111111111111111111111111111111111111"'
    assert lrs.request("PUT", path, params, {"v": 3}, headers={"If-Match": stale}).status_code == 412
    assert lrs.get(path, params).json() == {"v": 1}
    assert lrs.request("PUT", path, params, {"v": 4}, headers={"If-Match": etag}).status_code == 204
    assert lrs.get(path, params).json() == {"v": 4}
    assert lrs.request("DELETE", path, params, headers={"If-Match": stale}).status_code == 412
    assert lrs.request("DELETE", path, params, headers={"If-Match": lrs.get(path, params)["ETag"]}).status_code == 204
    assert lrs.get(path, params).status_code == 404


@pytest.mark.parametrize(
    ("path", "params_of"),
    [pytest.param(ACTIVITY_PROFILE, _activity_profile_params), pytest.param(AGENT_PROFILE, _agent_profile_params)],
)
def test_profile_put_without_precondition_on_existing_is_409(lrs: Xapi, path: str, params_of: Any) -> None:
    """Communication 3.1: a PUT to an existing profile without If-Match/If-None-Match is 409
    with an explanation, and the document is unchanged."""
    params = params_of()
    assert lrs.request("POST", path, params, {"a": 1}).status_code == 204
    response = lrs.request("PUT", path, params, {"a": 2})
    assert response.status_code == 409 and response.json()["error"]
    assert lrs.get(path, params).json() == {"a": 1}


def test_state_put_without_precondition(lrs: Xapi) -> None:
    """1.0.3 Communication 2.3/3.1: the State resource permits PUT without concurrency
    headers; 2.0 (4.1.4, 2.0 suite 4.1.4-Concurrency) has no such exemption: 409, unchanged."""
    params = _state_params()
    assert lrs.request("PUT", STATE, params, {"a": 1}).status_code == 204
    if lrs.version == "1.0.3":
        assert lrs.request("PUT", STATE, params, {"a": 2}).status_code == 204
        assert lrs.get(STATE, params).json() == {"a": 2}
    else:
        response = lrs.request("PUT", STATE, params, {"a": 2})
        assert response.status_code == 409 and "If-Match" in response.json()["error"]
        assert lrs.get(STATE, params).json() == {"a": 1}
    assert lrs.request("POST", STATE, params, {"b": 3}).status_code == 204  # POST merges without headers


def _without(params: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != name}


STATE_BAD = [
    pytest.param(lambda p: _without(p, "activityId"), id="no-activityId"),
    pytest.param(lambda p: {**p, "activityId": "1"}, id="activityId-number"),
    pytest.param(lambda p: {**p, "activityId": "true"}, id="activityId-boolean"),
    pytest.param(lambda p: {**_without(p, "activityId"), "activityId[key]": "value"}, id="activityId-object"),
    pytest.param(lambda p: _without(p, "agent"), id="no-agent"),
    pytest.param(lambda p: {**p, "agent": "not JSON"}, id="agent-not-json"),
    pytest.param(lambda p: {**p, "agent": "1"}, id="agent-number"),
    pytest.param(lambda p: {**p, "agent": json.dumps({"mbox": "xapi@adlnet.gov"})}, id="agent-mbox-without-mailto"),
    pytest.param(lambda p: {**p, "registration": "not UUID"}, id="registration-not-uuid"),
    pytest.param(lambda p: {**p, "registration": "1"}, id="registration-number"),
    pytest.param(lambda p: {**p, "StateId": p["stateId"]}, id="XAPI-00325-StateId"),
    pytest.param(lambda p: {**p, "foo": "bar"}, id="XAPI-00324-unknown"),
]


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("bad", STATE_BAD)
def test_state_parameters_are_checked(lrs: Xapi, method: str, bad: Any) -> None:
    """Communication 2.3.s3.table1: activityId (IRI), agent (JSON Agent), registration
    (UUID) for every method; unknown or mis-cased parameters are 400."""
    params = bad(_state_params())
    body = {"a": 1} if method in ("PUT", "POST") else None
    assert lrs.request(method, STATE, params, body).status_code == 400


def test_state_registration_and_ids(lrs: Xapi) -> None:
    """Communication 2.3: registration scopes the documents; GET without stateId lists the
    ids (since: updated after); DELETE without stateId deletes them all."""
    registration = str(uuid.uuid4())
    base = {"activityId": ACTIVITY, "agent": AGENT}
    assert (
        lrs.request("PUT", STATE, {**base, "stateId": "a", "registration": registration}, {"x": 1}).status_code == 204
    )
    assert lrs.request("PUT", STATE, {**base, "stateId": "b"}, {"x": 2}).status_code == 204
    assert lrs.get(STATE, {**base, "registration": registration}).json() == ["a"]
    assert lrs.get(STATE, {**base, "since": "2012-06-01T19:09:13.245Z"}).json() == ["b"]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert lrs.get(STATE, {**base, "since": future}).json() == []
    assert lrs.request("DELETE", STATE, base).status_code == 204
    assert lrs.get(STATE, base).json() == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param(ACTIVITY_PROFILE, {}, id="activity-profile-no-activityId"),
        pytest.param(ACTIVITY_PROFILE, {"activityId": "not an IRI", "profileId": "p"}, id="activity-profile-bad-iri"),
        pytest.param(AGENT_PROFILE, {"profileId": "p"}, id="agent-profile-no-agent"),
        pytest.param(AGENT_PROFILE, {"agent": "{}", "profileId": "p"}, id="agent-profile-agent-without-ifi"),
        pytest.param(AGENT_PROFILE, {"agent": json.dumps(AGENT), "ProfileId": "p"}, id="XAPI-00325-ProfileId"),
        pytest.param(ACTIVITY_PROFILE, {"activityId": ACTIVITY, "profileId": "p", "since": "nope"}, id="since-bad"),
    ],
)
def test_profile_parameters_are_checked(lrs: Xapi, path: str, params: dict[str, Any]) -> None:
    """Communication 2.6, 2.7: activityId / agent are required and checked."""
    assert lrs.get(path, params).status_code == 400


@pytest.mark.parametrize(("path", "params_of"), DOCUMENTS)
def test_document_head_and_missing(lrs: Xapi, path: str, params_of: Any) -> None:
    """Communication 1.1: HEAD answers like GET without the body; a missing document is 404."""
    params = params_of()
    assert lrs.get(path, params).status_code == 404
    lrs.request("POST", path, params, {"a": 1})
    head = lrs.request("HEAD", path, params)
    assert head.status_code == 200 and head.content == b"" and head.has_header("ETag")


# --- Activities, Agents, About (Communication 2.4, 2.5, 2.8) ----------------------------------


def test_activities_resource(lrs: Xapi) -> None:
    """Communication 2.5: the Activity object (also for an activity never seen)."""
    lrs.store(statement())
    got = lrs.get(ACTIVITIES, {"activityId": ACTIVITY})
    assert got.status_code == 200 and got.json()["id"] == ACTIVITY and got.json()["definition"]["type"]
    assert lrs.get(ACTIVITIES, {"activityId": "http://example.com/never"}).json()["id"] == "http://example.com/never"
    assert lrs.get(ACTIVITIES).status_code == 400
    assert lrs.get(ACTIVITIES, {"activityId": ACTIVITY, "foo": "bar"}).status_code == 400


def test_agents_resource(lrs: Xapi) -> None:
    """Communication 2.4: the Person object of an Agent; a bad or missing agent is 400."""
    got = lrs.get(AGENTS, {"agent": AGENT})
    assert got.status_code == 200 and got.json()["objectType"] == "Person"
    assert got.json()["mbox"] == [AGENT["mbox"]]
    assert lrs.get(AGENTS).status_code == 400
    assert lrs.get(AGENTS, {"agent": "not JSON"}).status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        pytest.param("DELETE", STATEMENTS, {"statementId": str(uuid.uuid4())}, id="statements-DELETE"),
        pytest.param("DELETE", ACTIVITIES, {"activityId": ACTIVITY}, id="activities-DELETE"),
        pytest.param("POST", ACTIVITIES, {"activityId": ACTIVITY}, id="activities-POST"),
        pytest.param("PUT", ACTIVITIES, {"activityId": ACTIVITY}, id="activities-PUT"),
        pytest.param("DELETE", AGENTS, {"agent": AGENT}, id="agents-DELETE"),
        pytest.param("POST", AGENTS, {"agent": AGENT}, id="agents-POST"),
        pytest.param("PUT", AGENTS, {"agent": AGENT}, id="agents-PUT"),
        pytest.param("POST", ABOUT, {}, id="about-POST"),
    ],
)
@pytest.mark.parametrize("auth", [True, False])
def test_methods_not_in_the_specification_are_405(lrs: Xapi, method: str, path: str, params: Any, auth: bool) -> None:
    """Communication 3.2.s3.b1: 405, with or without credentials."""
    assert lrs.request(method, path, params, auth=auth).status_code == 405


def test_about_for_1_0_3(lrs1: Xapi) -> None:
    """XAPI-00315..00319 (1.0.3 suite): the versions are all 1.0.x and include "1.0.1"."""
    for auth in (True, False):
        about = lrs1.get(ABOUT, auth=auth)
        assert about.status_code == 200
        assert "1.0.1" in about.json()["version"]
        assert set(about.json()["version"]) <= {"0.9", "0.95", "1.0.0", "1.0.1", "1.0.2", "1.0.3"}
        assert about["X-Experience-API-Version"] == "1.0.3"


def test_about_for_2_0(lrs2: Xapi) -> None:
    """XAPI-00316, XAPI-00317 (2.0 suite): "2.0.0" is listed; without a version header too."""
    for version in ("2.0.0", None):
        about = lrs2.get(ABOUT, auth=False, version=version)
        assert about.status_code == 200 and "2.0.0" in about.json()["version"]
        assert about["X-Experience-API-Version"] == "2.0.0"
    assert lrs2.get(ABOUT, {"foo": "bar"}).status_code == 400
    head = lrs2.request("HEAD", ABOUT)
    assert head.status_code == 200 and head.content == b""


# --- Authentication (Communication 4.0) ---------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-credentials"),
        pytest.param("Basic " + base64.b64encode(b"RobCIsNot:AUserOnThisLRS").decode(), id="XAPI-00334-unknown"),
        pytest.param("Basic:" + base64.b64encode(b"RobCIsNot:AUserOnThisLRS").decode(), id="XAPI-00334-malformed"),
        pytest.param("Basic !!!", id="not-base64"),
        pytest.param("Bearer abc", id="other-scheme"),
    ],
)
@pytest.mark.parametrize("path", [STATEMENTS, STATE, ACTIVITY_PROFILE, AGENT_PROFILE, ACTIVITIES, AGENTS])
def test_bad_authorization_is_401(lrs: Xapi, authorization: str | None, path: str) -> None:
    """XAPI-00334, XAPI-00335: HTTP Basic; anything else is 401 with WWW-Authenticate."""
    headers = {} if authorization is None else {"Authorization": authorization}
    response = lrs.request("GET", path, None, auth=False, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_insufficient_scope_is_403(db: Any, client: Client) -> None:
    """XAPI-00327: valid credentials without the scope: 403."""
    LrsClient.objects.create(name="w", key="writer", secret_hash=hash_secret("s"), scopes=["statements/write"])
    meta: dict[str, Any] = {
        "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"writer:s").decode(),
        "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3",
    }
    assert client.get(STATEMENTS, **meta).status_code == 403
    assert client.get(STATE, {"activityId": ACTIVITY, "agent": json.dumps(AGENT)}, **meta).status_code == 403


# --- Version header (Communication 3.3) --------------------------------------------------------


@pytest.mark.parametrize("path", [STATEMENTS, STATE, ACTIVITY_PROFILE, AGENT_PROFILE, ACTIVITIES, AGENTS])
@pytest.mark.parametrize("sent", [None, "0.9", "0.95", "3.0.0", "banana"])
def test_missing_or_unsupported_version_is_400(lrs: Xapi, path: str, sent: str | None) -> None:
    """XAPI-00321, XAPI-00331: every resource but /about needs a supported version header.
    The 400 answers in 1.0.3 (the ADL suite of 1.0.3 wants 1.0.x there, the one of 2.0
    accepts 1.0.x or 2.0.x)."""
    response = lrs.get(path, version=sent)
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("1.0", "1.0.3"),
        ("1.0.0", "1.0.3"),
        ("1.0.1", "1.0.3"),
        ("1.0.3", "1.0.3"),
        ("2.0", "2.0.0"),
        ("2.0.0", "2.0.0"),
    ],
)
def test_response_version_header(lrs: Xapi, sent: str, answered: str) -> None:
    """XAPI-00333: the answer carries the latest patch of the version spoken."""
    response = lrs.get(STATEMENTS, version=sent)
    assert response.status_code == 200 and response["X-Experience-API-Version"] == answered


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/xapi/statementsverb=x", "/xapi/nothing/here", "/xapi/statements/"])
def test_unknown_path_is_a_json_404_with_the_xapi_headers(lrs: Xapi, path: str, method: str) -> None:
    """Communication 3.3: every response carries X-Experience-API-Version, a 404 included;
    GET/HEAD also carry X-Experience-API-Consistent-Through (the ADL suite's waits read it
    from whatever answer they get, even for a mistyped path)."""
    response = lrs.request(method, path, auth=False)
    assert response.status_code == 404
    assert response["X-Experience-API-Version"] == ("1.0.3" if lrs.version == "1.0.3" else "2.0.0")
    assert response.has_header("X-Experience-API-Consistent-Through") == (method in ("GET", "HEAD"))
    if method != "HEAD":
        assert response.json()["error"].startswith("There is no xAPI resource at /xapi/")


def test_version_property_is_kept(lrs: Xapi) -> None:
    """XAPI-00330, XAPI-00332: statements keep the version they were sent with; the LRS
    fills it when absent."""
    sid = lrs.store(statement(version="1.0.0"))
    assert lrs.get(STATEMENTS, {"statementId": sid}).json()["version"] == "1.0.0"
    filled = lrs.store(statement())
    assert lrs.get(STATEMENTS, {"statementId": filled}).json()["version"] == (
        "2.0.0" if lrs.version == "2.0.0" else "1.0.0"
    )


# --- Headers: CORS, HEAD, Content-Type (Communication 1.1, 1.2, 1.5) -----------------------------


@pytest.mark.parametrize("path", [STATEMENTS, STATE, ACTIVITY_PROFILE, AGENT_PROFILE, ACTIVITIES, AGENTS, ABOUT])
def test_cors_preflight(lrs: Xapi, path: str) -> None:
    """Communication 1.2 (content launched in a browser): OPTIONS without credentials."""
    response = lrs.request("OPTIONS", path, auth=False, version=None)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    allowed = response["Access-Control-Allow-Headers"]
    for header in ("Authorization", "X-Experience-API-Version", "Content-Type", "If-Match", "If-None-Match"):
        assert header in allowed
    assert "X-Experience-API-Consistent-Through" in response["Access-Control-Expose-Headers"]


def test_head_on_statements(lrs: Xapi) -> None:
    """Communication 1.1: HEAD like GET, no body, no Content-Length needed in the request."""
    lrs.store(statement())
    head = lrs.request("HEAD", STATEMENTS)
    assert head.status_code == 200 and head.content == b""
    assert head.has_header("X-Experience-API-Consistent-Through")
    assert lrs.request("HEAD", ACTIVITIES, {"activityId": ACTIVITY}).content == b""
    assert lrs.request("HEAD", AGENTS, {"agent": AGENT}).content == b""


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        pytest.param("application/json", 200, id="json"),
        pytest.param("application/json; charset=utf-8", 200, id="json-charset"),
        pytest.param("text/plain", 400, id="XAPI-00127-text-plain"),
        pytest.param("application/x-www-form-urlencoded", 400, id="form-without-method"),
        pytest.param("", 400, id="XAPI-00127-missing"),
    ],
)
def test_statement_content_type(lrs: Xapi, content_type: str, status: int) -> None:
    """XAPI-00127: statements are sent as application/json or multipart/mixed."""
    response = lrs.request("POST", STATEMENTS, None, statement(), content_type=content_type)
    assert response.status_code == status, response.content


# --- Alternate request syntax (1.0.3 Communication 1.3; removed in 2.0) ------------------------


def _form(lrs: Xapi, **fields: Any) -> str:
    data = {"Authorization": lrs.authorization, "X-Experience-API-Version": lrs.version}
    data.update({k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in fields.items()})
    return urlencode(data)


def _alternate(lrs: Xapi, path: str, method: str, body: str, *, query: str = "") -> Any:
    return lrs.client.generic(
        "POST",
        f"{path}?method={method}{query}",
        body,
        content_type="application/x-www-form-urlencoded",
    )


def test_alternate_syntax_statements(lrs1: Xapi) -> None:
    """XAPI-00148, XAPI-00336 (Communication 1.3): PUT and GET of statements through a form."""
    sid = str(uuid.uuid4())
    put = _alternate(lrs1, STATEMENTS, "PUT", _form(lrs1, statementId=sid, content=json.dumps(statement())))
    assert put.status_code == 204, put.content
    got = _alternate(lrs1, STATEMENTS, "GET", _form(lrs1, statementId=sid))
    assert got.status_code == 200 and got.json()["id"] == sid
    page = _alternate(lrs1, STATEMENTS, "GET", _form(lrs1, limit="1"))
    assert page.status_code == 200 and {"statements", "more"} <= set(page.json())
    assert page["X-Experience-API-Version"] == "1.0.3"


def test_alternate_syntax_documents(lrs1: Xapi) -> None:
    """XAPI-00336: every resource takes the alternate syntax in 1.0.3 (state, profiles,
    activities, agents), headers such as If-None-Match included."""
    state = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s1"}
    put = _alternate(lrs1, STATE, "PUT", _form(lrs1, content=json.dumps({"a": 1}), **state))
    assert put.status_code == 204, put.content
    assert lrs1.get(STATE, state).json() == {"a": 1}
    got = _alternate(lrs1, STATE, "GET", _form(lrs1, **state))
    assert got.status_code == 200 and got.json() == {"a": 1}
    profile = {"activityId": ACTIVITY, "profileId": "p1"}
    created = _alternate(
        lrs1, ACTIVITY_PROFILE, "PUT", _form(lrs1, content='{"b": 2}', **{"If-None-Match": "*"}, **profile)
    )
    assert created.status_code == 204
    again = _alternate(
        lrs1, ACTIVITY_PROFILE, "PUT", _form(lrs1, content='{"b": 3}', **{"If-None-Match": "*"}, **profile)
    )
    assert again.status_code == 412
    agent_profile = {"agent": AGENT, "profileId": "p2"}
    assert (
        _alternate(
            lrs1, AGENT_PROFILE, "PUT", _form(lrs1, content="{}", **{"If-None-Match": "*"}, **agent_profile)
        ).status_code
        == 204
    )
    assert _alternate(lrs1, STATE, "DELETE", _form(lrs1, **state)).status_code == 204
    assert lrs1.get(STATE, state).status_code == 404
    assert _alternate(lrs1, ACTIVITIES, "GET", _form(lrs1, activityId=ACTIVITY)).status_code == 200
    assert _alternate(lrs1, AGENTS, "GET", _form(lrs1, agent=AGENT)).json()["objectType"] == "Person"


@pytest.mark.parametrize(
    "case",
    [
        "extra-query-parameter",
        "not-a-post",
        "no-content",
        "json-body",
        "method-not-allowed",
        "no-credentials",
    ],
)
def test_alternate_syntax_errors(lrs1: Xapi, case: str) -> None:
    """Communication 1.3.s3.b4: extra query parameters, another method than POST, no
    ``content`` for a PUT, a body that is not a form: 400; credentials still needed (401);
    a method the resource does not take: 400."""
    sid = str(uuid.uuid4())
    form = _form(lrs1, statementId=sid, content=json.dumps(statement()))
    if case == "extra-query-parameter":
        response = _alternate(lrs1, STATEMENTS, "PUT", form, query=f"&statementId={sid}")
    elif case == "not-a-post":
        response = lrs1.client.generic(
            "GET", f"{STATEMENTS}?method=POST", form, content_type="application/x-www-form-urlencoded"
        )
    elif case == "no-content":
        response = _alternate(lrs1, STATEMENTS, "PUT", _form(lrs1, statementId=sid))
    elif case == "json-body":
        response = lrs1.client.generic(
            "POST",
            f"{STATEMENTS}?method=PUT",
            json.dumps({"statementId": sid}),
            content_type="application/x-www-form-urlencoded",
        )
    elif case == "method-not-allowed":
        response = _alternate(lrs1, ACTIVITIES, "DELETE", _form(lrs1, activityId=ACTIVITY))
    else:
        response = _alternate(
            lrs1,
            STATEMENTS,
            "PUT",
            urlencode({"X-Experience-API-Version": "1.0.3", "statementId": sid, "content": json.dumps(statement())}),
        )
    assert response.status_code == (401 if case == "no-credentials" else 400), response.content
    assert not Statement.objects.filter(statement_id=sid).exists()


@pytest.mark.parametrize("path", [STATEMENTS, STATE, ACTIVITY_PROFILE, AGENT_PROFILE, ACTIVITIES, AGENTS])
def test_alternate_syntax_is_refused_in_2_0(lrs2: Xapi, path: str) -> None:
    """2.0 suite Communication 1.3: IEEE 9274.1.1 removed the syntax: 4xx."""
    form = _form(lrs2, activityId=ACTIVITY, agent=AGENT, stateId="s", profileId="p", statementId=str(uuid.uuid4()))
    response = _alternate(lrs2, path, "GET", form)
    assert 400 <= response.status_code < 500
    assert not Document.objects.exists()


# --- 1.0.3 and 2.0 differences -------------------------------------------------------------------

DIFFERENCES = [
    pytest.param(statement(timestamp="2024-03-01T09:30:00"), 200, 400, id="timestamp-without-zone"),
    pytest.param(statement(version="2.0.0"), 400, 200, id="version-2.0.0-property"),
    pytest.param(statement(version="1.0.3"), 200, 200, id="version-1.0.3-property"),
    pytest.param(
        statement(context={"contextAgents": [{"objectType": "contextAgent", "agent": AGENT}]}),
        400,
        200,
        id="contextAgents",
    ),
    pytest.param(
        statement(
            context={
                "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [AGENT]}}]
            }
        ),
        400,
        200,
        id="contextGroups",
    ),
    pytest.param(statement(timestamp="2024-03-01T09:30:00-00:00"), 400, 400, id="negative-zero-offset"),
]


@pytest.mark.parametrize(("body", "status_1", "status_2"), DIFFERENCES)
def test_version_differences(lrs1: Xapi, lrs2: Xapi, body: dict[str, Any], status_1: int, status_2: int) -> None:
    """Data 2.4.7 / 4.2.7 (time zones), Data 2.4.10 (version), 2.0 contextAgents/contextGroups."""
    assert lrs1.post(body).status_code == status_1
    assert lrs2.post(body).status_code == status_2


def _all_ids(lrs: Xapi) -> Iterator[str]:
    yield from (s["id"] for s in lrs.get(STATEMENTS).json()["statements"])


def test_1_0_3_reads_what_2_0_wrote(lrs1: Xapi, lrs2: Xapi) -> None:
    """One store for both versions: a statement stored by a 2.0 client is read by a 1.0.3 one."""
    sid = lrs2.store(statement())
    assert sid in set(_all_ids(lrs1))
