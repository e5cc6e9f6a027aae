"""The navigation registry: areas by role, grouped menus, the active entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from pilotage.core import navigation

pytestmark = pytest.mark.django_db


def _menu(user: Any, path: str = "/") -> list[dict[str, Any]]:
    request = RequestFactory().get(path)
    request.user = user
    return navigation.entries_for(request)


def _labels(entries: list[dict[str, Any]]) -> list[str]:
    return [str(e["label"]) for e in entries]


def test_the_dlm_gets_grouped_menus_in_order(cast: Any) -> None:
    menu = _menu(cast.dlm)
    groups = {e["key"]: e for e in menu if "members" in e}
    assert {"people", "demand", "portfolio", "admin"} <= set(groups)
    assert len(menu) <= 8, _labels(menu)  # fits one bar
    keys = [e["key"] for e in menu]
    assert keys.index("people") < keys.index("demand") < keys.index("portfolio") < keys.index("admin")
    assert [i["key"] for i in groups["people"]["members"]] == ["people", "org", "audiences"]


def test_a_group_with_one_visible_area_shows_the_area_alone(cast: Any) -> None:
    navigation.register_group("test_group", "Test group", order=99)
    navigation.register("test_a", "Only DLM", "home", order=98, visible=lambda u: u == cast.dlm, group="test_group")
    navigation.register("test_b", "Everyone", "home", order=99, visible=lambda u: True, group="test_group")
    try:
        dlm = {e["key"]: e for e in _menu(cast.dlm)}
        assert [i["key"] for i in dlm["test_group"]["members"]] == ["test_a", "test_b"]
        learner = [e["key"] for e in _menu(cast.learner)]
        assert "test_b" in learner and "test_group" not in learner
    finally:
        for key in ("test_a", "test_b"):
            navigation._ENTRIES.pop(key)
        navigation._GROUPS.pop("test_group")


def test_the_active_area_marks_its_group(cast: Any) -> None:
    menu = _menu(cast.dlm, "/people/org/")
    people = next(e for e in menu if e["key"] == "people")
    assert people["active"]
    assert [i["key"] for i in people["members"] if i["active"]] == ["org"]
    assert not any(e["active"] for e in menu if e["key"] != "people")


def test_the_learner_and_anonymous_menus(cast: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert _menu(AnonymousUser()) == []
    assert all("members" not in e for e in _menu(cast.learner))


@pytest.mark.parametrize("persona", ["dlm", "client_a", "learner"])
def test_the_rendered_menu_links_every_area(cast: Any, login: Any, persona: str) -> None:
    user = cast.users[persona]
    html = login(user).get("/").content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    assert 'href=""' not in nav
    for entry in _menu(user):
        for item in entry.get("members", [entry]):
            assert f'href="{item["url"]}"' in nav
