from __future__ import annotations

from typing import Any

from django.db import connection


def test_database_engine_is_the_one_asked_for(db: Any) -> None:
    import os

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_home_requires_login(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_for_dlm_shows_headcount(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get("/")
    assert response.status_code == 200
    assert response.context["headcount"] == 7


def test_login_sets_the_users_language_when_the_browser_has_none(cast: Any, client: Any) -> None:
    from conftest import PASSWORD

    cast.learner.language = "en"
    cast.learner.save(update_fields=["language"])
    response = client.post("/accounts/login/", {"username": cast.learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    # A browser that already chose keeps its choice.
    client.logout()
    client.cookies["django_language"] = "fr"
    response = client.post("/accounts/login/", {"username": cast.learner.email, "password": PASSWORD})
    assert "django_language" not in response.cookies
