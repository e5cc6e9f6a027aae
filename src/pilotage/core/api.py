"""API plumbing shared by every router: authentication (personal access tokens or the
session), scope checks for writes, pagination, and JSON errors that name the field.

Routers import ``paginate`` / ``page_schema`` / ``limit_query`` / ``offset_query`` from here so
that every list answers with the same envelope::

    {"count": 123, "limit": 50, "offset": 0, "items": [...]}
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf
from pydantic import create_model

from pilotage.core import tokens
from pilotage.core.errors import NotFound, PermissionDenied, PilotageError, ValidationFailed
from pilotage.core.models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION_SECONDS = 60


# --- authentication -----------------------------------------------------------------------


def _user_for_token(request: HttpRequest, key: str) -> Any:
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    if request.method not in SAFE_METHODS and token.scope != ApiToken.Scope.WRITE:
        raise HttpError(403, "This token is read-only: create a read-write token to change data.")
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    # Selectors read request.user: make it the token's owner, as the session would.
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


class TokenBearer(HttpBearer):
    """``Authorization: Bearer plt_...``"""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _user_for_token(request, token)


class TokenHeader(APIKeyHeader):
    """``X-API-Token: plt_...`` (for clients that cannot set Authorization)."""

    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _user_for_token(request, key or "")


class ActiveSessionAuth(SessionAuth):
    """The browser session. Unsafe methods must carry the CSRF token (X-CSRFToken header),
    exactly as the web forms do; tokens, not sessions, are for machine clients."""

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if not key:
            # No session at all: let the request fall through to a 401, not a CSRF 403.
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the CSRF token in the X-CSRFToken header.")
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


def token_or_session_auth() -> list[Any]:
    return [TokenBearer(), TokenHeader(), ActiveSessionAuth()]


# --- pagination ---------------------------------------------------------------------------


def limit_query(default: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT) -> Any:
    """``limit: int = limit_query()`` in a route: validated, documented in the OpenAPI schema."""
    return Query(default, ge=1, le=max_limit, description=f"Page size (1 to {max_limit}).")


def offset_query() -> Any:
    return Query(0, ge=0, description="Number of items to skip.")


@cache
def page_schema(item: type[Schema]) -> type[Schema]:
    """The paginated envelope for ``item``: ``{count, limit, offset, items}`` (one class per item)."""
    return create_model(  # type: ignore[no-any-return,call-overload]
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),  # type: ignore[valid-type]
    )


def paginate(queryset: QuerySet[Any], limit: int, offset: int, max_limit: int = MAX_LIMIT) -> dict[str, Any]:
    """One page of ``queryset`` and the total count: two queries (plus the queryset's prefetches).

    An unordered queryset is ordered by primary key so that pages never overlap.
    """
    errors: dict[str, list[str]] = {}
    if not 1 <= limit <= max_limit:
        errors["limit"] = [f"limit must be between 1 and {max_limit}."]
    if offset < 0:
        errors["offset"] = ["offset must be 0 or more."]
    if errors:
        raise ValidationFailed(errors)
    if not queryset.ordered:
        queryset = queryset.order_by("pk")
    return {
        "count": queryset.count(),
        "limit": limit,
        "offset": offset,
        "items": list(queryset[offset : offset + limit]),
    }


# --- the user's own tokens ------------------------------------------------------------------
# Listed and revoked here (a leaked key can be killed from a script); created only on the
# account page, so that a token can never mint another one.

tokens_router = Router(tags=["tokens"])


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str

    @staticmethod
    def resolve_status(obj: ApiToken) -> str:
        return tokens.api_token_status(obj)


@tokens_router.get("/tokens", response=page_schema(ApiTokenOut), summary="Your personal access tokens")
def token_list(request: HttpRequest, limit: int = limit_query(), offset: int = offset_query()) -> dict[str, Any]:
    return paginate(tokens.api_token_list(user=request.user), limit, offset)


@tokens_router.delete("/tokens/{token_id}", response=ApiTokenOut, summary="Revoke one of your tokens")
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    """Needs a read-write token (or the session). Someone else's token answers 404."""
    return tokens.api_token_revoke(user=request.user, token_id=token_id)


# --- errors -------------------------------------------------------------------------------


def _error(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error is JSON: ``{"detail": "...", "errors": [{"field": ..., "message": ...}]}``."""

    @api.exception_handler(ValidationFailed)
    def _validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        errors = [{"field": f, "message": str(m)} for f, msgs in exc.errors.items() for m in msgs]
        return _error(api, request, 400, str(exc.message), errors)

    @api.exception_handler(NotFound)
    def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return _error(api, request, 404, "Not found.")

    @api.exception_handler(Http404)
    def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "Not found.")

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, str(exc.message))

    @api.exception_handler(DjangoPermissionDenied)
    def _django_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return _error(api, request, 403, str(exc) or "Your role does not give access to this resource.")

    @api.exception_handler(PilotageError)
    def _domain(request: HttpRequest, exc: PilotageError) -> HttpResponse:
        errors = [{"field": exc.field, "message": str(exc.message)}] if exc.field else None
        return _error(api, request, 400, str(exc.message), errors)

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path", "filters")]
            errors.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid input."
        return _error(api, request, 422, detail, errors)

    @api.exception_handler(AuthenticationError)
    def _unauth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _error(
            api,
            request,
            401,
            "Authentication required: send a valid personal access token as 'Authorization: Bearer <token>'.",
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
