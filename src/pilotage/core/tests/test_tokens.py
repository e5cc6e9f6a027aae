"""Personal access tokens: the services, API authentication with them, and the account page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import ApiToken, AuditEvent
from pilotage.core.tokens import api_token_create, api_token_revoke

KEY_RE = re.compile(r"^plt_[A-Za-z0-9_-]{40}$")


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- services -------------------------------------------------------------------------------


def test_create_returns_the_key_once_and_stores_only_its_hash(cast: Any) -> None:
    token, key = api_token_create(user=cast.dlm, name="HR sync", scope="read", expires_in_days=30)
    assert KEY_RE.match(key)
    token.refresh_from_db()
    assert token.prefix == key[4:12]
    assert token.key_hash == ApiToken.hash_key(key)
    # The clear key is nowhere in the row.
    assert all(key not in str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields)
    assert token.expires_at is not None
    assert dt.timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    event = AuditEvent.objects.get(object_type="core.apitoken", object_id=str(token.pk))
    assert event.action == "create"
    assert event.actor == cast.dlm
    assert key not in str(event.changes)


def test_create_never_expiring_and_two_keys_differ(cast: Any) -> None:
    first, key1 = api_token_create(user=cast.ld, name="a", scope="write")
    second, key2 = api_token_create(user=cast.ld, name="b", scope="read")
    assert first.expires_at is None
    assert key1 != key2 and first.key_hash != second.key_hash


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "scope": "admin"}, "scope"),
        ({"name": "ok", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "ok", "expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(cast: Any, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        api_token_create(user=cast.dlm, **{"scope": "read", **kwargs})
    assert field in exc.value.errors
    assert not ApiToken.objects.exists()


def test_revoke_own_token_is_audited_and_idempotent(cast: Any) -> None:
    token, _key = api_token_create(user=cast.dlm, name="x")
    revoked = api_token_revoke(user=cast.dlm, token_id=token.pk)
    assert revoked.revoked_at is not None
    first_at = revoked.revoked_at
    assert api_token_revoke(user=cast.dlm, token_id=token.pk).revoked_at == first_at
    assert AuditEvent.objects.filter(object_type="core.apitoken", action="revoke").count() == 1


def test_cannot_revoke_someone_elses_token(cast: Any) -> None:
    token, _key = api_token_create(user=cast.dlm, name="x")
    with pytest.raises(Http404):
        api_token_revoke(user=cast.client_a, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


# --- API authentication ---------------------------------------------------------------------


def test_bearer_token_authenticates_and_sets_last_used(cast: Any, client: Client) -> None:
    token, key = api_token_create(user=cast.client_a, name="x", scope="read")
    assert token.last_used_at is None
    response = client.get("/api/v1/me", **_bearer(key))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "client_a@example.com"
    assert body["auth"] == "read"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_x_api_token_header_authenticates(cast: Any, client: Client) -> None:
    _token, key = api_token_create(user=cast.dlm, name="x")
    response = client.get("/api/v1/people", HTTP_X_API_TOKEN=key)
    assert response.status_code == 200
    assert response.json()["count"] == 8


def test_token_carries_its_owners_scope(cast: Any, client: Client) -> None:
    _token, key = api_token_create(user=cast.client_b, name="x")
    body = client.get("/api/v1/people", **_bearer(key)).json()
    assert {p["employee_number"] for p in body["items"]} == {"E005", "E007", "E008"}


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown", "inactive_user", "malformed"])
def test_unusable_tokens_get_401(cast: Any, client: Client, state: str) -> None:
    token, key = api_token_create(user=cast.dlm, name="x")
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif state == "revoked":
        api_token_revoke(user=cast.dlm, token_id=token.pk)
    elif state == "unknown":
        key = key[:-1] + ("A" if key[-1] != "A" else "B")
    elif state == "inactive_user":
        cast.dlm.is_active = False
        cast.dlm.save(update_fields=["is_active"])
    headers = {"HTTP_AUTHORIZATION": "Token abc"} if state == "malformed" else _bearer(key)
    response = client.get("/api/v1/me", **headers)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "token" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Bearer"
    token.refresh_from_db()
    assert token.last_used_at is None


def test_no_credentials_get_401_even_on_unsafe_methods(cast: Any, client: Client) -> None:
    token, _key = api_token_create(user=cast.dlm, name="x")
    assert client.get("/api/v1/people").status_code == 401
    # No session cookie: not a CSRF failure, just "authenticate".
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 401


def test_read_token_refused_on_unsafe_methods_write_token_allowed(cast: Any, client: Client) -> None:
    read, read_key = api_token_create(user=cast.dlm, name="r", scope="read")
    other, _ = api_token_create(user=cast.dlm, name="other", scope="read")
    _w, write_key = api_token_create(user=cast.dlm, name="w", scope="write")
    refused = client.delete(f"/api/v1/tokens/{other.pk}", **_bearer(read_key))
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert client.delete(f"/api/v1/tokens/{other.pk}", HTTP_X_API_TOKEN=read_key).status_code == 403
    other.refresh_from_db()
    assert other.revoked_at is None
    allowed = client.delete(f"/api/v1/tokens/{other.pk}", **_bearer(write_key))
    assert allowed.status_code == 200
    assert allowed.json()["status"] == "revoked"
    other.refresh_from_db()
    assert other.revoked_at is not None
    assert client.get("/api/v1/me", **_bearer(read_key)).status_code == 200


def test_api_lists_own_tokens_without_secrets(cast: Any, client: Client) -> None:
    _t, key = api_token_create(user=cast.ld, name="mine")
    api_token_create(user=cast.dlm, name="not mine")
    body = client.get("/api/v1/tokens", **_bearer(key)).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["name"] == "mine" and item["status"] == "active"
    assert "key_hash" not in item and key not in str(body)


def test_api_cannot_revoke_someone_elses_token(cast: Any, client: Client) -> None:
    theirs, _ = api_token_create(user=cast.dlm, name="theirs")
    _w, key = api_token_create(user=cast.ld, name="w", scope="write")
    response = client.delete(f"/api/v1/tokens/{theirs.pk}", **_bearer(key))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_session_auth_requires_csrf_on_unsafe_methods(cast: Any) -> None:
    token, _key = api_token_create(user=cast.dlm, name="x")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.dlm)
    assert strict.get("/api/v1/me").status_code == 200
    refused = strict.delete(f"/api/v1/tokens/{token.pk}")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    token.refresh_from_db()
    assert token.revoked_at is None
    # With the CSRF token from the cookie in the header, the request goes through.
    strict.get("/account/")
    csrf = strict.cookies["csrftoken"].value
    assert strict.delete(f"/api/v1/tokens/{token.pk}", HTTP_X_CSRFTOKEN=csrf).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_auth_needs_no_csrf(cast: Any) -> None:
    token, key = api_token_create(user=cast.dlm, name="w", scope="write")
    strict = Client(enforce_csrf_checks=True)
    assert strict.delete(f"/api/v1/tokens/{token.pk}", **_bearer(key)).status_code == 200


# --- account page ---------------------------------------------------------------------------


def test_account_page_lists_only_own_tokens(cast: Any, login: Any) -> None:
    api_token_create(user=cast.dlm, name="Mine")
    api_token_create(user=cast.ld, name="Not mine")
    response = login(cast.dlm).get("/account/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mine" in html and "Not mine" not in html
    assert [t.name for t in response.context["tokens"]] == ["Mine"]


def test_account_requires_login(client: Client) -> None:
    assert client.get("/account/").status_code == 302


def test_create_from_the_page_shows_the_key_once(cast: Any, login: Any) -> None:
    client = login(cast.client_a)
    response = client.post("/account/tokens/", {"name": "Reporting", "scope": "write", "expiry": "90"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = response.context["new_key"]
    assert KEY_RE.match(key)
    html = response.content.decode()
    assert f'value="{key}" readonly' in html
    token = ApiToken.objects.get(user=cast.client_a)
    assert (token.name, token.scope) == ("Reporting", "write")
    assert token.expires_at is not None
    assert dt.timedelta(days=89) < token.expires_at - timezone.now() <= dt.timedelta(days=90)
    # Shown once: the page never shows it again, only the prefix.
    again = client.get("/account/").content.decode()
    assert key not in again
    assert f"plt_{token.prefix}…" in again
    # And it works.
    assert client.get("/api/v1/me", **_bearer(key)).json()["auth"] == "write"


def test_create_never_expiring_from_the_page(cast: Any, login: Any) -> None:
    login(cast.learner).post("/account/tokens/", {"name": "Mobile", "scope": "read", "expiry": "never"})
    assert ApiToken.objects.get(user=cast.learner).expires_at is None


def test_create_invalid_form_shows_errors(cast: Any, login: Any) -> None:
    response = login(cast.dlm).post("/account/tokens/", {"name": "", "scope": "read", "expiry": "7"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "expiry"}
    assert "new_key" not in response.context
    assert not ApiToken.objects.exists()


def test_create_htmx_returns_the_tokens_partial(cast: Any, login: Any) -> None:
    response = login(cast.dlm).post(
        "/account/tokens/", {"name": "h", "scope": "read", "expiry": "30"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "token-key" in html and response.context["new_key"] in html


def test_create_refuses_get(cast: Any, login: Any) -> None:
    assert login(cast.dlm).get("/account/tokens/").status_code == 405


def test_revoke_confirmation_page_then_post(cast: Any, login: Any) -> None:
    token, key = api_token_create(user=cast.dlm, name="Old script")
    client = login(cast.dlm)
    confirm = client.get(f"/account/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Old script" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # GET changes nothing
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", **_bearer(key)).status_code == 200  # the session still works
    assert Client().get("/api/v1/me", **_bearer(key)).status_code == 401


def test_revoke_htmx_returns_the_partial_with_status(cast: Any, login: Any) -> None:
    token, _key = api_token_create(user=cast.dlm, name="t")
    response = login(cast.dlm).post(f"/account/tokens/{token.pk}/revoke/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert response.context["tokens"][0].status == "revoked"


def test_revoke_someone_elses_token_from_the_page_is_404(cast: Any, login: Any) -> None:
    token, _key = api_token_create(user=cast.dlm, name="t")
    client = login(cast.ld)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_statuses_shown_on_the_page(cast: Any, login: Any) -> None:
    active, _ = api_token_create(user=cast.dlm, name="a")
    expired, _ = api_token_create(user=cast.dlm, name="e")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    revoked, _ = api_token_create(user=cast.dlm, name="r")
    api_token_revoke(user=cast.dlm, token_id=revoked.pk)
    tokens = {t.name: t.status for t in login(cast.dlm).get("/account/").context["tokens"]}
    assert tokens == {"a": "active", "e": "expired", "r": "revoked"}
