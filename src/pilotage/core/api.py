"""API plumbing shared by every router: authentication (personal access tokens or the
session), scope checks for writes, and JSON errors that name the field."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from pilotage.core.errors import NotFound, PermissionDenied, PilotageError, ValidationFailed
from pilotage.core.models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _user_for_token(request: HttpRequest, key: str) -> Any:
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    if request.method not in SAFE_METHODS and token.scope != ApiToken.Scope.WRITE:
        raise HttpError(403, "This token is read-only: create a read-write token to change data.")
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


class TokenBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _user_for_token(request, token)


class TokenHeader(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _user_for_token(request, key or "")


class ActiveSessionAuth(SessionAuth):
    """The browser session (CSRF enforced by django-ninja for unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


def token_or_session_auth() -> list[Any]:
    return [TokenBearer(), TokenHeader(), ActiveSessionAuth()]


def _error(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationFailed)
    def _validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        errors = [{"field": f, "message": m} for f, msgs in exc.errors.items() for m in msgs]
        return _error(api, request, 400, exc.message, errors)

    @api.exception_handler(NotFound)
    def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return _error(api, request, 404, "Not found.")

    @api.exception_handler(Http404)
    def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "Not found.")

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, exc.message)

    @api.exception_handler(PilotageError)
    def _domain(request: HttpRequest, exc: PilotageError) -> HttpResponse:
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
        return _error(api, request, 400, exc.message, errors)

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
            errors.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid input."
        return _error(api, request, 422, detail, errors)

    @api.exception_handler(AuthenticationError)
    def _unauth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(
            api,
            request,
            401,
            "Authentication required: send a personal access token as 'Authorization: Bearer <token>'.",
        )
