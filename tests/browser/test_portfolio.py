"""The portfolio flow in a real browser (issue 4): an internal client files a request; the DLM
triages it into a new programme, runs the modality recommender, reads its reasons, builds a
three-step learning path and exports the annual plan (XLSX and PDF).

Labels are being translated, so elements are found by URL, ``name``/``id`` attributes, data
attributes and classes, never by their English text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOGOUT = "form[action='/accounts/logout/'] button"
TITLE = "Négociation grands comptes"


def _scroll_width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _url(live_server: Any, name: str, *args: Any) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def _sign_out(page: Any, live_server: Any) -> None:
    page.locator(LOGOUT).click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def _file_request(page: Any, live_server: Any, wished: dt.date) -> tuple[int, str]:
    """client_a fills the short request form; returns the request's pk and reference."""
    page.goto(_url(live_server, "strategy:request_create"))
    form = page.locator("#request-form")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=business_need]").fill("Our account managers lose margin in yearly negotiations.")
    form.locator("[name=population_description]").fill("Key account managers, Paris and Lyon.")
    form.locator("[name=headcount]").fill("40")
    form.locator("[name=wished_date]").fill(wished.isoformat())
    form.locator("[name=expected_impact]").fill("Two points of margin on renewed contracts.")
    form.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/strategy/requests/\d+/$"))
    pk = int(re.search(r"/requests/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]
    reference = page.locator("main h1 .meta").inner_text().strip()
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d{4}", reference), reference
    return pk, reference


def _triage_into_new_programme(page: Any, live_server: Any, request_pk: int, start: dt.date) -> int:
    """The DLM moves the request under review, then accepts it into a new programme."""
    from pilotage.strategy.models import TrainingRequest

    page.goto(_url(live_server, "strategy:request_detail", request_pk))
    triage = page.locator("#triage")
    triage.locator("select[name=to_status]").select_option("under_review")
    triage.locator("textarea[name=reason]").fill("We look at it with the sales director.")
    # The decision reloads the page (status badge, decision, history), not just the panel.
    with page.expect_navigation(url=_url(live_server, "strategy:request_detail", request_pk)):
        triage.locator("button[type=submit].primary").click()
    assert page.locator("#triage h1, #triage header").count() == 0, "a whole page was swapped into the panel"
    assert TrainingRequest.objects.get(pk=request_pk).status == TrainingRequest.Status.UNDER_REVIEW
    assert triage.locator("select[name=to_status] option[value=under_review]").count() == 0
    accept = page.locator(f"#triage a[href='{reverse('programmes:from_request', args=[request_pk])}']")
    expect(accept).to_be_visible()
    accept.click()
    page.wait_for_url(_url(live_server, "programmes:from_request", request_pk))

    form = page.locator("main form[method=post]")
    assert form.locator("input[name=mode][value=new]").is_checked()  # a new programme by default
    assert form.locator("input[name='new-title']").input_value() == TITLE  # pre-filled from the request
    form.locator("textarea[name=reason]").fill("Answered by the 2026 negotiation programme.")
    form.locator("input[name='new-planned_start']").fill(start.isoformat())
    form.locator("input[name='new-planned_end']").fill((start + dt.timedelta(days=90)).isoformat())
    form.locator("input[name='new-budget_estimate']").fill("24000")
    form.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/programmes/\d+/$"))
    return int(re.search(r"/programmes/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]


def _recommend_and_choose(page: Any, live_server: Any, programme_pk: int) -> str:
    """Runs the recommender, checks the ranking and its reasons, records the top modality."""
    page.locator(f"main a[href='{reverse('programmes:programme_recommend', args=[programme_pk])}']").first.click()
    page.wait_for_url(_url(live_server, "programmes:programme_recommend", programme_pk))
    inputs = page.locator("form.rec-inputs")
    # No audience on this programme: the DLM gives the size and languages by hand.
    inputs.locator("input[name=audience_size]").fill("40")
    inputs.locator("input[name=sites]").fill("2")
    inputs.locator("input[name=languages]").fill("fr")
    inputs.locator("button[name=action][value=run]").click()
    page.wait_for_url(re.compile(r"\?run=\d+#results$"))

    items = page.locator("#results ol.rec-ranking > li.rec-item")
    assert items.count() >= 2, "the ranking lists the catalogue's modalities"
    assert page.locator("#results li.rec-top").count() == 1
    assert items.first.get_attribute("class") and "rec-top" in items.first.get_attribute("class")
    # Scores are in descending order, and the rules that fired are explained.
    scores = [float(v) for v in items.locator("meter").evaluate_all("ms => ms.map(m => m.getAttribute('value'))")]
    assert scores == sorted(scores, reverse=True), scores
    reasons = page.locator("#results .rec-reasons li")
    assert reasons.count() >= 1, "no rule explanation shown"
    assert all(text.strip() for text in reasons.all_text_contents())
    expect(page.locator("#results li.rec-top details")).to_have_attribute("open", "")

    choice = page.locator("#choice form")
    top_key = choice.locator("select[name=modality]").input_value()
    assert top_key, "the choice is pre-set to the top modality"
    choice.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"\?run=\d+#choice$"))
    assert page.locator("#choice select[name=modality]").input_value() == top_key
    return top_key


def _build_path(page: Any, live_server: Any, programme_pk: int) -> int:
    """A path of three steps of different types; the quiz moves up by keyboard."""
    page.goto(_url(live_server, "programmes:programme_detail", programme_pk))
    page.locator(f"main a[href='{reverse('programmes:path_create', args=[programme_pk])}']").first.click()
    page.wait_for_url(_url(live_server, "programmes:path_create", programme_pk))
    form = page.locator("main form.path-form")
    form.locator("input[name=title]").fill("Parcours négociation")
    form.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/programmes/paths/\d+/$"))
    path_pk = int(re.search(r"/paths/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]

    steps = [
        ("elearning", "Les bases de la négociation", "https://lms.example.com/course/neg-101", "20"),
        ("virtual_class", "Classe virtuelle : cas clients", "", "60"),
        ("quiz", "Quiz de positionnement", "", "10"),
    ]
    for kind, title, url, minutes in steps:
        page.goto(_url(live_server, "programmes:step_create", path_pk))
        form = page.locator("main form.step-form")
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=url]").fill(url)
        form.locator("input[name=duration_minutes]").fill(minutes)
        form.locator("button[type=submit].primary").click()
        page.wait_for_url(re.compile(rf"/programmes/paths/{path_pk}/(#.*)?$"))

    def order() -> list[str]:
        return page.locator("ol.path-steps > li").evaluate_all("lis => lis.map(li => li.dataset.stepTitle)")

    assert order() == [s[1] for s in steps]
    # Keyboard: focus the quiz's "up" button and press Enter (htmx swaps the list in place).
    quiz = page.locator("ol.path-steps > li").nth(2)
    quiz_id = quiz.get_attribute("data-step-id")
    quiz.locator("form[action$='/up/'] button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("ol.path-steps > li").nth(1)).to_have_attribute("data-step-id", quiz_id)
    assert order() == [steps[0][1], steps[2][1], steps[1][1]]
    # The focus stays with the moved step, and the move is announced.
    expect(page.locator("#path-announce")).not_to_be_empty()
    # (path-reorder.js moves it once htmx has settled the swap, a moment after the new order shows.)
    page.wait_for_function(
        "id => document.activeElement?.closest('li')?.dataset.stepId === id", arg=quiz_id, timeout=2000
    )
    assert page.evaluate("document.activeElement.closest('form').action").endswith("/up/")
    # Totals: three steps, 90 minutes (all mandatory).
    with translation.override("fr"):
        from pilotage.programmes.paths import duration_text

        ninety = duration_text(90)
    kpis = page.locator(".kpis .kpi-value").all_inner_texts()
    assert [k.strip() for k in kpis] == ["3", ninety, ninety], kpis
    # The reload keeps the new order (it was saved, not only drawn).
    page.reload()
    assert order() == [steps[0][1], steps[2][1], steps[1][1]]

    # The learner preview, at phone size.
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator(f"main a[href='{reverse('programmes:path_preview', args=[path_pk])}']").click()
    page.wait_for_url(_url(live_server, "programmes:path_preview", path_pk))
    titles = page.locator(".phone-steps .phone-step-title").all_inner_texts()
    assert [t.strip() for t in titles] == [steps[0][1], steps[2][1], steps[1][1]]
    assert _scroll_width(page) <= 360
    page.set_viewport_size({"width": 1280, "height": 800})
    return path_pk


def _export_annual_plan(page: Any, live_server: Any, programme_pk: int, year: int, tmp_path: Path) -> None:
    page.goto(f"{_url(live_server, 'programmes:annual_plan')}?year={year}")
    expect(page.locator(f"main a[href='{reverse('programmes:programme_detail', args=[programme_pk])}']")).to_have_count(
        1
    )
    with page.expect_download() as xlsx_download:
        page.locator(f"a[href='{reverse('programmes:annual_plan_xlsx')}?year={year}']").click()
    xlsx = Path(xlsx_download.value.path()).read_bytes()
    assert xlsx.startswith(b"PK"), "the XLSX is a zip"
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert any(TITLE in c for c in cells), "the programme is not in the XLSX"

    with page.expect_download() as pdf_download:
        page.locator(f"a[href='{reverse('programmes:annual_plan_pdf')}?year={year}']").click()
    pdf_path = tmp_path / "plan.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, check=True, text=True
        ).stdout
        assert TITLE in " ".join(text.split()), "the programme is not in the PDF"


def test_request_to_programme_recommendation_path_and_annual_plan(
    cast: Any, live_server: Any, page: Any, sign_in: Any, tmp_path: Path
) -> None:
    from pilotage.programmes.models import Programme
    from pilotage.strategy.models import TrainingRequest

    today = timezone.localdate()
    # Wished and planned in the same year as far as possible (the plan is per year).
    wished = today + dt.timedelta(days=20)

    # 1. The internal client files the request and finds it in their list.
    sign_in(cast.client_a)
    request_pk, reference = _file_request(page, live_server, wished)
    page.goto(_url(live_server, "strategy:request_list"))
    link = page.locator(f"#request-table a[href='{reverse('strategy:request_detail', args=[request_pk])}']")
    expect(link).to_have_text(reference)
    _sign_out(page, live_server)

    # 2. The DLM triages it into a new programme.
    sign_in(cast.dlm)
    programme_pk = _triage_into_new_programme(page, live_server, request_pk, wished)
    programme = Programme.objects.get(pk=programme_pk)
    assert programme.title == TITLE
    assert list(programme.requests.values_list("pk", flat=True)) == [request_pk]

    # 3. The recommender: ranked modalities with reasons; the top one is chosen.
    top_key = _recommend_and_choose(page, live_server, programme_pk)
    programme.refresh_from_db()
    assert programme.chosen_modality is not None and programme.chosen_modality.key == top_key

    # 4. A three-step learning path, reordered by keyboard, previewed on a phone.
    _build_path(page, live_server, programme_pk)

    # 5. The annual plan, in XLSX and PDF.
    _export_annual_plan(page, live_server, programme_pk, wished.year, tmp_path)

    # The programme page, now with its recommendation and path, and the plan still fit a phone.
    page.set_viewport_size({"width": 360, "height": 740})
    for url in (
        _url(live_server, "programmes:programme_detail", programme_pk),
        _url(live_server, "programmes:programme_recommend", programme_pk),
        f"{_url(live_server, 'programmes:annual_plan')}?year={wished.year}",
    ):
        page.goto(url)
        assert _scroll_width(page) <= 360, url
    page.set_viewport_size({"width": 1280, "height": 800})

    # The requester's request is accepted, and they see it so.
    assert TrainingRequest.objects.get(pk=request_pk).status == TrainingRequest.Status.ACCEPTED
    _sign_out(page, live_server)
    sign_in(cast.client_a)
    page.goto(_url(live_server, "strategy:request_list") + "?status=accepted")
    expect(
        page.locator(f"#request-table a[href='{reverse('strategy:request_detail', args=[request_pk])}']")
    ).to_have_count(1)


def test_request_form_and_programme_page_fit_a_phone(cast: Any, live_server: Any, page: Any, sign_in: Any) -> None:
    from pilotage.programmes import services_programmes

    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(cast.client_a)
    page.goto(_url(live_server, "strategy:request_create"))
    expect(page.locator("#request-form")).to_be_visible()
    assert _scroll_width(page) <= 360, "request form"
    _sign_out(page, live_server)

    programme = services_programmes.programme_create(
        actor=cast.dlm,
        title="Sécurité électrique — habilitation B1V pour les techniciens de maintenance",
        description="Recyclage obligatoire.",
        planned_start=dt.date(2026, 11, 28),  # a French date is wider than its tile was
        planned_end=dt.date(2027, 12, 31),
        budget_estimate="125000",
        owner=cast.dlm,
    )
    sign_in(cast.dlm)
    page.goto(_url(live_server, "programmes:programme_detail", programme.pk))
    expect(page.locator("main h1")).to_be_visible()
    assert _scroll_width(page) <= 360, "programme page"
