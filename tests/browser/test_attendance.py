"""A facilitator takes attendance on a phone (issue 5): from "My sessions" to today's session,
one tap per learner (htmx swaps the row, the page stays), a change of mind voids the earlier
statement, and the keyboard works as well as the thumb.

Elements are found by URL, ids and data attributes, never by their English text.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pilotage.delivery.models import Attendance, Session
from pilotage.delivery.tests.factories_attendance import make_classroom
from pilotage.lrs.models import Statement

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _scroll_width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_facilitator_takes_attendance_on_a_phone(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    room = make_classroom(cast)
    julie, hugo = room.enrolments["learner"], room.enrolments["peer"]
    page.set_viewport_size(PHONE)
    sign_in(cast.facilitator)

    page.goto(f"{live_server.url}{reverse('delivery:facilitator_home')}")
    item = page.locator(f"li[data-session-id='{room.session.pk}']")
    expect(item).to_be_visible()
    assert _scroll_width(page) <= PHONE["width"]
    attendance_url = reverse("delivery:attendance", args=[room.session.pk])
    item.locator(f"a[href='{attendance_url}']").click()
    page.wait_for_url(f"{live_server.url}{attendance_url}")
    assert _scroll_width(page) <= PHONE["width"]

    # A tap: the row is swapped in place (no navigation), the counts follow.
    present = page.locator(f"#att-{julie.pk}-present")
    box = present.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    present.click()
    expect(page.locator(f"#att-{julie.pk}-present")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#att-row-{julie.pk}")).to_have_attribute("data-status", "present")
    assert page.url == f"{live_server.url}{attendance_url}"
    expect(page.locator("#att-counts")).to_contain_text("1")
    expect(page.locator("#session-status .badge-ok")).to_be_visible()  # the session is now held

    # The keyboard: Tab to a button and press Enter.
    page.locator(f"#att-{hugo.pk}-no_show").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#att-row-{hugo.pk}")).to_have_attribute("data-status", "no_show")
    expect(page.locator(".att-all")).to_have_count(0)  # nobody left to mark: the button is gone
    # the swapped row keeps the keyboard where it was (htmx restores focus by id)
    assert page.evaluate("document.activeElement.id") == f"att-{hugo.pk}-no_show"

    # A change of mind: Hugo was only late.
    page.locator(f"#att-{hugo.pk}-late").click()
    expect(page.locator(f"#att-row-{hugo.pk}")).to_have_attribute("data-status", "late")
    assert _scroll_width(page) <= PHONE["width"]

    marks = dict(Attendance.objects.filter(session=room.session).values_list("enrolment_id", "status"))
    assert marks == {julie.pk: "present", hugo.pk: "late"}
    assert Session.objects.get(pk=room.session.pk).status == Session.Status.HELD
    assert Statement.objects.filter(voided=True).count() == 1  # the no-show, voided by "late"
    live = Statement.objects.filter(voided=False, voided_target__isnull=True)
    assert sorted(str(s.registration) for s in live) == sorted([str(julie.registration), str(hugo.registration)])

    # The page reloaded shows the same marks (nothing only in the browser).
    page.reload()
    expect(page.locator(f"#att-{hugo.pk}-late")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#att-{julie.pk}-present")).to_have_attribute("aria-pressed", "true")
