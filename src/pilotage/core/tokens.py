"""Personal access tokens for the REST API: the only write path for ``ApiToken``.

A key is ``plt_`` followed by 40 URL-safe characters. Only its SHA-256 is stored, so the
clear key is returned once, by ``api_token_create``, and never again; ``prefix`` (the first
8 characters after ``plt_``) lets a person recognise a token in lists and logs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.core.models import ApiToken

KEY_BODY_LENGTH = 40
PREFIX_LENGTH = 8
EXPIRY_CHOICES_DAYS = (30, 90, 365)
MAX_ACTIVE_TOKENS = 50


def key_prefix() -> str:
    return str(getattr(settings, "API_TOKEN_PREFIX", "plt_"))


def generate_key() -> str:
    """``plt_`` + 40 URL-safe characters (about 240 bits of randomness)."""
    body = secrets.token_urlsafe(KEY_BODY_LENGTH)[:KEY_BODY_LENGTH]
    return f"{key_prefix()}{body}"


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (a token is never visible to anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


@transaction.atomic
def api_token_create(
    *,
    user: Any,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_in_days: int | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns ``(token, clear_key)`` — the key is shown once.

    ``expires_in_days`` and ``expires_at`` are alternatives; neither means "never expires".
    """
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, for example the script or tool that will use it.")]
    elif len(name) > 100:
        errors["name"] = [_("The name must be at most 100 characters.")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Choose 'read' (read only) or 'write' (read and write).")]
    if expires_in_days is not None and expires_at is not None:
        errors["expires_at"] = [_("Give either a number of days or an expiry date, not both.")]
    elif expires_in_days is not None:
        if expires_in_days < 1 or expires_in_days > 3650:
            errors["expires_in_days"] = [_("The validity must be between 1 and 3650 days.")]
        else:
            expires_at = timezone.now() + dt.timedelta(days=expires_in_days)
    elif expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry date must be in the future.")]
    if not errors and api_token_list(user=user).filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        errors["name"] = [
            _("You already have %(n)d tokens: revoke the ones you no longer use.") % {"n": MAX_ACTIVE_TOKENS}
        ]
    if errors:
        raise ValidationFailed(errors)

    key = generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=key[len(key_prefix()) :][:PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    audit_record(
        actor=user,
        action="create",
        instance=token,
        changes={"scope": [None, scope], "expires_at": [None, str(expires_at) if expires_at else None]},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, user: Any, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent). Someone else's token answers 404."""
    try:
        token = api_token_list(user=user).select_for_update().get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="revoke", instance=token)
    return token


def api_token_status(token: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``, for display."""
    now = now or timezone.now()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"
