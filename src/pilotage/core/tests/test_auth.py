"""Security of the shell: login throttling, logout, password reset, headers, cookies, CSRF,
password hashing.

Responses are asked for in English (Accept-Language) where a test reads a message, so the
tests do not depend on the French catalogue.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from conftest import PASSWORD
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pilotage.core.models import LoginFailure

LOGIN = "/accounts/login/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOO_MANY = "Too many failed attempts"


def _attempt(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": email, "password": password}, **EN, **extra)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- login and throttling ---------------------------------------------------------------


def test_login_with_the_right_password_goes_home(cast: Any, client: Client) -> None:
    response = _attempt(client, cast.dlm.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _logged_in(client)


def test_login_ignores_the_case_and_spaces_of_the_address(cast: Any, client: Client) -> None:
    response = _attempt(client, "  DLM@Example.COM ", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_login_never_redirects_to_another_site(cast: Any, client: Client) -> None:
    response = client.post(
        f"{LOGIN}?next=https://evil.example.com/", {"username": cast.dlm.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_inactive_user_cannot_log_in(cast: Any, client: Client) -> None:
    cast.learner.is_active = False
    cast.learner.save(update_fields=["is_active"])
    response = _attempt(client, cast.learner.email, PASSWORD)
    assert response.status_code == 200
    assert not _logged_in(client)


def test_five_failures_lock_the_account_even_with_the_right_password(cast: Any, client: Client) -> None:
    limit = settings.LOGIN_THROTTLE_FAILURES
    assert limit == 5
    for _ in range(limit):
        response = _attempt(client, cast.dlm.email, "wrong-password")
        assert response.status_code == 200  # the ordinary "wrong password" form
        assert TOO_MANY not in response.content.decode()

    response = _attempt(client, cast.dlm.email, PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert not _logged_in(client)
    # Another spelling of the same account is the same account.
    assert _attempt(client, cast.dlm.email.upper(), PASSWORD).status_code == 429


def test_a_throttled_attempt_does_not_check_the_password(cast: Any, client: Client) -> None:
    for _ in range(settings.LOGIN_THROTTLE_FAILURES):
        _attempt(client, cast.dlm.email, "wrong-password")
    checked: list[Any] = []

    def on_failure(sender: Any, credentials: Any, **kwargs: Any) -> None:
        checked.append(credentials)

    user_login_failed.connect(on_failure)
    try:
        assert _attempt(client, cast.dlm.email, "another-guess").status_code == 429
    finally:
        user_login_failed.disconnect(on_failure)
    assert checked == []  # the throttle answered before any password hashing
    # Nor is the throttled attempt counted: the lock does not grow while it holds.
    assert LoginFailure.objects.filter(username=cast.dlm.email).count() == settings.LOGIN_THROTTLE_FAILURES


def test_a_locked_account_does_not_lock_the_others(cast: Any, client: Client) -> None:
    for _ in range(settings.LOGIN_THROTTLE_FAILURES):
        _attempt(client, cast.dlm.email, "wrong-password")
    assert _attempt(client, cast.dlm.email, PASSWORD).status_code == 429

    other = Client()
    response = _attempt(other, cast.ld.email, PASSWORD)  # same address (127.0.0.1), other account
    assert response.status_code == 302
    assert _logged_in(other)


def test_the_lock_ends_with_the_window(cast: Any, client: Client) -> None:
    for _ in range(settings.LOGIN_THROTTLE_FAILURES):
        _attempt(client, cast.dlm.email, "wrong-password")
    assert _attempt(client, cast.dlm.email, PASSWORD).status_code == 429

    window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    LoginFailure.objects.update(at=timezone.now() - window - timedelta(seconds=1))
    response = _attempt(client, cast.dlm.email, PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_successful_login_clears_the_failures(cast: Any, client: Client) -> None:
    limit = settings.LOGIN_THROTTLE_FAILURES
    for _ in range(limit - 1):
        _attempt(client, cast.dlm.email, "wrong-password")
    assert _attempt(client, cast.dlm.email, PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username=cast.dlm.email).exists()

    client.post(reverse("logout"))
    for _ in range(limit - 1):
        _attempt(client, cast.dlm.email, "wrong-password")
    assert _attempt(client, cast.dlm.email, PASSWORD).status_code == 302  # not 429: the count restarted


def test_one_address_trying_many_accounts_is_throttled(cast: Any, client: Client) -> None:
    limit = settings.LOGIN_THROTTLE_FAILURES
    for i in range(limit * 4):
        _attempt(client, f"nobody{i}@example.com", "guess", REMOTE_ADDR="203.0.113.9")
    response = _attempt(client, cast.ld.email, PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    # The same account from another address is not blocked.
    assert _attempt(client, cast.ld.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


# --- logout ----------------------------------------------------------------------------


def test_logout_is_post_only(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    assert client.get(reverse("logout")).status_code == 405
    assert _logged_in(client)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not _logged_in(client)
    assert client.get(reverse("home")).status_code == 302


# --- password reset --------------------------------------------------------------------


def test_password_reset_sends_a_link_that_sets_a_new_password(cast: Any, client: Client) -> None:
    response = client.post(reverse("password_reset"), {"email": cast.learner.email}, **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.learner.email]
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body

    # Django swaps the token for a session marker, then shows the form.
    response = client.get(match.group(1))
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).context["validlink"] is True
    new_password = "a-brand-new-passphrase-77"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")

    cast.learner.refresh_from_db()
    assert cast.learner.check_password(new_password)
    assert Client().login(username=cast.learner.email, password=new_password)
    # The link works once.
    assert client.get(match.group(1), follow=True).context["validlink"] is False


def test_password_reset_does_not_tell_which_addresses_exist(cast: Any, client: Client) -> None:
    known = client.post(reverse("password_reset"), {"email": cast.learner.email}, **EN)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, **EN)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [[cast.learner.email]]


# --- headers and cookies ---------------------------------------------------------------


def _csp(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/people/", "/people/org/", "/account/"])
def test_pages_carry_a_strict_csp_with_a_nonce(cast: Any, login: Any, url: str) -> None:
    client = login(cast.dlm) if url != "/accounts/login/" else Client()
    response = client.get(url)
    assert response.status_code == 200
    csp = _csp(response)
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    nonces = [s for s in csp["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]

    html = response.content.decode()
    nonce = nonces[0][len("'nonce-") : -1]
    assert f'nonce="{nonce}"' in html  # the page uses the nonce the header allows
    # Nothing inline that a strict policy would block: every script has a src, no style attributes.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<[^>]+\sstyle=", html)


def test_security_headers_and_cookies(cast: Any, client: Client) -> None:
    response = client.get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"

    response = client.post(LOGIN, {"username": cast.dlm.email, "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_login_form_enforces_csrf(cast: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": cast.dlm.email, "password": PASSWORD})
    assert response.status_code == 403
    assert not _logged_in(client)

    page = client.get(LOGIN)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    response = client.post(
        LOGIN, {"username": cast.dlm.email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302
    assert _logged_in(client)


# --- password hashing ------------------------------------------------------------------

_PROBE = """
import importlib, json, os, sys
out = {}
for env in ("development", "production"):
    os.environ["PILOTAGE_ENV"] = env
    os.environ["DEBUG"] = "false" if env == "production" else "true"
    sys.modules.pop("pilotage.config.settings", None)
    module = importlib.import_module("pilotage.config.settings")
    out[env] = module.PASSWORD_HASHERS
print(json.dumps(out))
"""


def test_argon2_hashes_passwords_outside_tests(tmp_path: Any) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}},
        "SECRET_KEY": "k" + "9Xq2-vB7_zL4#mW8" * 4,
        "ALLOWED_HOSTS": "pilotage.example.com",
        "PILOTAGE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    hashers = json.loads(result.stdout.strip().splitlines()[-1])
    for name in ("development", "production"):
        assert hashers[name][0] == "django.contrib.auth.hashers.Argon2PasswordHasher", (name, hashers[name])
    # The test settings swap in a fast hasher; that must stay a test-only shortcut.
    assert settings.PASSWORD_HASHERS[0] != hashers["production"][0]
