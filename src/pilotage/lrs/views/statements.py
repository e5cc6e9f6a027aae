"""The Statements resource: ``/xapi/statements`` (PUT, POST, GET) and its ``more`` pages
(``/xapi/statements/more/<cursor>``).

- PUT ``?statementId=`` stores one statement: 204; 409 when that id holds another
  statement; 400 when the body's id differs from the parameter.
- POST stores one statement or a list, whole or not at all: 200 with the ids.
- GET returns one statement (``statementId`` / ``voidedStatementId``, with
  ``Last-Modified``) or a page ``{"statements": [...], "more": "..."}``.
- ``multipart/mixed`` bodies carry attachments (each part's ``X-Experience-API-Hash`` is
  checked against its content and the statement's ``sha2``); signed statements are checked
  (JWS structure, RS256/384/512, the RSA signature against the ``x5c`` certificate, payload
  equal to the statement).
- The alternate request syntax of xAPI 1.0.3 (``POST ?method=PUT`` with a form body
  carrying the headers and the content) is unwrapped by ``http.xapi_view``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from pilotage.core import gcpause
from pilotage.lrs import fastjson, queries, services, validation
from pilotage.lrs.errors import XapiError
from pilotage.lrs.http import json_response, xapi_view
from pilotage.lrs.models import LrsClient

READ_SCOPES = [LrsClient.Scope.STATEMENTS_READ.value, LrsClient.Scope.STATEMENTS_READ_MINE.value]
WRITE_SCOPES = [LrsClient.Scope.STATEMENTS_WRITE.value]


def _scopes(request: HttpRequest) -> list[str]:
    return READ_SCOPES if request.method in ("GET", "HEAD") else WRITE_SCOPES


def _params(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET[name] for name in request.GET}


def _now_header() -> str:
    return services.iso_timestamp(timezone.now())


# --- request bodies ------------------------------------------------------------------------


def _parse_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart body: (lower-cased headers, content).

    Lines end with CRLF (RFC 2046) or, leniently, with a bare LF: the ADL suite's sample
    bodies (``*.part`` files) use LF, and their attachment hashes are those of the contents
    without the line break that precedes the next delimiter.
    """
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise XapiError("The multipart body has no parts (check the boundary).", rule="multipart")
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        else:
            raise XapiError("A multipart delimiter must end its line.", rule="multipart")
        crlf = chunk.find(b"\r\n\r\n")
        lf = chunk.find(b"\n\n")
        if crlf < 0 and lf < 0:
            raise XapiError("A part of the multipart body has no header block.", rule="multipart")
        if crlf >= 0 and (lf < 0 or crlf <= lf):
            head, content = chunk[:crlf], chunk[crlf + 4 :]
        else:
            head, content = chunk[:lf], chunk[lf + 2 :]
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        headers = {}
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    return parts


def _read_body(request: HttpRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The JSON body and the attachment parts (sha2 → (content type, bytes))."""
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/mixed":
        boundary = (request.content_params or {}).get("boundary", "")
        if not boundary:
            raise XapiError("A multipart/mixed body needs a boundary.", rule="multipart")
        parts = _parse_multipart(request.body, boundary.strip('"'))
        first_headers, first = parts[0]
        if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise XapiError("The first part of a multipart body must be application/json.", rule="multipart")
        attachments: dict[str, tuple[str, bytes]] = {}
        for number, (headers, content) in enumerate(parts[1:], start=1):
            declared = headers.get("x-experience-api-hash", "")
            if not declared:
                raise XapiError(f"Part {number} has no X-Experience-API-Hash header.", rule="attachment-hash")
            if headers.get("content-transfer-encoding", "").lower() != "binary":
                raise XapiError(f"Part {number} needs Content-Transfer-Encoding: binary.", rule="attachment-encoding")
            actual = hashlib.sha256(content).hexdigest()
            if actual != declared.lower():
                raise XapiError(
                    f"Part {number}: X-Experience-API-Hash is {declared} but the content hashes to {actual}.",
                    rule="attachment-hash",
                )
            attachments[actual] = (headers.get("content-type", "application/octet-stream"), content)
        return _json(first), attachments
    if content_type != "application/json" and not content_type.endswith("+json"):
        # A missing Content-Type too (XAPI-00127).
        raise XapiError("Statements are sent as application/json or multipart/mixed.", rule="content-type")
    return _json(request.body), {}


def _json(raw: bytes) -> Any:
    return validation.loads_strict(raw or b"null")


# --- the resource --------------------------------------------------------------------------


@xapi_view(methods=("GET", "HEAD", "PUT", "POST"), scope_for=_scopes, consistent_through=True)
def _resource(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _get(request, client=client)
    with gcpause.paused():  # ~100,000 objects a batch of 1,000: see core.gcpause
        return _store(request, client=client, version=version)


def _store(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    params = _params(request)
    body, attachments = _read_body(request)
    if request.method == "PUT":
        unknown = sorted(set(params) - {"statementId"})
        if unknown:
            raise XapiError(f"Unknown parameter for PUT: {unknown[0]}.", path=unknown[0], rule="unknown-param")
        if "statementId" not in params:
            raise XapiError("PUT needs the statementId parameter.", path="statementId", rule="put-id")
        if not isinstance(body, dict):
            raise XapiError("PUT stores one statement: the body must be a JSON object.", rule="put-body")
        statement_id = _uuid(params["statementId"], "statementId")
        services.statement_store(
            statements=[body], client=client, version=version, statement_id=statement_id, attachments=attachments
        )
        return HttpResponse(status=204)
    # POST
    if params:
        name = sorted(params)[0]
        raise XapiError(f"Unknown parameter for POST: {name}.", path=name, rule="unknown-param")
    statements = body if isinstance(body, list) else [body]
    if not all(isinstance(s, dict) for s in statements):
        raise XapiError("The body must be a statement or a list of statements.", rule="post-body")
    ids = services.statement_store(statements=statements, client=client, version=version, attachments=attachments)
    return json_response(ids)


def _uuid(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise XapiError(f"The {name} parameter is not a UUID.", path=name, rule="uuid") from None


def _get(request: HttpRequest, *, client: LrsClient) -> HttpResponse:
    params = _params(request)
    consistent = _now_header()
    if "statementId" in params or "voidedStatementId" in params:
        extra = sorted(set(params) - queries.SINGLE_PARAMS)
        if extra or ("statementId" in params and "voidedStatementId" in params):
            name = extra[0] if extra else "voidedStatementId"
            raise XapiError(
                f"With statementId or voidedStatementId, the only other parameters are format and attachments "
                f"(not {name}).",
                path=name,
                rule="single-params",
            )
        fmt = queries.parse_format(params)
        want_attachments = queries._bool(params, "attachments")
        voided = "voidedStatementId" in params
        statement = queries.statement_get(
            client=client, statement_id=params["voidedStatementId" if voided else "statementId"], voided=voided
        )
        payload = queries.render_statements(
            [statement.payload], fmt=fmt, accept_language=request.headers.get("Accept-Language", "")
        )[0]
        headers = {
            "X-Experience-API-Consistent-Through": consistent,
            "Last-Modified": http_date(statement.stored.timestamp()),
        }
        return _respond(payload, [statement.payload] if want_attachments else None, headers)
    query = queries.parse_query(params)
    return _page(request, client=client, query=query, consistent=consistent)


def _page(request: HttpRequest, *, client: LrsClient, query: queries.StatementQuery, consistent: str) -> HttpResponse:
    page = queries.statement_query(client=client, query=query)
    stored = [row.payload for row in page.statements]
    rendered = queries.render_statements(
        stored, fmt=query.format, accept_language=request.headers.get("Accept-Language", "")
    )
    more = reverse("xapi:statements_more", kwargs={"cursor": page.more}) if page.more else ""
    body = {"statements": rendered, "more": more}
    return _respond(body, stored if query.attachments else None, {"X-Experience-API-Consistent-Through": consistent})


def _respond(body: Any, with_attachments: list[dict[str, Any]] | None, headers: dict[str, str]) -> HttpResponse:
    if with_attachments is None:
        # Statements are plain JSON: orjson writes a page of 100 several times faster.
        response = HttpResponse(fastjson.dumps_bytes(body), content_type="application/json")
        for name, value in headers.items():
            response[name] = value
        return response
    boundary = "pilotage-" + hashlib.sha256(_now_header().encode()).hexdigest()[:24]
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        fastjson.dumps_bytes(body),
        b"\r\n",
    ]
    for attachment in queries.attachments_of(with_attachments):
        chunks += [
            (
                f"--{boundary}\r\nContent-Type: {attachment.content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                f"X-Experience-API-Hash: {attachment.sha2}\r\n\r\n"
            ).encode(),
            bytes(attachment.content),
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--\r\n".encode())
    response = HttpResponse(b"".join(chunks), content_type=f"multipart/mixed; boundary={boundary}")
    for name, value in headers.items():
        response[name] = value
    return response


@xapi_view(methods=("GET", "HEAD"), scope_for=lambda request: READ_SCOPES, consistent_through=True)
def statements_more(request: HttpRequest, *, client: LrsClient, version: str, cursor: str) -> HttpResponse:
    """The next page of a statement query (the ``more`` link of the previous page)."""
    if request.GET:
        name = sorted(request.GET)[0]
        raise XapiError(f"A more link takes no parameter ({name}).", path=name, rule="unknown-param")
    query = queries.StatementQuery.from_cursor(cursor)
    return _page(request, client=client, query=query, consistent=_now_header())


# The resource itself: GET/HEAD/PUT/POST /xapi/statements (the alternate request syntax of
# 1.0.3 clients, ``POST ?method=...``, is unwrapped by ``xapi_view`` for every resource).
statements = _resource
