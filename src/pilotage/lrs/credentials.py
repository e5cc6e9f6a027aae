"""LRS clients: the key and secret an authoring tool, an LMS or a script uses to talk to
``/xapi/`` (HTTP Basic). Created and revoked by the DLM, in the web UI or the CLI.

The secret is shown once, at creation; only its SHA-256 is kept (``http.hash_secret``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.core.site import site_url
from pilotage.lrs.http import hash_secret
from pilotage.lrs.models import LrsClient

ALL_SCOPE = "all"
KNOWN_SCOPES = (*LrsClient.Scope.values, ALL_SCOPE)


def xapi_endpoint() -> str:
    """The endpoint to paste into an authoring tool: SITE_URL + /xapi/."""
    return site_url("/xapi/")


def lrs_client_status(client: LrsClient) -> str:
    """ "active", "expired" or "revoked"."""
    if client.revoked_at is not None:
        return "revoked"
    if client.expires_at is not None and client.expires_at <= timezone.now():
        return "expired"
    return "active"


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for scope in scopes:
        scope = scope.strip()
        if scope not in KNOWN_SCOPES:
            raise ValidationFailed(
                {
                    "scopes": [
                        _("Unknown scope “%(scope)s”; known: %(known)s.")
                        % {"scope": scope, "known": ", ".join(KNOWN_SCOPES)}
                    ]
                }
            )
        if scope not in cleaned:
            cleaned.append(scope)
    if not cleaned:
        raise ValidationFailed({"scopes": [_("Choose at least one scope.")]})
    return cleaned


def _client_create(
    *, actor: Any, name: str, scopes: Iterable[str], expires_at: dt.datetime | None = None
) -> tuple[LrsClient, str]:
    """The row of a client (a DLM's or a launch's) and its secret in clear.

    The key is 20 URL-safe characters, the secret 40. The client's ``authority`` (stamped
    on the statements it stores) is an Agent with an account on this Pilotage.
    """
    cleaned = _clean_scopes(scopes)
    key = secrets.token_urlsafe(15)
    while LrsClient.objects.filter(key=key).exists():  # pragma: no cover — 120 random bits
        key = secrets.token_urlsafe(15)
    secret = secrets.token_urlsafe(30)
    client = LrsClient.objects.create(
        name=name,
        key=key,
        secret_hash=hash_secret(secret),
        scopes=cleaned,
        authority={
            "objectType": "Agent",
            "name": name,
            # The homePage as services.default_authority writes it: one IFI per client.
            "account": {"homePage": settings.SITE_URL, "name": key},
        },
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    return client, secret


@transaction.atomic
def lrs_client_create(*, actor: Any, name: str, scopes: Iterable[str]) -> tuple[LrsClient, str]:
    """Create a client; returns it and its secret in clear (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("Give the client a name (the tool or system that will use it).")]})
    if len(name) > 120:
        raise ValidationFailed({"name": [_("Keep the name under 120 characters.")]})
    client, secret = _client_create(actor=actor, name=name, scopes=scopes)
    audit_record(
        actor=actor, action="lrs_client.create", instance=client, changes={"key": client.key, "scopes": client.scopes}
    )
    return client, secret


# A launch credential (the learner portal launching xAPI content): what the content needs and
# no more — write statements, read back its own, keep its state — for a few hours.
LAUNCH_SCOPES = ("statements/write", "statements/read/mine", "state")
LAUNCH_HOURS = 4


@transaction.atomic
def launch_credential_create(*, actor: Any, name: str, hours: float = LAUNCH_HOURS) -> tuple[LrsClient, str]:
    """A short-lived client for one launch of xAPI content; returns it and its secret in clear.

    It expires after ``hours`` (the LRS answers 401 after that) and is kept out of the clients
    list (``lrs_client_list``). Its authority is an Agent account named by its key, like any
    client's, so the statements the content posts can be told apart by launch.
    """
    name = (name or "").strip()[:120] or "launch"
    if hours <= 0:
        raise ValidationFailed({"hours": [_("A launch credential must last a positive number of hours.")]})
    expires_at = timezone.now() + dt.timedelta(hours=hours)
    client, secret = _client_create(actor=actor, name=name, scopes=LAUNCH_SCOPES, expires_at=expires_at)
    audit_record(
        actor=actor,
        action="lrs_client.launch",
        instance=client,
        changes={"key": client.key, "scopes": client.scopes, "expires_at": expires_at.isoformat()},
    )
    return client, secret


@transaction.atomic
def lrs_client_revoke(*, actor: Any, client: LrsClient) -> LrsClient:
    """Revoke a client at once: its next request is answered 401. Revoking twice is a no-op."""
    client = LrsClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        return client
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="lrs_client.revoke", instance=client, changes={"key": client.key})
    return client


def lrs_client_list() -> QuerySet[LrsClient]:
    """Every client, active first then by name (launch credentials of the player excluded:
    they expire on their own and would drown the list)."""
    return LrsClient.objects.filter(expires_at__isnull=True).order_by(
        F("revoked_at").asc(nulls_first=True), "name", "pk"
    )


def get_lrs_client_by_key(key: str) -> LrsClient | None:
    return LrsClient.objects.filter(key=key).first()
