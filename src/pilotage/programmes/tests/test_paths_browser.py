"""Learning paths in Chromium: reorder by keyboard (Up/Down keeps the focus and announces the
move) and by drag and drop (path-reorder.js posts the whole order), no CSP violation, and the
learner preview fits a phone."""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import CHROMIUM, browser_context_args, browser_type_launch_args, sign_in  # noqa: F401

from pilotage.programmes import services_paths as svc
from pilotage.programmes.models import LearningPath, Programme

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)), reason="no Chromium"),
]


def _path(cast: Any) -> LearningPath:
    programme = Programme.objects.create(code="BRW-PTH", title="Sécurité", sponsor=cast.client_a)
    path = svc.path_create(actor=cast.dlm, programme=programme, title="Parcours essentiel")
    module = svc.step_create(
        actor=cast.dlm, path=path, kind="elearning", title="Module", url="https://lms.example/m", duration_minutes=45
    )
    svc.step_create(actor=cast.dlm, path=path, kind="virtual_class", title="Classe virtuelle", duration_minutes=90)
    svc.step_create(
        actor=cast.dlm, path=path, kind="quiz", title="Quiz", duration_minutes=15, prerequisites=[module.pk]
    )
    return path


def _titles(path: LearningPath) -> list[str]:
    return list(path.steps.order_by("position").values_list("title", flat=True))


def test_reorder_by_keyboard_and_by_drag(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:  # noqa: F811
    path = _path(cast)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(cast.ld)
    page.goto(f"{live_server.url}/programmes/paths/{path.pk}/")

    # Keyboard: focus the quiz's "Up" button and press Enter.
    up = page.locator(f"#step-{path.steps.get(title='Quiz').pk} button", has_text="Quiz").first
    up.focus()
    page.keyboard.press("Enter")
    # Matched on the figures, not the words: the page may be in French.
    expect(page.locator("#path-announce")).to_contain_text(re.compile(r"Quiz\D+2\D+3"))
    expect(page.locator(f"#step-{path.steps.get(title='Quiz').pk} [data-autofocus]")).to_be_focused()
    assert _titles(path) == ["Module", "Quiz", "Classe virtuelle"]

    # Drag and drop: the class onto the top of the module.
    source = page.locator(f"#step-{path.steps.get(title='Classe virtuelle').pk}")
    target = page.locator(f"#step-{path.steps.get(title='Module').pk}")
    with page.expect_response(lambda r: r.url.endswith("/reorder/")):
        source.drag_to(target, target_position={"x": 40, "y": 5})
    expect(page.locator("#path-announce")).to_contain_text(re.compile(r"Classe virtuelle\D+1\D+3"))
    assert _titles(path) == ["Classe virtuelle", "Module", "Quiz"]
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_preview_fits_a_phone(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:  # noqa: F811
    path = _path(cast)
    sign_in(cast.ld)
    page.goto(f"{live_server.url}/programmes/paths/{path.pk}/preview/")
    assert round(page.locator(".phone-frame").bounding_box()["width"]) == 360 + 2 * 10  # a phone's width + the bezel
    page.screenshot(path=os.environ.get("PATHS_SHOT_DIR", "/tmp") + "/path-preview-desktop.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator(".phone-step.is-locked").count() == 1
    page.screenshot(path=os.environ.get("PATHS_SHOT_DIR", "/tmp") + "/path-preview-phone.png", full_page=True)
    page.goto(f"{live_server.url}/programmes/paths/{path.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.environ.get("PATHS_SHOT_DIR", "/tmp") + "/path-detail-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    page.screenshot(path=os.environ.get("PATHS_SHOT_DIR", "/tmp") + "/path-detail-desktop.png", full_page=True)
