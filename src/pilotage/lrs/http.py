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
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
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


def negotiate_version(request: HttpRequest) -> str:
    """The xAPI version asked for; 400 when absent or unsupported (``/about`` excepted)."""
    raw = request.headers.get("X-Experience-API-Version", "").strip()
    if not raw:
        raise XapiError("The X-Experience-API-Version header is required.", rule="version-header")
    if raw in ("2.0", "2.0.0") or raw.startswith("2.0."):
        return "2.0.0"
    if raw.startswith("1.0"):
        return raw if raw.count(".") == 2 else "1.0.0"
    raise XapiError(f"Unsupported xAPI version {raw!r}; supported: 2.0.0 and 1.0.x.", rule="version-header")


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


def _finish(response: HttpResponse) -> HttpResponse:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    response["X-Experience-API-Version"] = CURRENT_VERSION
    return response


def xapi_view(
    *, methods: Iterable[str], scope_for: Callable[[HttpRequest], Iterable[str]] | None = None, auth: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[[HttpRequest], HttpResponse]]:
    """Wrap an xAPI resource view: ``view(request, client=..., version=...)``."""
    allowed = {m.upper() for m in methods}

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "OPTIONS":
                return _finish(HttpResponse(status=204))
            try:
                if request.method not in allowed:
                    response = json_response({"error": f"Method {request.method} not allowed."}, status=405)
                    response["Allow"] = ", ".join(sorted(allowed))
                    return _finish(response)
                client = None
                if auth:
                    client = authenticate(request)
                version = negotiate_version(request) if auth else CURRENT_VERSION
                if client is not None and scope_for is not None:
                    require_scope(client, *scope_for(request))
                response = view(request, *args, client=client, version=version, **kwargs)
            except XapiError as exc:
                response = error_response(exc)
            return _finish(response)

        return wrapper

    return decorator


def parse_json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise XapiError(f"The body is not valid JSON: {exc}", rule="json") from None
