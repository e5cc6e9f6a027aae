"""LRS clients: the services, the pages per role, the secret shown once, revocation, the CLI."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.lrs import credentials
from pilotage.lrs.http import hash_secret
from pilotage.lrs.models import LrsClient

PROFILE_URL = "/xapi/activities/profile?activityId=https://example.com/course/1"


def basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "2.0.0"}


def test_create_stores_only_the_hash_of_a_40_character_secret(cast: Any) -> None:
    client, secret = credentials.lrs_client_create(actor=cast.dlm, name=" Storyline ", scopes=["statements/write"])
    assert client.name == "Storyline"
    assert len(client.key) == 20 and len(secret) == 40
    assert client.secret_hash == hash_secret(secret) and secret not in client.secret_hash
    assert client.scopes == ["statements/write"]
    assert client.authority["account"]["name"] == client.key
    assert client.created_by == cast.dlm
    event = AuditEvent.objects.get(action="lrs_client.create")
    assert event.actor == cast.dlm and secret not in str(event.changes)


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [("", ["state"], "name"), ("x" * 121, ["state"], "name"), ("Tool", [], "scopes"), ("Tool", ["write"], "scopes")],
)
def test_create_refuses_bad_input_naming_the_field(cast: Any, name: str, scopes: list[str], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        credentials.lrs_client_create(actor=cast.dlm, name=name, scopes=scopes)
    assert field in exc.value.errors
    assert not LrsClient.objects.exists()


def test_revoked_client_is_refused_at_once(cast: Any, client: Any) -> None:
    lrs_client, secret = credentials.lrs_client_create(actor=cast.dlm, name="LMS", scopes=["define"])
    assert client.get(PROFILE_URL, **basic(lrs_client.key, secret)).status_code == 200
    assert client.get(PROFILE_URL, **basic(lrs_client.key, "wrong-secret")).status_code == 401

    credentials.lrs_client_revoke(actor=cast.dlm, client=lrs_client)
    credentials.lrs_client_revoke(actor=cast.dlm, client=lrs_client)  # twice: a no-op

    response = client.get(PROFILE_URL, **basic(lrs_client.key, secret))
    assert response.status_code == 401
    assert "WWW-Authenticate" in response
    assert AuditEvent.objects.filter(action="lrs_client.revoke").count() == 1


def test_list_shows_clients_to_the_dlm_with_actions(cast: Any, login: Any) -> None:
    credentials.lrs_client_create(actor=cast.dlm, name="Rise 360", scopes=["statements/write", "state"])
    response = login(cast.dlm).get(reverse("lrs:client_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rise 360" in page and "/xapi/" in page
    assert reverse("lrs:client_create") in page and "Revoke" in page


def test_ld_reads_the_list_without_actions(cast: Any, login: Any) -> None:
    lrs_client, _ = credentials.lrs_client_create(actor=cast.dlm, name="Rise 360", scopes=["state"])
    response = login(cast.ld).get(reverse("lrs:client_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rise 360" in page
    assert reverse("lrs:client_create") not in page
    assert reverse("lrs:client_revoke", args=[lrs_client.pk]) not in page
    assert login(cast.ld).get(reverse("lrs:client_create")).status_code == 403


@pytest.mark.parametrize("persona", ["client_a", "manager", "learner", "vendor_a", "outsider"])
def test_others_are_refused(cast: Any, login: Any, persona: str) -> None:
    assert login(cast.users[persona]).get(reverse("lrs:client_list")).status_code == 403


def test_create_page_shows_key_secret_and_endpoint_once(cast: Any, login: Any, settings: Any) -> None:
    settings.SITE_URL = "https://learning.example.com"
    web = login(cast.dlm)
    assert web.get(reverse("lrs:client_create")).status_code == 200
    response = web.post(reverse("lrs:client_create"), {"name": "Storyline", "scopes": ["statements/write", "state"]})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    lrs_client = LrsClient.objects.get(name="Storyline")
    secret = response.context["secret"]
    page = response.content.decode()
    assert lrs_client.key in page and secret in page
    assert "https://learning.example.com/xapi/" in page
    assert lrs_client.secret_hash == hash_secret(secret)
    # Never again: not on the list.
    assert secret not in web.get(reverse("lrs:client_list")).content.decode()


def test_create_page_shows_errors_next_to_fields(cast: Any, login: Any) -> None:
    response = login(cast.dlm).post(reverse("lrs:client_create"), {"name": "Tool"})
    assert response.status_code == 200
    assert response.context["form"].errors["scopes"]
    assert not LrsClient.objects.exists()


def test_revoke_asks_then_revokes(cast: Any, login: Any) -> None:
    lrs_client, _ = credentials.lrs_client_create(actor=cast.dlm, name="Old LMS", scopes=["state"])
    web = login(cast.dlm)
    url = reverse("lrs:client_revoke", args=[lrs_client.pk])
    confirm = web.get(url)
    assert confirm.status_code == 200 and "Old LMS" in confirm.content.decode()
    lrs_client.refresh_from_db()
    assert lrs_client.revoked_at is None
    response = web.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("lrs:client_list")
    lrs_client.refresh_from_db()
    assert lrs_client.revoked_at is not None


def test_ld_cannot_revoke(cast: Any, login: Any) -> None:
    lrs_client, _ = credentials.lrs_client_create(actor=cast.dlm, name="LMS", scopes=["state"])
    assert login(cast.ld).post(reverse("lrs:client_revoke", args=[lrs_client.pk])).status_code == 403
    lrs_client.refresh_from_db()
    assert lrs_client.revoked_at is None


def test_revoke_unknown_client_is_404(cast: Any, login: Any) -> None:
    assert login(cast.dlm).post(reverse("lrs:client_revoke", args=[987654])).status_code == 404


def test_navigation_entry_for_staff_only(cast: Any, login: Any) -> None:
    # "Learning records" opens the statement browser; the clients page is one of its tabs.
    url = reverse("lrs:statement_list")
    assert url in login(cast.ld).get(reverse("home")).content.decode()
    assert url not in login(cast.learner).get(reverse("home")).content.decode()


# --- CLI ---------------------------------------------------------------------------------


def _cli(*args: str) -> str:
    out = io.StringIO()
    call_command("lrs-client", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_create_list_revoke(db: Any, client: Any) -> None:
    out = _cli("create", "Nightly import", "--scope", "statements/write", "--scope", "statements/read")
    values = dict(line.split(":", 1) for line in out.splitlines())
    key, secret = values["key"].strip(), values["secret"].strip()
    lrs_client = LrsClient.objects.get(key=key)
    assert lrs_client.scopes == ["statements/write", "statements/read"]
    assert lrs_client.secret_hash == hash_secret(secret)
    assert AuditEvent.objects.get(action="lrs_client.create").actor_label.startswith("cli")

    listing = _cli("list")
    assert "KEY" in listing and key in listing and "Nightly import" in listing and "active" in listing

    assert "Revoked" in _cli("revoke", key)
    lrs_client.refresh_from_db()
    assert lrs_client.revoked_at is not None
    assert "revoked" in _cli("list")
    assert "already revoked" in _cli("revoke", key)


def test_cli_refuses_unknown_scope_and_key(db: Any) -> None:
    with pytest.raises(CommandError, match="Unknown scope"):
        _cli("create", "Tool", "--scope", "everything")
    with pytest.raises(CommandError, match="No LRS client"):
        _cli("revoke", "nope")
    assert not LrsClient.objects.exists()
