"""People exports: formula injection, scope, filters of the list page, round trip."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pilotage.people.models import Employee


def _csv_rows(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx_rows(response: Any) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_csv_export_neutralises_formulas(cast: Any, login: Any) -> None:
    Employee.objects.filter(pk=cast.employees["learner"].pk).update(last_name='=HYPERLINK("http://evil","x")')
    response = login(cast.dlm).get(reverse("people:people_export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    row = next(r for r in _csv_rows(response) if r["employee_number"] == "E003")
    assert row["last_name"] == '\'=HYPERLINK("http://evil","x")'


def test_xlsx_export_neutralises_formulas(cast: Any, login: Any) -> None:
    Employee.objects.filter(pk=cast.employees["peer"].pk).update(first_name="+cmd|' /C calc'!A0", email="@SUM(1)")
    response = login(cast.dlm).get(reverse("people:people_export_xlsx"))
    assert response.status_code == 200
    row = next(r for r in _xlsx_rows(response) if r["employee_number"] == "E004")
    assert row["first_name"] == "'+cmd|' /C calc'!A0"
    assert row["email"] == "'@SUM(1)"


def test_client_export_holds_only_their_scope(cast: Any, login: Any) -> None:
    numbers = {r["employee_number"] for r in _csv_rows(login(cast.client_a).get(reverse("people:people_export_csv")))}
    # client_a's scope is unit A (Commercial) and its subtree A1 (active by default).
    assert numbers == {"E002", "E003", "E004", "E006"}
    xlsx = {r["employee_number"] for r in _xlsx_rows(login(cast.client_a).get(reverse("people:people_export_xlsx")))}
    assert xlsx == numbers


def test_export_follows_the_list_filters(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    query = {"site": str(cast.site_lyon.pk), "active": "all"}
    rows = _csv_rows(client.get(reverse("people:people_export_csv"), query))
    assert {r["employee_number"] for r in rows} == {"E003", "E004", "E008"}
    listed = client.get(reverse("people:employee_list"), query)
    assert listed.context["table"].count == len(rows)
    rows = _csv_rows(client.get(reverse("people:people_export_csv"), {"q": "petit"}))
    assert [r["employee_number"] for r in rows] == ["E003"]


def test_export_columns_match_the_import(cast: Any, login: Any) -> None:
    from pilotage.people import imports

    rows = _csv_rows(login(cast.dlm).get(reverse("people:people_export_csv")))
    columns, errors = imports.resolve_columns(list(rows[0]))
    assert errors == [] and "manager_number" in columns.index
    learner = next(r for r in rows if r["employee_number"] == "E003")
    assert (learner["manager_number"], learner["org_unit_code"], learner["hire_date"]) == (
        "E002",
        "COM-N",
        "2024-03-01",
    )


@pytest.mark.parametrize("persona", ["vendor_a", "learner", "outsider", "facilitator"])
def test_export_refused_to_those_who_cannot_read_people(cast: Any, login: Any, persona: str) -> None:
    client = login(getattr(cast, persona))
    assert client.get(reverse("people:people_export_csv")).status_code == 403
    assert client.get(reverse("people:people_export_xlsx")).status_code == 403


def test_list_page_links_to_the_exports_with_its_filters(cast: Any, login: Any) -> None:
    response = login(cast.dlm).get(reverse("people:employee_list"), {"site": str(cast.site_lyon.pk)})
    assert f"{reverse('people:people_export_csv')}?site={cast.site_lyon.pk}".encode() in response.content
