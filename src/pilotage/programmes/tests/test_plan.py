"""The roadmap by quarter and the annual plan with its XLSX and PDF exports."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pilotage.people.audiences import audience_create
from pilotage.programmes import plan, services_skills
from pilotage.programmes import services_programmes as services
from pilotage.programmes.models import ProficiencyLevel, Programme
from pilotage.strategy.models import Objective

S = Programme.Status
pytestmark = pytest.mark.django_db


def _portfolio(cast: Any) -> dict[str, Any]:
    safety = Objective.objects.create(title="Zéro accident grave", weight=5, business_indicator="Taux de fréquence")
    sales = Objective.objects.create(title="Croissance commerciale", weight=3)
    audience = audience_create(
        actor=cast.dlm,
        name="Commerce",
        rules={"op": "and", "rules": [{"field": "org_unit", "operator": "in_subtree", "value": [cast.unit_a.pk]}]},
    )
    skill = services_skills.skill_create(
        actor=cast.dlm, domain=services_skills.domain_create(actor=cast.dlm, name="Sécurité"), name="Consignation"
    )
    level = ProficiencyLevel.objects.get(rank=3)
    make = services.programme_create
    progs = {
        "habilitations": make(
            actor=cast.dlm,
            title="Sécurité industrielle — habilitations",
            objectives=[safety],
            audiences=[audience],
            competencies=[(skill, level)],
            planned_start=dt.date(2027, 2, 1),
            planned_end=dt.date(2027, 8, 31),
            budget_estimate=40000,
        ),
        "onboarding": make(
            actor=cast.dlm,
            title='=HYPERLINK("http://evil") Onboarding commercial',
            objectives=[sales, safety],
            planned_start=dt.date(2026, 11, 1),
            planned_end=dt.date(2027, 3, 31),
            budget_estimate=15000,
        ),
        "orphan": make(actor=cast.dlm, title="Cybersécurité pour tous", planned_start=dt.date(2027, 10, 1)),
        "next_year": make(actor=cast.dlm, title="Lean 2028", planned_start=dt.date(2028, 1, 10)),
        "abandoned": make(actor=cast.dlm, title="Abandonné", planned_start=dt.date(2027, 5, 1)),
        "undated": make(actor=cast.dlm, title="Sans date"),
    }
    services.programme_transition(actor=cast.dlm, programme=progs["abandoned"], to_status=S.CLOSED, note="Doublon")
    return {"safety": safety, "sales": sales, **progs}


def test_plan_groups_by_objective_and_counts_once(cast: Any) -> None:
    data = _portfolio(cast)
    the_plan = plan.annual_plan(user=cast.dlm, year=2027)
    assert [line.programme.title for line in the_plan.lines] == [
        data["onboarding"].title,
        data["habilitations"].title,
        data["orphan"].title,
    ]
    assert [g.title for g in the_plan.groups] == [
        "Zéro accident grave",
        "Croissance commerciale",
        "Programmes without an objective",
    ]
    assert the_plan.groups[0].budget == 55000
    assert the_plan.budget == 55000  # the onboarding serves two objectives: counted once
    assert the_plan.headcount == 4
    assert the_plan.unscheduled_count == 1
    onboarding = next(line for line in the_plan.lines if line.programme == data["onboarding"])
    assert onboarding.quarters == [1]


def test_roadmap_places_bars_in_quarters(cast: Any) -> None:
    data = _portfolio(cast)
    layout = plan.roadmap(Programme.objects.all(), year=2027, quarters=8)
    bars = {bar.programme.pk: bar for bar in layout.bars}
    habilitations = bars[data["habilitations"].pk]
    assert (habilitations.start, habilitations.end) == (1, 3)
    onboarding = bars[data["onboarding"].pk]
    assert onboarding.starts_before and onboarding.start == 1 and onboarding.first_label == "Q4 2026"
    assert (bars[data["next_year"].pk].start, bars[data["next_year"].pk].end) == (5, 5)
    assert [p.title for p in layout.unscheduled] == ["Sans date"]


def test_roadmap_page_filters(cast: Any, login: Any) -> None:
    data = _portfolio(cast)
    client = login(cast.ld)
    body = client.get(reverse("programmes:roadmap"), {"year": 2027, "objective": data["sales"].pk}).content.decode()
    assert "rm-from-1 rm-to-1" in body
    assert data["onboarding"].code in body and data["habilitations"].code not in body
    fragment = client.get(
        reverse("programmes:roadmap"), {"year": 2027}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment and data["habilitations"].code in fragment


def test_xlsx_has_the_sheets_and_defuses_formulas(cast: Any, login: Any) -> None:
    _portfolio(cast)
    response = login(cast.dlm).get(reverse("programmes:annual_plan_xlsx"), {"year": 2027})
    assert response.status_code == 200
    assert "plan-developpement-competences-2027.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Programmes", "Competencies"]
    titles = [row[1] for row in book["Programmes"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK" in titles[0]
    assert book["Competencies"]["D2"].value == "Consignation"
    summary = list(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary[-1][2:] == (3, 4, 55000)


def test_pdf_is_a_document_with_the_plan(cast: Any, login: Any) -> None:
    data = _portfolio(cast)
    response = login(cast.dlm).get(reverse("programmes:annual_plan_pdf"), {"year": 2027}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "2027" in text and "Zéro accident grave" in text and data["habilitations"].code in text
    assert "Groupe" in text  # the cover names the company (root of the org tree)
    assert "T1 2027" in text or "Q1 2027" in text


def test_plan_page_and_api_downloads(cast: Any, login: Any) -> None:
    _portfolio(cast)
    client = login(cast.ld)
    page = client.get(reverse("programmes:annual_plan"), {"year": "2027"}).content.decode()
    assert "Zéro accident grave" in page and "55" in page
    assert client.get(reverse("api:annual_plan_xlsx", args=[2027])).status_code == 200
    assert client.get(reverse("api:annual_plan_pdf", args=[2027])).content.startswith(b"%PDF")
    assert login(cast.client_a).get(reverse("programmes:annual_plan")).status_code == 403


def test_bad_year_falls_back_to_this_year(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("programmes:annual_plan"), {"year": "abc"})
    assert response.status_code == 200
    assert str(timezone.localdate().year) in response.content.decode()
