"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download does not work on our machines, so the session fixture
``browser_type_launch_args`` points at /usr/bin/chromium. Playwright's sync API runs an event
loop in the test thread, which makes Django refuse ORM calls there unless
DJANGO_ALLOW_ASYNC_UNSAFE is set (the ORM is only used to build the cast, before any page).

``tests/`` and ``tests/browser/`` are packages so that this conftest does not shadow the
root ``conftest`` module (the cast and ``PASSWORD``) in ``sys.modules``.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("PILOTAGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A machine without Chromium skips the browser tests instead of failing all of them.
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # French first, like most of our users: the language switch test starts from there.
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def sign_in(page: Any, live_server: Any) -> Any:
    """``sign_in(user)`` logs in through the real login form and waits for the home page."""

    def _sign_in(user: Any, password: str = PASSWORD) -> Any:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit].primary")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _sign_in
