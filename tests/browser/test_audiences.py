"""The audience builder in a real browser: htmx rows, live preview, a phone-sized screen."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_builder_rows_and_live_preview_at_360px(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(cast.dlm)
    page.goto(f"{live_server.url}/people/audiences/new/")
    page.fill("#aud-name", "Sales North")
    # Choosing a field re-renders the row with its value widget (htmx), keeping focus.
    page.focus("#r\\.0-field")
    page.select_option("#r\\.0-field", "org_unit")
    page.wait_for_selector("#r\\.0-choices")
    assert page.evaluate("document.activeElement.id") == "r.0-field"
    page.select_option("#r\\.0-choices", str(cast.unit_a1.pk))
    # The preview follows 300 ms after the change: A1 holds E002, E003, E004.
    expect(page.locator("#audience-preview .preview-count strong")).to_have_text("3")
    # Add a rule by keyboard: the new row arrives in place.
    page.focus("button[value='add_rule:r']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#node-r\\.1")
    # htmx binds the new row's triggers once the swap has settled (a person is slower than that).
    page.wait_for_selector("#rule-builder:not(.htmx-added):not(.htmx-settling)")
    page.wait_for_timeout(50)
    page.select_option("#r\\.1-field", "language")
    page.wait_for_selector("#r\\.1-choices")
    page.select_option("#r\\.1-choices", "en")
    expect(page.locator("#audience-preview .preview-count strong")).to_have_text("1")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if os.environ.get("PILOTAGE_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["PILOTAGE_SCREENSHOTS"], "audience-builder-360.png"), full_page=True
        )
    page.click("button.primary[value='save']")
    page.wait_for_url("**/people/audiences/*/")
    assert "Sales North" in page.inner_text("h1")
    assert page.inner_text(".kpi-value").strip() == "1"
