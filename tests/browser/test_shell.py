"""The shell in a real browser: login per persona, navigation, language switch, org chart,
phone-sized screens and the keyboard.

Labels are translated by the lead at the end, so these tests find things by URL, role,
``lang`` and ``aria-*`` attributes rather than by English text — except strings that Django
itself translates.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PASSWORD
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.browser

PEOPLE_READERS = {"dlm", "ld", "client_a", "client_b", "manager"}
AUDIENCE_USERS = {"dlm", "ld", "client_a", "client_b"}
PERSONAS = [
    "dlm",
    "ld",
    "client_a",
    "client_b",
    "manager",
    "learner",
    "facilitator",
    "approver_it",
    "approver_purchasing",
    "approver_finance",
    "vendor_a",
    "vendor_b",
]


def _nav_hrefs(page: Any) -> list[str]:
    return page.eval_on_selector_all("#main-nav a", "links => links.map(a => a.getAttribute('href'))")


def _problems_of(persona: str, cast: Any, live_server: Any, page: Any) -> list[str]:
    """What is wrong with the home page and the menu of this signed-in persona (empty: all fine)."""
    user = cast.users[persona]
    problems = []
    name = user.get_full_name()
    if name not in page.inner_text("main h1"):
        problems.append(f"the greeting does not name {name!r}")
    if page.inner_text(".user-link").strip() != name:
        problems.append(f"the account link does not read {name!r}")
    hrefs = _nav_hrefs(page)
    for url_name, allowed in (
        ("people:employee_list", PEOPLE_READERS),
        ("people:org_chart", PEOPLE_READERS),
        ("people:audience_list", AUDIENCE_USERS),
    ):
        if (reverse(url_name) in hrefs) is not (persona in allowed):
            problems.append(f"menu entry {url_name} {'missing' if persona in allowed else 'shown'}: {hrefs}")
    # Every area the menu offers opens for this persona (the menu never leads to a 403).
    for href in hrefs:
        status = page.request.get(f"{live_server.url}{href}", max_redirects=0).status
        if status != 200:
            problems.append(f"menu entry {href} answers {status}")
    return [f"{persona}: {p}" for p in problems]


def test_each_persona_logs_in_and_sees_only_their_areas(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    # One test for the whole cast (one database, one browser page): twelve separate tests
    # would build and flush the live server's database twelve times. Every persona is
    # checked, and the failure lists all of them that went wrong.
    problems = []
    for persona in PERSONAS:
        sign_in(cast.users[persona])
        problems += _problems_of(persona, cast, live_server, page)
        page.locator("form[action='/accounts/logout/'] button").click()
        page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert not problems, "\n".join(problems)


def test_wrong_password_stays_on_the_login_page(cast: Any, live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/people/")
    page.fill("input[name=username]", cast.dlm.email)
    page.fill("input[name=password]", "not-the-password")
    page.click("form button[type=submit].primary")
    page.wait_for_selector(".form-errors[role=alert]")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    # The next page is kept: logging in now lands on the people list.
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/people/")


def test_language_switch(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    sign_in(cast.dlm)
    html = page.locator("html")
    assert html.get_attribute("lang") == "fr"
    assert page.get_attribute(".lang-switch button[value=fr]", "aria-pressed") == "true"
    assert page.get_attribute(".lang-switch button[value=en]", "aria-pressed") == "false"
    logout = page.locator("form[action='/accounts/logout/'] button")
    with translation.override("fr"):
        assert logout.inner_text() == gettext("Log out")  # "Déconnexion" once the catalogue has it

    page.click(".lang-switch button[value=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_attribute(".lang-switch button[value=en]", "aria-pressed") == "true"
    assert page.get_attribute(".lang-switch button[value=fr]", "aria-pressed") == "false"
    assert page.url == f"{live_server.url}/"  # back where the switch was pressed
    assert page.get_by_role("button", name="Log out").is_visible()

    # Logged out, the choice is kept; Django's own strings follow it.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert html.get_attribute("lang") == "en"
    assert page.inner_text("label[for=id_password]").startswith("Password")
    page.click(".lang-switch button[value=fr]")
    page.wait_for_function("document.documentElement.lang === 'fr'")
    assert page.inner_text("label[for=id_password]").startswith("Mot de passe")


def test_org_chart_tree_expands_and_links_to_the_filtered_people_list(
    cast: Any, live_server: Any, page: Any, sign_in: Any
) -> None:
    sign_in(cast.dlm)
    page.goto(f"{live_server.url}{reverse('people:org_chart')}")
    tree = page.locator("ul.tree")
    assert tree.is_visible()
    assert tree.get_by_role("link", name="Groupe").is_visible()  # the root is open
    commercial = tree.get_by_role("link", name="Commercial", exact=True).locator("xpath=ancestor::details[1]")
    assert commercial.get_attribute("open") is None
    nord = tree.get_by_role("link", name="Ventes Nord")
    assert not nord.is_visible()

    commercial.locator("> summary .meta").click()  # not the link inside the summary
    assert commercial.get_attribute("open") is not None
    nord.click()

    page.wait_for_url(f"**/people/?org_unit={cast.unit_a1.pk}")
    rows = page.locator("#people-table tbody")
    for visible in ("Petit", "Roux", "Benali"):
        assert rows.get_by_text(visible).count() == 1, visible
    assert rows.get_by_text("Garnier").count() == 0  # Industrie, another unit
    assert page.locator("#f-org").input_value() == str(cast.unit_a1.pk)


def _no_horizontal_scroll(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_menu_by_keyboard_and_no_horizontal_scroll(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(cast.dlm)

    nav = page.locator("#main-nav")
    toggle = page.locator("[data-nav-toggle]")
    assert toggle.is_visible()
    assert not nav.is_visible()
    for _ in range(10):  # Tab until the menu button has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-nav-toggle')"):
            break
    else:
        pytest.fail("the menu button is not reachable with Tab")
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    assert nav.locator("summary, a").first.is_visible()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()

    for url in ("/", reverse("people:employee_list"), reverse("people:org_chart")):
        page.goto(f"{live_server.url}{url}")
        assert _no_horizontal_scroll(page) <= 360, url


def test_skip_link_is_the_first_tab_stop(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    sign_in(cast.learner)
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    assert page.locator(".skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_desktop_menu_groups_open_by_keyboard_and_fit_the_screen(
    cast: Any, live_server: Any, page: Any, sign_in: Any
) -> None:
    """The DLM sees every area: grouped in menus, the bar fits a 1,280 px screen."""
    sign_in(cast.dlm)
    assert _no_horizontal_scroll(page) <= 1280
    groups = page.locator("#main-nav details")
    assert groups.count() >= 3
    first = groups.first
    links = first.locator("a")
    assert not links.first.is_visible()
    first.locator("summary").focus()
    page.keyboard.press("Enter")
    assert links.first.is_visible()
    page.keyboard.press("Tab")  # into the open menu
    assert page.evaluate("document.activeElement.closest('details') !== null")
    page.keyboard.press("Escape")
    assert not links.first.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    # one group open at a time
    groups.nth(0).locator("summary").click()
    groups.nth(1).locator("summary").click()
    assert groups.nth(1).get_attribute("open") is not None
    assert groups.nth(0).get_attribute("open") is None
