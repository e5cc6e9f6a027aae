"""The Statements resource through HTTP: storing (PUT/POST, batches whole or not at all,
idempotent re-sends, voiding, attachments), querying (filters, formats, more links) and
the projections kept in the same transaction."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pilotage.lrs import projections
from pilotage.lrs.http import hash_secret
from pilotage.lrs.models import DailyActivity, LearnerProgress, LrsClient, Statement, StatementRef

URL = "/xapi/statements"
V = "http://adlnet.gov/expapi/verbs/"
COURSE = "https://courses.example.com/safety"
MODULE = "https://courses.example.com/safety/module-1"


def _client(key: str = "tool", scopes: list[str] | None = None) -> tuple[LrsClient, dict[str, str]]:
    secret = f"secret-of-{key}"
    lrs_client = LrsClient.objects.create(
        name=key, key=key, secret_hash=hash_secret(secret), scopes=scopes if scopes is not None else ["all"]
    )
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return lrs_client, {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


@pytest.fixture
def lrs(db: Any) -> dict[str, str]:
    return _client()[1]


def stmt(
    verb: str = "experienced",
    *,
    email: str = "ada@example.com",
    activity: str = COURSE,
    sid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": "Ada", "mbox": f"mailto:{email}"},
        "verb": {"id": V + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": activity, "definition": {"name": {"en-US": "Safety"}}},
    }
    if sid:
        data["id"] = sid
    data.update(extra)
    return data


def post(c: Client, headers: dict[str, str], body: Any, **params: str) -> Any:
    url = URL + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    return c.post(url, json.dumps(body), content_type="application/json", **headers)


def put(c: Client, headers: dict[str, str], body: Any, statement_id: str) -> Any:
    return c.put(f"{URL}?statementId={statement_id}", json.dumps(body), content_type="application/json", **headers)


def get(c: Client, headers: dict[str, str], **params: str) -> Any:
    return c.get(URL, params, **headers)


# --- storing ---------------------------------------------------------------------------------


def test_put_post_get_round_trip(client: Client, lrs: dict[str, str]) -> None:
    sid = str(uuid.uuid4())
    response = put(client, lrs, stmt(), sid)
    assert response.status_code == 204, response.content
    assert response["X-Experience-API-Version"] == "1.0.3"  # the latest 1.0 patch to a 1.0.x client

    response = post(client, lrs, [stmt("launched"), stmt("completed")])
    assert response.status_code == 200
    ids = response.json()
    assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)

    response = get(client, lrs, statementId=sid)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == sid
    assert body["verb"]["id"] == V + "experienced"
    assert body["version"] == "1.0.0"
    assert body["authority"] == {
        "objectType": "Agent",
        "account": {"homePage": "http://127.0.0.1:8000", "name": "tool"},
    }
    assert body["timestamp"] == body["stored"]  # filled in when the client sent none
    assert "Last-Modified" in response
    assert "X-Experience-API-Consistent-Through" in response

    listing = get(client, lrs).json()
    assert [s["id"] for s in listing["statements"]] == [ids[1], ids[0], sid]  # newest first
    assert listing["more"] == ""
    assert LrsClient.objects.get(key="tool").statement_count == 3


def test_a_batch_is_parsed_and_stored_with_the_cyclic_collector_paused(
    client: Client, lrs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """core.gcpause: the collector is off while the request's body is parsed and its batch
    written, and back on after (a statement's ~100 objects, a thousand at a time)."""
    import gc

    from pilotage.lrs import services, validation

    seen: list[tuple[str, bool]] = []
    parse, write = validation.loads_strict, services._write

    def parse_spy(raw: Any) -> Any:
        seen.append(("parse", gc.isenabled()))
        return parse(raw)

    def write_spy(**kwargs: Any) -> Any:
        seen.append(("write", gc.isenabled()))
        return write(**kwargs)

    monkeypatch.setattr(validation, "loads_strict", parse_spy)
    monkeypatch.setattr(services, "_write", write_spy)
    assert post(client, lrs, [stmt(), stmt("completed")]).status_code == 200
    assert seen == [("parse", False), ("write", False)]
    assert gc.isenabled()
    assert Statement.objects.count() == 2


def test_version_2_statements_get_version_2(client: Client, lrs: dict[str, str]) -> None:
    headers = {**lrs, "HTTP_X_EXPERIENCE_API_VERSION": "2.0.0"}
    (sid,) = post(client, headers, stmt(timestamp="2024-05-01T10:00:00Z")).json()
    assert Statement.objects.get(statement_id=sid).payload["version"] == "2.0.0"


def test_batch_is_stored_whole_or_not_at_all(client: Client, lrs: dict[str, str]) -> None:
    bad = stmt()
    bad["verb"] = {"id": "not an iri"}
    response = post(client, lrs, [stmt(), stmt(), bad])
    assert response.status_code == 400
    assert response.json()["path"].startswith("statements[2]")
    assert Statement.objects.count() == 0


def test_put_needs_the_matching_id(client: Client, lrs: dict[str, str]) -> None:
    sid, other = str(uuid.uuid4()), str(uuid.uuid4())
    assert client.put(URL, json.dumps(stmt()), content_type="application/json", **lrs).status_code == 400
    response = put(client, lrs, stmt(sid=other), sid)
    assert response.status_code == 400
    assert response.json()["path"] == "statement.id"
    assert Statement.objects.count() == 0


def test_resend_same_content_is_accepted_different_is_conflict(client: Client, lrs: dict[str, str]) -> None:
    sid = str(uuid.uuid4())
    assert put(client, lrs, stmt(sid=sid), sid).status_code == 204
    # Same statement again (key order, mailto case and a verb display do not matter).
    again = stmt(sid=sid.upper())
    again["verb"]["display"] = {"fr-FR": "vécu"}
    assert put(client, lrs, again, sid).status_code == 204
    assert post(client, lrs, [again]).json() == [sid]
    assert Statement.objects.count() == 1

    response = put(client, lrs, stmt("completed", sid=sid), sid)
    assert response.status_code == 409
    assert post(client, lrs, [stmt(), stmt("completed", sid=sid)]).status_code == 409
    assert Statement.objects.count() == 1


def test_duplicate_ids_inside_a_batch_are_refused(client: Client, lrs: dict[str, str]) -> None:
    sid = str(uuid.uuid4())
    response = post(client, lrs, [stmt(sid=sid), stmt("completed", sid=sid)])
    assert response.status_code == 400
    assert response.json()["path"] == "statements[1].id"


def test_version_header_is_required(client: Client, lrs: dict[str, str]) -> None:
    headers = {"HTTP_AUTHORIZATION": lrs["HTTP_AUTHORIZATION"]}
    response = post(client, headers, stmt())
    assert response.status_code == 400
    assert Statement.objects.count() == 0


def test_scopes(client: Client, db: Any) -> None:
    _, reader = _client("reader", ["statements/read"])
    assert post(client, reader, stmt()).status_code == 403
    assert get(client, reader).status_code == 200
    _, writer = _client("writer", ["statements/write"])
    assert post(client, writer, stmt()).status_code == 200
    assert get(client, writer).status_code == 403
    assert client.post(URL, "[]", content_type="application/json").status_code == 401


def test_read_mine_sees_only_its_own_statements(client: Client, db: Any) -> None:
    _, writer = _client("writer", ["statements/write", "statements/read/mine"])
    _, other = _client("other", ["all"])
    (mine,) = post(client, writer, stmt()).json()
    post(client, other, stmt())
    assert [s["id"] for s in get(client, writer).json()["statements"]] == [mine]
    assert len(get(client, other).json()["statements"]) == 2


# --- voiding ----------------------------------------------------------------------------------


def _voiding(target: str) -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": {"id": V + "voided"},
        "object": {"objectType": "StatementRef", "id": target},
    }


def test_voiding(client: Client, lrs: dict[str, str]) -> None:
    target, kept = post(client, lrs, [stmt(), stmt("completed")]).json()
    (voiding,) = post(client, lrs, _voiding(target)).json()

    listed = [s["id"] for s in get(client, lrs).json()["statements"]]
    assert listed == [voiding, kept]  # the voiding statement is listed, its target is not
    assert get(client, lrs, statementId=target).status_code == 404
    response = get(client, lrs, voidedStatementId=target)
    assert response.status_code == 200 and response.json()["id"] == target
    assert get(client, lrs, voidedStatementId=kept).status_code == 404

    # A voiding statement cannot be voided, and a voided statement stays voided.
    assert post(client, lrs, _voiding(voiding)).status_code == 400
    assert Statement.objects.get(statement_id=target).voided


def test_voiding_inside_the_same_batch(client: Client, lrs: dict[str, str]) -> None:
    sid = str(uuid.uuid4())
    post(client, lrs, [stmt(sid=sid), _voiding(sid)])
    assert Statement.objects.get(statement_id=sid).voided


def test_a_target_arriving_after_its_voiding_statement_is_stored_voided(client: Client, lrs: dict[str, str]) -> None:
    late, other = str(uuid.uuid4()), str(uuid.uuid4())
    (voiding,) = post(client, lrs, _voiding(late)).json()
    assert not Statement.objects.filter(statement_id=late).exists()

    response = post(client, lrs, [stmt(sid=late), stmt("completed", sid=other)])
    assert response.status_code == 200, response.content
    assert Statement.objects.get(statement_id=late).voided
    assert not Statement.objects.get(statement_id=other).voided
    assert get(client, lrs, statementId=late).status_code == 404
    assert get(client, lrs, voidedStatementId=late).json()["id"] == late
    assert [s["id"] for s in get(client, lrs).json()["statements"]] == [other, voiding]
    # Re-sending the target changes nothing: it stays voided, stored once.
    assert post(client, lrs, stmt(sid=late)).status_code == 200
    assert Statement.objects.filter(statement_id=late, voided=True).count() == 1


def test_a_late_target_that_is_itself_a_voiding_statement_is_not_voided(client: Client, lrs: dict[str, str]) -> None:
    voider_id = str(uuid.uuid4())
    post(client, lrs, _voiding(voider_id))  # targets a statement not stored yet...
    kept = post(client, lrs, stmt()).json()[0]
    # ...which arrives, and is itself a voiding statement: it voids its own target and
    # stays readable (a voiding statement cannot be voided).
    assert post(client, lrs, {**_voiding(kept), "id": voider_id}).status_code == 200
    assert not Statement.objects.get(statement_id=voider_id).voided
    assert Statement.objects.get(statement_id=kept).voided
    assert get(client, lrs, statementId=voider_id).status_code == 200


# --- queries ----------------------------------------------------------------------------------


def test_filters(client: Client, lrs: dict[str, str]) -> None:
    registration = str(uuid.uuid4())
    a = post(client, lrs, stmt("launched", context={"registration": registration})).json()[0]
    b = post(
        client,
        lrs,
        stmt(
            "completed",
            email="bob@example.com",
            context={
                "instructor": {"mbox": "mailto:ada@example.com"},
                "contextActivities": {"parent": {"id": COURSE}},  # a single activity: stored as a list
            },
            activity=MODULE,
        ),
    ).json()[0]
    c = post(client, lrs, stmt("completed", email="bob@example.com")).json()[0]

    def ids(**params: str) -> list[str]:
        response = get(client, lrs, **params)
        assert response.status_code == 200, response.content
        return [s["id"] for s in response.json()["statements"]]

    ada = json.dumps({"mbox": "mailto:ada@example.com"})
    assert get(client, lrs, statementId=b).json()["context"]["contextActivities"]["parent"] == [{"id": COURSE}]
    assert ids(agent=ada) == [a]
    assert ids(agent=ada, related_agents="true") == [b, a]
    assert ids(agent=json.dumps({"mbox": "mailto:nobody@example.com"})) == []
    assert ids(verb=V + "completed") == [c, b]
    assert ids(activity=COURSE) == [c, a]
    assert ids(activity=COURSE, related_activities="true") == [c, b, a]
    assert ids(registration=registration) == [a]
    assert ids(ascending="true") == [a, b, c]
    assert ids(limit="1") == [c]

    stored_b = Statement.objects.get(statement_id=b).stored
    assert ids(since=stored_b.isoformat()) == [c]
    assert ids(until=stored_b.isoformat()) == [b, a]

    assert get(client, lrs, agent="not json").status_code == 400
    assert get(client, lrs, limit="-1").status_code == 400
    assert get(client, lrs, bogus="1").status_code == 400
    assert get(client, lrs, statementId=a, verb=V + "completed").status_code == 400


def test_related_agents_include_the_authority(client: Client, db: Any) -> None:
    tool, headers = _client("authoring-tool")
    tool.authority = {"objectType": "Agent", "name": "Tool", "mbox": "mailto:tool@example.com"}
    tool.save(update_fields=["authority"])
    _, other = _client("other")
    (sid,) = post(client, headers, stmt()).json()
    post(client, other, stmt())
    stored = get(client, headers, statementId=sid).json()
    assert stored["authority"]["mbox"] == "mailto:tool@example.com"
    by_authority = get(client, headers, agent=json.dumps({"mbox": "mailto:tool@example.com"}), related_agents="true")
    assert [s["id"] for s in by_authority.json()["statements"]] == [sid]
    default = json.dumps({"account": {"homePage": "http://127.0.0.1:8000", "name": "other"}})
    assert len(get(client, headers, agent=default, related_agents="true").json()["statements"]) == 1
    assert get(client, headers, agent=default).json()["statements"] == []


def test_agent_filter_matches_an_agent_object(client: Client, lrs: dict[str, str]) -> None:
    mentor = stmt("mentored")
    mentor["object"] = {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    mentor["actor"] = {"mbox": "mailto:grace@example.com"}
    mentor["context"] = {"instructor": {"mbox": "mailto:bob@example.com"}}
    (sid,) = post(client, lrs, mentor).json()
    bob_instructs = stmt(email="carl@example.com", context={"instructor": {"mbox": "mailto:ada@example.com"}})
    post(client, lrs, bob_instructs)
    response = get(client, lrs, agent=json.dumps({"mbox": "mailto:ada@example.com"}))
    assert [s["id"] for s in response.json()["statements"]] == [sid]


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_agent_filter_matches_groups_that_have_the_agent_as_member(
    client: Client, lrs: dict[str, str], version: str
) -> None:
    """Communication 2.1.3: "Groups that have members which match the specified Agent based
    on their Inverse Functional Identifier ... are considered a match" — as actor or object."""
    headers = {**lrs, "HTTP_X_EXPERIENCE_API_VERSION": version}
    team = {"objectType": "Group", "name": "Team", "member": [{"mbox": "mailto:ada@example.com"}]}
    identified = {**team, "mbox": "mailto:team@example.com"}
    by_team = stmt(actor=team)
    to_team = stmt(email="grace@example.com")
    to_team["object"] = identified
    in_context = stmt(email="grace@example.com", context={"team": team})
    other_team = stmt(actor={"objectType": "Group", "member": [{"mbox": "mailto:bob@example.com"}]})
    ids = post(client, headers, [by_team, to_team, in_context, other_team]).json()

    found = get(client, headers, agent=json.dumps({"mbox": "mailto:ada@example.com"})).json()["statements"]
    assert [s["id"] for s in found] == [ids[1], ids[0]]
    # the identified group itself matches too; the context team only with related_agents
    found = get(client, headers, agent=json.dumps({"mbox": "mailto:team@example.com"})).json()["statements"]
    assert [s["id"] for s in found] == [ids[1]]
    related = get(client, headers, agent=json.dumps({"mbox": "mailto:ada@example.com"}), related_agents="true")
    assert [s["id"] for s in related.json()["statements"]] == [ids[2], ids[1], ids[0]]


def test_agent_pages_merge_actor_and_reference_statements_in_order(client: Client, lrs: dict[str, str]) -> None:
    """The agent filter runs one index walk per alternative (actor; mentioned) and merges
    them: pages come out newest first, without repeats or gaps, across the alternatives."""
    ada = {"mbox": "mailto:ada@example.com"}
    expected = []
    for number in range(7):
        # Odd: Ada is the instructor of Grace's statement; even: Ada is the actor.
        statement = stmt(email="grace@example.com", context={"instructor": ada}) if number % 2 else stmt()
        expected += post(client, lrs, statement).json()
    expected.reverse()
    seen: list[str] = []
    response = get(client, lrs, agent=json.dumps(ada), related_agents="true", limit="2")
    while True:
        page = response.json()
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        response = client.get(page["more"], **lrs)
    assert seen == expected
    # Without related_agents, the instructor statements are not Ada's.
    plain = get(client, lrs, agent=json.dumps(ada), limit="10").json()["statements"]
    assert [s["id"] for s in plain] == expected[::2]


def test_more_links_are_stable_while_statements_arrive(client: Client, lrs: dict[str, str]) -> None:
    first = post(client, lrs, [stmt() for _ in range(5)]).json()
    page = get(client, lrs, limit="2").json()
    seen = [s["id"] for s in page["statements"]]
    assert page["more"].startswith("/xapi/statements/more/")
    post(client, lrs, [stmt() for _ in range(3)])  # arrive between pages
    while page["more"]:
        page = client.get(page["more"], **lrs).json()
        seen += [s["id"] for s in page["statements"]]
    assert seen == list(reversed(first))

    # Ascending: the same, new statements stay out of this walk.
    page = get(client, lrs, limit="3", ascending="true").json()
    seen = [s["id"] for s in page["statements"]]
    post(client, lrs, stmt())
    while page["more"]:
        page = client.get(page["more"], **lrs).json()
        seen += [s["id"] for s in page["statements"]]
    assert len(seen) == 8 and seen[:5] == first

    assert client.get("/xapi/statements/more/forged", **lrs).status_code == 404


def test_formats(client: Client, lrs: dict[str, str]) -> None:
    body = stmt()
    body["object"]["definition"] = {"name": {"en-US": "Safety", "fr-FR": "Sécurité"}}
    body["verb"]["display"] = {"en-US": "experienced", "fr-FR": "a vécu"}
    (sid,) = post(client, lrs, body).json()

    ids = get(client, lrs, statementId=sid, format="ids").json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    assert ids["object"] == {"id": COURSE}
    assert ids["verb"] == {"id": V + "experienced"}

    canonical = client.get(
        URL, {"statementId": sid, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="fr-FR, en;q=0.5", **lrs
    ).json()
    assert canonical["object"]["definition"]["name"] == {"fr-FR": "Sécurité"}
    assert canonical["verb"]["display"] == {"fr-FR": "a vécu"}

    exact = get(client, lrs, statementId=sid).json()
    assert exact["object"]["definition"]["name"] == {"en-US": "Safety", "fr-FR": "Sécurité"}
    assert get(client, lrs, format="full").status_code == 400


# --- attachments --------------------------------------------------------------------------------


def _multipart(statements: Any, parts: list[tuple[bytes, str, dict[str, str]]]) -> tuple[bytes, str]:
    boundary = "abcABC0123'()+_,-./:=?"
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode()]
    for content, ctype, headers in parts:
        head = f"\r\n--{boundary}\r\nContent-Type: {ctype}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks += [head.encode() + b"\r\n", content]
    chunks.append(f"\r\n--{boundary}--".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def _with_attachment(content: bytes) -> tuple[dict[str, Any], str]:
    sha2 = hashlib.sha256(content).hexdigest()
    body = stmt()
    body["attachments"] = [
        {
            "usageType": "http://example.com/attachment-usage/certificate",
            "display": {"en-US": "Certificate"},
            "contentType": "text/plain",
            "length": len(content),
            "sha2": sha2,
        }
    ]
    return body, sha2


def test_attachments_multipart(client: Client, lrs: dict[str, str]) -> None:
    content = b"certificate of completion\r\n\x00\xff binary"
    body, sha2 = _with_attachment(content)
    payload, ctype = _multipart(
        [body], [(content, "text/plain", {"Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": sha2})]
    )
    response = client.post(URL, payload, content_type=ctype, **lrs)
    assert response.status_code == 200, response.content
    (sid,) = response.json()

    response = get(client, lrs, statementId=sid, attachments="true")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("multipart/mixed")
    assert content in response.content
    assert f"X-Experience-API-Hash: {sha2}".encode() in response.content

    # A declared attachment without its part is refused.
    response = post(client, lrs, body)
    assert response.status_code == 400
    assert response.json()["path"] == "statements[0].attachments[0].sha2"


def test_attachment_hash_mismatch(client: Client, lrs: dict[str, str]) -> None:
    content = b"certificate"
    body, sha2 = _with_attachment(content)
    payload, ctype = _multipart(
        [body], [(b"tampered", "text/plain", {"Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": sha2})]
    )
    response = client.post(URL, payload, content_type=ctype, **lrs)
    assert response.status_code == 400
    assert "hash" in response.json()["error"].lower()
    assert Statement.objects.count() == 0


def _b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _signed(statement: dict[str, Any], alg: str = "RS256") -> tuple[bytes, str]:
    jws = f"{_b64({'alg': alg})}.{_b64(statement)}.{_b64(b'signature')}".encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    body = {
        **statement,
        "attachments": [
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en-US": "Signature"},
                "contentType": "application/octet-stream",
                "length": len(jws),
                "sha2": sha2,
            }
        ],
    }
    return _multipart(
        [body],
        [(jws, "application/octet-stream", {"Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": sha2})],
    )


def test_signed_statements(client: Client, lrs: dict[str, str]) -> None:
    statement = stmt(sid=str(uuid.uuid4()))
    payload, ctype = _signed(statement)
    assert client.post(URL, payload, content_type=ctype, **lrs).status_code == 200

    payload, ctype = _signed(stmt(sid=str(uuid.uuid4())), alg="HS256")
    assert client.post(URL, payload, content_type=ctype, **lrs).status_code == 400

    other = stmt("failed", sid=str(uuid.uuid4()))
    jws_for = stmt("passed", sid=other["id"])
    payload, ctype = _signed(jws_for)
    payload = payload.replace(b'"passed"', b'"failed"', 1).replace(b"/passed", b"/failed", 1)
    assert client.post(URL, payload, content_type=ctype, **lrs).status_code == 400


# --- alternate request syntax -------------------------------------------------------------------


def test_alternate_request_syntax(client: Client, lrs: dict[str, str]) -> None:
    sid = str(uuid.uuid4())
    form = {
        "Authorization": lrs["HTTP_AUTHORIZATION"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "statementId": sid,
        "content": json.dumps(stmt()),
    }
    from urllib.parse import urlencode

    response = client.post(f"{URL}?method=PUT", urlencode(form), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204, response.content
    assert Statement.objects.filter(statement_id=sid).exists()

    read = {"Authorization": lrs["HTTP_AUTHORIZATION"], "X-Experience-API-Version": "1.0.3", "statementId": sid}
    response = client.post(f"{URL}?method=GET", urlencode(read), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.json()["id"] == sid

    for_2 = {**read, "X-Experience-API-Version": "2.0.0"}
    response = client.post(f"{URL}?method=GET", urlencode(for_2), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


# --- projections ----------------------------------------------------------------------------------


def test_projections_after_a_learning_sequence(client: Client, lrs: dict[str, str], cast: Any) -> None:
    learner = cast.employees["learner"]
    email = learner.email
    registration = str(uuid.uuid4())
    ctx = {"registration": registration}
    post(
        client,
        lrs,
        [
            stmt("launched", email=email, timestamp="2024-03-04T08:00:00Z", context=ctx),
            stmt("progressed", email=email, timestamp="2024-03-04T08:10:00Z", context=ctx),
        ],
    )
    post(
        client,
        lrs,
        [
            stmt(
                "completed",
                email=email,
                timestamp="2024-03-04T08:30:00Z",
                context=ctx,
                result={"completion": True, "score": {"raw": 8, "max": 10}, "duration": "PT20M"},
            ),
            stmt(
                "passed",
                email=email,
                timestamp="2024-03-05T23:30:00Z",  # 00:30 on the 6th in Paris
                context=ctx,
                result={"success": True, "score": {"scaled": 0.9}, "duration": "PT5M30S"},
            ),
            stmt("failed", email=email, timestamp="2024-03-06T09:00:00Z", context=ctx, result={"success": False}),
        ],
    )
    progress = LearnerProgress.objects.get()
    assert progress.employee_id == learner.pk
    assert str(progress.registration) == registration
    assert progress.first_launch == dt.datetime(2024, 3, 4, 8, 0, tzinfo=dt.UTC)
    assert progress.last_activity == dt.datetime(2024, 3, 6, 9, 0, tzinfo=dt.UTC)
    assert progress.completed_at == dt.datetime(2024, 3, 4, 8, 30, tzinfo=dt.UTC)
    assert progress.success is True  # passed once stays passed
    assert progress.best_score == pytest.approx(0.9)
    assert progress.time_spent_seconds == pytest.approx(20 * 60 + 5 * 60 + 30)
    assert progress.statement_count == 5

    daily = {
        (d.day.isoformat(), d.verb.iri.rsplit("/", 1)[1], d.org_unit_key): d.count for d in DailyActivity.objects.all()
    }
    unit = learner.org_unit_id
    assert daily == {
        ("2024-03-04", "launched", unit): 1,
        ("2024-03-04", "progressed", unit): 1,
        ("2024-03-04", "completed", unit): 1,
        ("2024-03-06", "passed", unit): 1,
        ("2024-03-06", "failed", unit): 1,
    }
    # The same day again adds to the row.
    post(client, lrs, stmt("launched", email=email, timestamp="2024-03-04T18:00:00Z", context=ctx))
    assert DailyActivity.objects.get(day="2024-03-04", verb__iri=V + "launched").count == 2
    assert LearnerProgress.objects.get().statement_count == 6


def test_progress_of_a_batch_that_completes_some_keys_and_not_others(client: Client, lrs: dict[str, str]) -> None:
    """The upsert is split by whether the batch completes the key (its SET then assigns
    ``completed_at``): both halves merge with the stored rows."""
    first, second = "https://courses.example.com/a", "https://courses.example.com/b"
    post(client, lrs, [stmt("completed", activity=first, timestamp="2024-03-04T08:00:00Z")])
    post(
        client,
        lrs,
        [
            stmt("experienced", activity=first, timestamp="2024-03-09T08:00:00Z"),
            stmt("completed", activity=second, timestamp="2024-03-08T08:00:00Z"),
            stmt("experienced", activity=second, timestamp="2024-03-07T08:00:00Z"),
        ],
    )
    post(client, lrs, [stmt("completed", activity=first, timestamp="2024-03-10T08:00:00Z")])
    rows = {p.activity.iri: p for p in LearnerProgress.objects.select_related("activity")}
    assert rows[first].completed_at == dt.datetime(2024, 3, 4, 8, 0, tzinfo=dt.UTC)  # the earliest stays
    assert rows[first].last_activity == dt.datetime(2024, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert rows[first].statement_count == 3
    assert rows[second].completed_at == dt.datetime(2024, 3, 8, 8, 0, tzinfo=dt.UTC)
    assert rows[second].statement_count == 2


def test_actors_matched_to_employees(client: Client, lrs: dict[str, str], cast: Any) -> None:
    from pilotage.lrs.models import Agent

    learner, tech = cast.employees["learner"], cast.employees["tech"]
    post(
        client,
        lrs,
        [
            stmt(email=learner.email.upper()),
            {**stmt(), "actor": {"account": {"homePage": "http://127.0.0.1:8000", "name": tech.employee_number}}},
            {**stmt(), "actor": {"account": {"homePage": "https://other.example.com", "name": tech.employee_number}}},
        ],
    )
    employees = dict(Agent.objects.values_list("ifi", "employee_id"))
    assert employees[f"mbox:mailto:{learner.email.upper()}"] == learner.pk
    assert employees[f"account:http://127.0.0.1:8000|{tech.employee_number}"] == tech.pk
    assert employees[f"account:https://other.example.com|{tech.employee_number}"] is None


def test_a_failing_projection_rolls_back_the_batch(client: Client, lrs: dict[str, str]) -> None:
    def explode(batch: projections.Batch) -> None:
        raise RuntimeError("projection failed")

    projections.register("test.explode", explode)
    try:
        with pytest.raises(RuntimeError):
            post(client, lrs, [stmt(), stmt()])
    finally:
        projections.unregister("test.explode")
    assert Statement.objects.count() == 0
    assert LearnerProgress.objects.count() == 0
    assert StatementRef.objects.count() == 0
    assert LrsClient.objects.get(key="tool").statement_count == 0


def test_a_batch_of_100_costs_a_constant_number_of_queries(
    client: Client, lrs: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    def batch(n: int) -> list[dict[str, Any]]:
        return [
            stmt(
                "completed",
                email=f"learner{i}@example.com",
                activity=f"{COURSE}/{i % 7}",
                context={"registration": str(uuid.uuid4()), "contextActivities": {"parent": [{"id": COURSE}]}},
                result={"score": {"scaled": 0.5}, "duration": "PT1M"},
            )
            for i in range(n)
        ]

    with django_assert_max_num_queries(30):
        assert post(client, lrs, batch(100)).status_code == 200
    with django_assert_max_num_queries(30):
        assert post(client, lrs, batch(100)).status_code == 200
    assert Statement.objects.count() == 200


def test_options_and_urls(client: Client, lrs: dict[str, str]) -> None:
    assert reverse("xapi:statements") == URL
    response = client.options(URL)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"


def test_since_uses_an_id_floor_without_changing_the_answer(client: Client, lrs: dict[str, str]) -> None:
    """``since`` bounds the index walks by the id of a statement stored well before it
    (queries._id_floor); the statements returned are exactly those stored after ``since``."""
    import datetime as dt

    from django.utils import timezone

    from pilotage.lrs.models import Statement
    from pilotage.lrs.queries import _id_floor

    ids = [post(client, lrs, stmt()).json()[0] for _ in range(4)]
    now = timezone.now()
    ages = [dt.timedelta(hours=3), dt.timedelta(hours=2), dt.timedelta(minutes=50), dt.timedelta(minutes=5)]
    for sid, age in zip(ids, ages, strict=True):
        Statement.objects.filter(statement_id=sid).update(stored=now - age)
    since = now - dt.timedelta(hours=1)
    floor = _id_floor(since)
    assert floor == Statement.objects.get(statement_id=ids[1]).pk  # stored 2 h ago: ≤ since - 10 min
    found = get(client, lrs, agent=json.dumps({"mbox": "mailto:ada@example.com"}), since=since.isoformat())
    assert [s["id"] for s in found.json()["statements"]] == [ids[3], ids[2]]
    assert _id_floor(now - dt.timedelta(days=1)) is None  # nothing that old: no floor


def test_progress_upsert_statements_per_database(client: Client, lrs: dict[str, str]) -> None:
    """On PostgreSQL a batch's progress rows go in one upsert (its rows locked in key order:
    two statements let concurrent batches deadlock); on SQLite the rows that complete their
    key go apart, so that the others leave ``lrs_progress_activity_idx`` alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = [stmt("completed", activity="https://courses.example.com/a"), stmt("experienced")]
    with CaptureQueriesContext(connection) as queries:
        assert post(client, lrs, batch).status_code == 200
    upserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "lrs_learnerprogress"')]
    assert len(upserts) == (2 if connection.vendor == "sqlite" else 1)
    assert all("employee_id = " not in sql for sql in upserts)
    assert LearnerProgress.objects.count() == 2
