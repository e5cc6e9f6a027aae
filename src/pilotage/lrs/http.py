"""HTTP plumbing shared by the xAPI resources under /xapi/: client authentication (HTTP
Basic with an LrsClient key and secret), the version header, CORS, JSON errors.

Views use the ``xapi_view`` decorator::

    @xapi_view(methods=("GET", "PUT", "POST"), scope=LrsClient.Scope.STATEMENTS_WRITE)
    def statements(request, client): ...

It answers OPTIONS (CORS pre-flight) itself, rejects a missing or unsupported
``X-Experience-API-Version`` with 400, authenticates (401 with ``WWW-Authenticate``),
checks the scope (403), turns ``XapiError`` into its JSON answer, and adds the version and
CORS headers to every response.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from pilotage.lrs.errors import Forbidden, Unauthorized, XapiError
from pilotage.lrs.models import LrsClient

SUPPORTED_VERSIONS = ("2.0.0", "1.0.3", "1.0.2", "1.0.1", "1.0.0")
CURRENT_VERSION = "2.0.0"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type, Content-Length, Authorization, If-Match, If-None-Match, X-Experience-API-Version, "
        "Accept-Language, X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Cache-Control, Content-Type, Content-Length, WWW-Authenticate, "
        "X-Experience-API-Version, X-Experience-API-Consistent-Through"
    ),
}


def hash_secret(secret: str) -> str:
    """Secrets are stored as SHA-256 (they are long random strings, not passwords)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _asked_version(request: HttpRequest) -> tuple[str, str | None]:
    """The ``X-Experience-API-Version`` header as sent, and the version it names: "2.0.0",
    a 1.0.x, or None (absent or unsupported)."""
    raw = request.headers.get("X-Experience-API-Version", "").strip()
    if raw == "2.0" or raw.startswith("2.0."):
        return raw, "2.0.0"
    if raw.startswith("1.0"):
        return raw, raw if raw.count(".") == 2 else "1.0.0"
    return raw, None


def negotiate_version(request: HttpRequest) -> str:
    """The xAPI version asked for; 400 when absent or unsupported (``/about`` excepted)."""
    raw, version = _asked_version(request)
    if not raw:
        raise XapiError("The X-Experience-API-Version header is required.", rule="version-header")
    if version is None:
        raise XapiError(f"Unsupported xAPI version {raw!r}; supported: 2.0.0 and 1.0.x.", rule="version-header")
    return version


def authenticate(request: HttpRequest) -> LrsClient:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        raise Unauthorized("Authentication required: HTTP Basic with an LRS client key and secret.")
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        key, secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("Malformed Basic credentials.") from None
    client = LrsClient.objects.filter(key=key).first()
    now = timezone.now()
    if (
        client is None
        or client.revoked_at is not None
        or (client.expires_at is not None and client.expires_at <= now)
        or not hmac.compare_digest(client.secret_hash, hash_secret(secret))
    ):
        raise Unauthorized("Unknown, revoked or expired LRS credentials.")
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        LrsClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


def require_scope(client: LrsClient, *scopes: str) -> None:
    """At least one of ``scopes`` (the "all" scope grants everything)."""
    granted = set(client.scopes or [])
    if "all" in granted or granted & set(scopes):
        return
    raise Forbidden(f"This LRS client lacks the scope: {' or '.join(scopes)}.")


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(exc: XapiError) -> HttpResponse:
    response = json_response(exc.as_json(), status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Pilotage LRS"'
    return response


def response_version(request: HttpRequest, *, unversioned: str = "1.0.3") -> str:
    """The ``X-Experience-API-Version`` of the answer: "2.0.0" to a 2.0 client, "1.0.3" to a
    1.0.x client (the latest patch of the version spoken, XAPI-00333), ``unversioned`` to a
    request with no version or one not supported.

    ``unversioned`` is "1.0.3" for the resources that require a version: their 400 then
    answers in 1.0.3, as the ADL conformance suite of 1.0.3 expects (``1.0.x``, XAPI-00321;
    the one of 2.0 accepts ``1.0.x`` or ``2.0.x``). /about, which needs no version, speaks
    the latest ("2.0.0") to such a request (XAPI-00316, XAPI-00317)."""
    version = _asked_version(request)[1]
    if version is None:
        return unversioned
    return "1.0.3" if version.startswith("1.0") else CURRENT_VERSION


def consistent_through_now() -> str:
    """The ``X-Experience-API-Consistent-Through`` value: now (a batch is visible as soon as
    its transaction commits, nothing is queued after it)."""
    return timezone.now().astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _finish(
    response: HttpResponse, request: HttpRequest, *, unversioned: str, consistent_through: bool = False
) -> HttpResponse:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    response["X-Experience-API-Version"] = response_version(request, unversioned=unversioned)
    if (
        consistent_through
        and request.method in ("GET", "HEAD")
        and not response.has_header("X-Experience-API-Consistent-Through")
    ):
        # Every answer to a GET of statements carries it, errors included (XAPI-00153).
        response["X-Experience-API-Consistent-Through"] = consistent_through_now()
    if request.method == "HEAD" and not response.streaming:
        # Like GET without the body (Communication 1.1); the length stays the GET's.
        if not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response


# --- the alternate request syntax (xAPI 1.0.3 Communication 1.3; removed in 2.0) ----------

ALTERNATE_HEADERS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
    "accept-language": "HTTP_ACCEPT_LANGUAGE",
}


def alternate_request(request: HttpRequest, allowed: set[str]) -> None:
    """Turn ``POST ?method=X`` with a form body into the request it stands for, in place.

    The form carries the headers (``Authorization``, ``X-Experience-API-Version``,
    ``Content-Type``...), the resource's parameters and the body as ``content``. Any other
    query parameter than ``method``, another method than POST, a body that is not a form,
    a method the resource does not take, or xAPI 2.0 (which removed the syntax) is a 400.
    """
    if request.method != "POST":
        raise XapiError(
            "The method parameter is only used with POST (alternate request syntax).",
            path="method",
            rule="alternate-syntax",
        )
    extra = sorted(set(request.GET) - {"method"})
    if extra:
        raise XapiError(
            "With the alternate request syntax, parameters go in the form body, not the query string.",
            path=extra[0],
            rule="alternate-syntax",
        )
    method = request.GET["method"].upper()
    if method not in allowed or method in ("OPTIONS", "POST"):
        raise XapiError(
            f"Method {method} cannot be sent with the alternate request syntax here.",
            path="method",
            rule="alternate-syntax",
        )
    if (request.content_type or "").lower() != "application/x-www-form-urlencoded":
        raise XapiError(
            "The alternate request syntax sends an application/x-www-form-urlencoded body.", rule="alternate-syntax"
        )
    try:
        form = QueryDict(request.body.decode("utf-8"), encoding="utf-8")
    except UnicodeDecodeError:
        raise XapiError("The form body is not UTF-8.", rule="alternate-syntax") from None
    version = form.get("X-Experience-API-Version") or request.headers.get("X-Experience-API-Version", "")
    if version.strip().startswith("2"):
        raise XapiError("xAPI 2.0 has no alternate request syntax: send a plain request.", rule="alternate-syntax")
    params = QueryDict(mutable=True)
    content = ""
    content_type_given = False
    for name in form:
        value = form[name]
        meta = ALTERNATE_HEADERS.get(name.lower())
        if meta is not None:
            request.META[meta] = value
            content_type_given = content_type_given or meta == "CONTENT_TYPE"
        elif name == "content":
            content = value
        else:
            params.setlist(name, form.getlist(name))
    if method in ("PUT", "POST") and not content:
        raise XapiError(
            "The alternate request syntax carries the body in the form parameter 'content'.",
            path="content",
            rule="alternate-syntax",
        )
    if not content_type_given:
        request.META["CONTENT_TYPE"] = "application/json" if content else ""
    request.method = method
    request.META["REQUEST_METHOD"] = method
    request.GET = params  # type: ignore[assignment]
    request._body = content.encode()  # type: ignore[attr-defined]
    request._set_content_type_params(request.META)  # type: ignore[attr-defined]
    request.__dict__.pop("headers", None)  # a cached_property: read the new headers


def _too_large() -> XapiError:
    limit = settings.LRS_MAX_REQUEST_BYTES
    return XapiError(
        f"The request body is larger than this LRS accepts ({limit:,} bytes): send fewer statements per "
        "request, or smaller attachments.",
        rule="request-too-large",
        status=413,
    )


def _check_size(request: HttpRequest) -> None:
    """413 before reading a body announced larger than ``LRS_MAX_REQUEST_BYTES``."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise XapiError("Content-Length is not a number.", rule="content-length") from None
    if length > settings.LRS_MAX_REQUEST_BYTES:
        raise _too_large()


def xapi_view(
    *,
    methods: Iterable[str],
    scope_for: Callable[[HttpRequest], Iterable[str]] | None = None,
    auth: bool = True,
    consistent_through: bool = False,
) -> Callable[[Callable[..., HttpResponse]], Callable[[HttpRequest], HttpResponse]]:
    """Wrap an xAPI resource view: ``view(request, client=..., version=...)``.

    ``consistent_through``: every GET/HEAD answer carries
    ``X-Experience-API-Consistent-Through`` (the Statements resource). The alternate request
    syntax of 1.0.3 (``POST ?method=...``) is unwrapped here for every resource.
    """
    allowed = {m.upper() for m in methods}
    unversioned = "1.0.3" if auth else CURRENT_VERSION  # see response_version

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "OPTIONS":
                return _finish(HttpResponse(status=204), request, unversioned=unversioned)
            try:
                if "method" in request.GET:
                    alternate_request(request, allowed)
                if request.method not in allowed:
                    response = json_response({"error": f"Method {request.method} not allowed."}, status=405)
                    response["Allow"] = ", ".join(sorted(allowed))
                    return _finish(response, request, unversioned=unversioned)
                _check_size(request)
                client = None
                if auth:
                    client = authenticate(request)
                    version = negotiate_version(request)
                else:
                    version = (
                        "1.0.x" if response_version(request, unversioned=unversioned) == "1.0.3" else CURRENT_VERSION
                    )
                if client is not None and scope_for is not None:
                    require_scope(client, *scope_for(request))
                response = view(request, *args, client=client, version=version, **kwargs)
            except XapiError as exc:
                response = error_response(exc)
            except RequestDataTooBig:
                response = error_response(_too_large())
            return _finish(response, request, unversioned=unversioned, consistent_through=consistent_through)

        return wrapper

    return decorator


def parse_json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise XapiError(f"The body is not valid JSON: {exc}", rule="json") from None
