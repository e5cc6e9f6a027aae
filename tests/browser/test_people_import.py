"""The HRIS import in a browser: upload, map, dry run with the bad lines shown one by one,
then import only the valid lines and see the result — on a phone-sized screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pilotage.people.models import Employee

pytestmark = pytest.mark.browser

CSV = """matricule;prénom;nom;email;matricule_manager;code_entite;nom_entite;code_entite_parente;code_site;date_entree
N100;Alice;Nouvelle;alice.nouvelle@example.com;N101;COM-S;Ventes Sud;COM;PAR;2024-02-01
N101;Bruno;Chef;bruno.chef@example.com;E001;COM-S;Ventes Sud;COM;LYS;15/03/2018
N102;Chloé;Erreur;chloe@example.com;E001;COM-S;Ventes Sud;COM;XXX;2023-01-01
N103;David;Datefausse;david@example.com;E001;COM-S;Ventes Sud;COM;PAR;31/02/2020
"""


def test_import_shows_each_bad_line_then_imports_the_valid_ones(
    cast: Any, sign_in: Any, live_server: Any, tmp_path: Path
) -> None:
    page = sign_in(cast.dlm)
    page.set_viewport_size({"width": 360, "height": 740})
    source = tmp_path / "sirh.csv"
    source.write_text(CSV, encoding="utf-8")

    page.goto(f"{live_server.url}/people/import/")
    page.set_input_files("input[type=file]", str(source))
    page.locator("main form button[type=submit]").first.click()
    # Mapping step: the French headers were recognised; go on to the check.
    page.wait_for_url("**/mapping/")
    page.locator("main form button[type=submit].primary").click()
    page.wait_for_url("**/people/import/*/")
    page.wait_for_selector("#error-rows")

    rows = page.locator("#error-rows tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any("4" in t and "XXX" in t for t in texts), texts  # unknown site, line 4
    assert any("5" in t for t in texts), texts  # impossible date, line 5
    # Nothing written while lines are bad; the plain Import button is disabled.
    assert not Employee.objects.filter(employee_number__startswith="N1").exists()
    assert page.locator("button[name=only_valid][value='0']").is_disabled()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("button[name=only_valid][value='1']").click()
    page.wait_for_selector(".kpi-tile")
    assert set(Employee.objects.filter(employee_number__startswith="N1").values_list("employee_number", flat=True)) == {
        "N100",
        "N101",
    }
    alice = Employee.objects.get(employee_number="N100")
    assert alice.manager is not None and alice.manager.employee_number == "N101"  # resolved within the file
