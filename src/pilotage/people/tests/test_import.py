"""HRIS import: parsing, mapping, every error path, all-or-nothing and only-valid writes,
row order independence, upsert, deactivation, upload checks, the web flow and the CLI."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent, Job
from pilotage.people import imports
from pilotage.people.models import Employee, ImportMapping, JobRole, OrgUnit, OrgUnitMove, PeopleImport

HEADER = "matricule;prenom;nom;email;matricule_manager;code_entite;org_unit_name;code_entite_parente;site_code;job_role_code;hire_date;language;active"


def csv_file(lines: list[str], *, name: str = "people.csv", encoding: str = "utf-8", header: str = HEADER) -> Any:
    return SimpleUploadedFile(name, ("\n".join([header, *lines]) + "\n").encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[Any]], name: str = "people.xlsx") -> Any:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def check(cast: Any, lines: list[str], **kw: Any) -> tuple[PeopleImport, imports.ImportReport]:
    header = kw.pop("header", HEADER)
    imp = imports.people_import_create(actor=cast.dlm, uploaded_file=csv_file(lines, header=header), **kw)
    report = imports.people_import_validate(import_id=imp.pk)
    imp.refresh_from_db()
    return imp, report


def reasons(report: imports.ImportReport) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.code) for e in report.errors]


# --- parsing and mapping --------------------------------------------------------------


def test_header_aliases_are_case_and_accent_insensitive() -> None:
    columns, errors = imports.resolve_columns(
        ["Matricule", "Prénom", "NOM", "E-mail", "Matricule manager", "Code entité", "Date d'embauche", "attr_Contrat"]
    )
    assert errors == []
    assert columns.index == {
        "employee_number": 0,
        "first_name": 1,
        "last_name": 2,
        "email": 3,
        "manager_number": 4,
        "org_unit_code": 5,
        "hire_date": 6,
    }
    assert columns.attributes == {"contrat": 7}


def test_missing_required_column_is_a_file_error() -> None:
    _columns, errors = imports.resolve_columns(["matricule", "prenom"])
    assert [(e.line, e.code) for e in errors] == [(1, "missing_column")]


def test_explicit_mapping_wins_and_maps_custom_attributes() -> None:
    columns, errors = imports.resolve_columns(
        ["ID", "Given", "Family", "Contract", "nom"],
        {"employee_number": "ID", "first_name": "Given", "last_name": "family", "attr_contract": "Contract"},
    )
    assert errors == []
    assert columns.index["last_name"] == 2
    assert columns.attributes == {"contract": 3}


def test_parse_date_accepts_iso_and_french() -> None:
    assert str(imports.parse_date("2024-03-01")) == "2024-03-01"
    assert str(imports.parse_date("01/03/2024")) == "2024-03-01"
    with pytest.raises(ValueError):
        imports.parse_date("31/02/2024")


# --- every error path -----------------------------------------------------------------


def test_every_bad_row_is_reported_with_line_column_and_reason(cast: Any) -> None:
    imp, report = check(
        cast,
        [
            "N1;Ana;Ok;ana@example.com;;;;;PAR;SALES;2024-01-02;fr;1",  # 2 fine
            "N2;Bob;Date;;;;;;;;2024-13-45;;",  # 3 bad date
            "N3;Cy;Boss;;NOPE;;;;;;;;",  # 4 unknown manager
            "N4;Di;Dup;;;;;;;;;;",  # 5 duplicate
            "N4;Di;Dup2;;;;;;;;;;",  # 6 duplicate
            "N5;Ed;Site;;;;;;XXX;;;;",  # 7 unknown site
            "N6;Flo;Role;;;;;;;NOROLE;;;",  # 8 unknown job role
            "N7;Gus;Mail;not-an-email;;;;;;;;;",  # 9 bad e-mail
            "N8;Hal;Lang;;;;;;;;;de;",  # 10 bad language
            ";;Nobody;;;;;;;;;;",  # 11 missing required fields
            "N9;Ivy;Loop;;N10;;;;;;;;",  # 12 management cycle
            "N10;Jo;Loop;;N9;;;;;;;;",  # 13 management cycle
            "N11;Kim;Tree;;;U1;Unit one;U2;;;;;",  # 14 org cycle
            "N12;Lou;Tree;;;U2;Unit two;U1;;;;;",  # 15 org cycle
            "N13;Max;Active;;;;;;;;;;maybe",  # 16 bad active value
        ],
    )
    found = reasons(report)
    assert (3, "hire_date", "bad_date") in found
    assert (4, "matricule_manager", "unknown_manager") in found
    assert (5, "matricule", "duplicate_number") in found and (6, "matricule", "duplicate_number") in found
    assert (7, "site_code", "unknown_site") in found
    assert (8, "job_role_code", "unknown_job_role") in found
    assert (9, "email", "bad_email") in found
    assert (10, "language", "bad_language") in found
    assert (11, "matricule", "required") in found and (11, "prenom", "required") in found
    assert (12, "matricule_manager", "manager_cycle") in found and (13, "matricule_manager", "manager_cycle") in found
    assert (14, "code_entite_parente", "org_cycle") in found and (15, "code_entite_parente", "org_cycle") in found
    assert (16, "active", "bad_active") in found
    assert 2 not in {line for line, _c, _r in found}
    # Stored on the import, with a sentence a person can act on.
    assert imp.status == PeopleImport.Status.VALIDATED
    assert imp.error_count == len(report.errors)
    by_line = {e["line"]: e for e in imp.errors}
    assert "2024-13-45" in by_line[3]["reason"]
    assert "N9 → N10 → N9" in by_line[12]["reason"] or "N10 → N9 → N10" in by_line[12]["reason"]


def test_self_manager_is_a_cycle(cast: Any) -> None:
    _imp, report = check(cast, ["N1;Ana;Self;;N1;;;;;;;;"])
    assert reasons(report) == [(2, "matricule_manager", "manager_cycle")]


def test_unknown_org_unit_without_name_and_unknown_parent(cast: Any) -> None:
    _imp, report = check(cast, ["N1;Ana;A;;;NEWU;;;;;;;", "N2;Bob;B;;;U9;Unit nine;NOPARENT;;;;;"])
    assert (2, "code_entite", "unknown_org_unit") in reasons(report)
    assert (3, "code_entite_parente", "unknown_parent_org_unit") in reasons(report)


def test_conflicting_org_unit_names_are_reported(cast: Any) -> None:
    _imp, report = check(cast, ["N1;Ana;A;;;U1;Name one;GRP;;;;;", "N2;Bob;B;;;U1;Other name;GRP;;;;;"])
    assert reasons(report) == [(3, "org_unit_name", "org_unit_name_conflict")]


def test_nothing_is_written_while_any_row_is_bad(cast: Any) -> None:
    before = Employee.objects.count()
    imp, _report = check(cast, ["N1;Ana;Ok;;;;;;;;;;", "N2;Bob;Bad;;;;;;;;nope;;"])
    with pytest.raises(ValidationFailed):
        imports.people_import_apply(import_id=imp.pk, only_valid=False)
    assert Employee.objects.count() == before
    imp.refresh_from_db()
    assert imp.status == PeopleImport.Status.VALIDATED
    assert imp.error_count == 1


def test_only_valid_rows_skips_dependents_and_reports_them(cast: Any) -> None:
    imp, report = check(
        cast,
        [
            "R1;Rita;Report;;M1;;;;;;;;",  # 2 depends on M1 (bad)
            "M1;Max;Manager;bad-mail;;;;;;;;;",  # 3 bad
            "R2;Rob;Deeper;;R1;;;;;;;;",  # 4 depends on R1 -> skipped too
            "OK1;Oli;Fine;;E001;;;;;;;;",  # 5 fine (manager in Pilotage)
        ],
    )
    assert [e.line for e in report.errors] == [3]
    assert [(e.line, e.params["source_line"]) for e in report.dependents] == [(2, 3), (4, 2)]
    summary = imports.people_import_apply(import_id=imp.pk, only_valid=True)
    assert summary["created"] == 1 and summary["skipped"] == 3
    assert Employee.objects.filter(employee_number="OK1").exists()
    assert not Employee.objects.filter(employee_number__in=["R1", "M1", "R2"]).exists()
    imp.refresh_from_db()
    assert imp.status == PeopleImport.Status.DONE
    assert [d["line"] for d in imp.summary["dependents"]] == [2, 4]


def test_row_order_does_not_matter(cast: Any) -> None:
    imp, report = check(
        cast,
        [
            "C1;Carl;Child;;B1;LEAF;Leaf unit;MID;;;;;",  # report and child unit first
            "B1;Bea;Boss;;A1;MID;Middle unit;TOP;;;;;",
            "A1;Ann;Top;;;TOP;Top unit;GRP;;;;;",
        ],
    )
    assert report.errors == []
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    top, mid, leaf = (OrgUnit.objects.get(code=c) for c in ("TOP", "MID", "LEAF"))
    assert leaf.parent == mid and mid.parent == top and top.parent == cast.root
    assert leaf.path == f"{cast.root.path}{top.pk}/{mid.pk}/{leaf.pk}/"
    assert leaf.depth == 3
    a, b, c = (Employee.objects.get(employee_number=n) for n in ("A1", "B1", "C1"))
    assert c.manager == b and b.manager == a and a.manager is None
    assert c.manager_path == f"/{a.pk}/{b.pk}/"
    assert c.org_unit == leaf


def test_upsert_updates_only_what_changed_and_moves_chains(cast: Any) -> None:
    learner = cast.employees["learner"]
    # E002 (Karim, the manager of E003/E004) now reports to E005; his team's chains follow.
    imp, report = check(
        cast,
        ["E002;Karim;Benali;karim@example.com;E005;COM-N;;;PAR;SALES;2020-01-06;fr;1", "E009;New;Person;;E002;;;;;;;;"],
    )
    assert report.errors == []
    summary = imports.people_import_apply(import_id=imp.pk, only_valid=False)
    assert summary["created"] == 1 and summary["updated"] == 1
    learner.refresh_from_db()
    boss, mgr, tech = (cast.employees[k] for k in ("boss", "manager", "tech"))
    assert learner.manager_path == f"/{boss.pk}/{tech.pk}/{mgr.pk}/"
    assert Employee.objects.get(employee_number="E009").manager_path == learner.manager_path
    event = AuditEvent.objects.filter(object_type="people.employee", object_id=str(mgr.pk), action="update").first()
    assert event is not None and set(event.changes) == {"email", "manager"}
    assert event.changes["email"] == ["karim.benali@example.com", "karim@example.com"]


def test_deactivation_of_employees_absent_from_the_file(cast: Any) -> None:
    imp, _report = check(cast, ["E001;Claire;Martin;;;;;;;;;;"], deactivate_missing=True)
    assert imp.summary["check"]["to_deactivate"] == 6  # 8 in the cast, E008 already inactive, E001 kept
    summary = imports.people_import_apply(import_id=imp.pk, only_valid=False)
    assert summary["deactivated"] == 6
    assert list(Employee.objects.filter(active=True).values_list("employee_number", flat=True)) == ["E001"]
    assert AuditEvent.objects.filter(action="deactivate", object_type="people.employee").count() == 6


def test_job_role_created_when_named(cast: Any) -> None:
    header = "matricule;prenom;nom;code_emploi;libelle_emploi"
    imp, report = check(cast, ["N1;Ana;A;DEV;", "N2;Bob;B;DEV;Développeur"], header=header)
    assert report.errors == []
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    role = JobRole.objects.get(code="DEV")
    assert role.name == "Développeur"
    assert Employee.objects.filter(job_role=role).count() == 2


def test_existing_unit_moved_by_the_file_keeps_history(cast: Any) -> None:
    header = "matricule;prenom;nom;code_entite;code_entite_parente"
    imp, report = check(cast, ["E003;Julie;Petit;COM-N;IND"], header=header)
    assert report.errors == []
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    cast.unit_a1.refresh_from_db()
    assert cast.unit_a1.parent == cast.unit_b
    assert cast.unit_a1.path == f"{cast.unit_b.path}{cast.unit_a1.pk}/"
    assert OrgUnitMove.objects.filter(org_unit=cast.unit_a1, new_parent=cast.unit_b).exists()


def test_custom_attributes_merge(cast: Any) -> None:
    header = "matricule;prenom;nom;attr_contract;attr_level"
    imp, _report = check(cast, ["E007;Marc;Lefèvre;CDD;3"], header=header)
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    assert Employee.objects.get(employee_number="E007").attributes == {"contract": "CDD", "level": "3"}


def test_saved_mapping(cast: Any) -> None:
    saved = imports.import_mapping_save(
        actor=cast.dlm,
        name="Workday",
        columns={"employee_number": "Worker ID", "first_name": "Given", "last_name": "Family", "attr_grade": "Grade"},
    )
    assert ImportMapping.objects.get(name="Workday").columns["employee_number"] == "Worker ID"
    imp = imports.people_import_create(
        actor=cast.dlm,
        uploaded_file=csv_file(["W1,Wes,Day,B2"], header="Worker ID,Given,Family,Grade"),
        mapping=saved.columns,
    )
    report = imports.people_import_validate(import_id=imp.pk)
    assert report.errors == []
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    assert Employee.objects.get(employee_number="W1").attributes == {"grade": "B2"}
    with pytest.raises(ValidationFailed):
        imports.import_mapping_save(actor=cast.dlm, name="bad", columns={"nonsense": "x"})


# --- formats and upload checks ---------------------------------------------------------


def test_csv_cp1252_with_semicolons(cast: Any) -> None:
    upload = csv_file(["N1;Éloïse;Gérard;;;;;;;;15/04/2023;FR;oui"], encoding="cp1252")
    imp = imports.people_import_create(actor=cast.dlm, uploaded_file=upload)
    assert imp.summary["file"]["encoding"] == "cp1252" and imp.summary["file"]["delimiter"] == ";"
    imports.people_import_validate(import_id=imp.pk)
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    e = Employee.objects.get(employee_number="N1")
    assert (e.first_name, e.last_name, str(e.hire_date), e.language) == ("Éloïse", "Gérard", "2023-04-15", "fr")


def test_csv_utf8_bom_tab_delimited(cast: Any) -> None:
    data = "\ufeffmatricule\tprénom\tnom\nT1\tZoé\tTab\n".encode()
    imp = imports.people_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("t.csv", data))
    report = imports.people_import_validate(import_id=imp.pk)
    assert report.errors == [] and report.rows[0].first_name == "Zoé"


def test_xlsx_import(cast: Any) -> None:
    import datetime as dt

    upload = xlsx_file(
        [
            ["Matricule", "Prénom", "Nom", "Date embauche", "Site"],
            [1234, "Xavier", "Lsx", dt.date(2022, 5, 3), "LYS"],
        ]
    )
    imp = imports.people_import_create(actor=cast.dlm, uploaded_file=upload)
    assert imp.summary["file"]["headers"][:3] == ["Matricule", "Prénom", "Nom"]
    imports.people_import_validate(import_id=imp.pk)
    imports.people_import_apply(import_id=imp.pk, only_valid=False)
    e = Employee.objects.get(employee_number="1234")
    assert str(e.hire_date) == "2022-05-03" and e.site == cast.site_lyon


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_is_refused_before_opening(cast: Any) -> None:
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * (20 * 1024 * 1024)})
    with pytest.raises(ValidationFailed, match="zip bomb"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("bomb.xlsx", bomb))
    assert PeopleImport.objects.count() == 0


def test_total_uncompressed_size_is_limited(cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_UNCOMPRESSED_BYTES", 1000)
    upload = xlsx_file([["matricule", "prenom", "nom"], ["A", "B", "C"]])
    with pytest.raises(ValidationFailed, match="expands"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=upload)


def test_path_traversal_member_is_refused(cast: Any) -> None:
    evil = _zip({"xl/workbook.xml": b"<workbook/>", "../../etc/evil.xml": b"x"})
    with pytest.raises(ValidationFailed, match="suspicious path"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("evil.xlsx", evil))


def test_not_a_zip_and_wrong_extension_and_size(cast: Any, settings: Any) -> None:
    with pytest.raises(ValidationFailed, match="not a valid Excel"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("x.xlsx", b"hello"))
    with pytest.raises(ValidationFailed, match=r"\.csv or \.xlsx"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("x.exe", b"MZ"))
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationFailed, match="too large"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=csv_file(["N1;A;B;;;;;;;;;;"]))


def test_binary_csv_is_refused(cast: Any) -> None:
    with pytest.raises(ValidationFailed, match="UTF-8"):
        imports.people_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("x.csv", b"a,b\x00\x81\x8d"))


# --- web flow ------------------------------------------------------------------------------


def test_web_flow_upload_check_and_import(cast: Any, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = login(cast.dlm)
    response = client.get(reverse("people:import_start"))
    assert response.status_code == 200
    upload = csv_file(["W1;Web;User;web@example.com;E001;WEB;Web unit;GRP;PAR;;;;", "W2;Bad;Date;;;;;;;;2020-99-99;;"])
    response = client.post(reverse("people:import_start"), {"file": upload, "deactivate_missing": ""})
    imp = PeopleImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("people:import_mapping", args=[imp.pk])
    response = client.get(reverse("people:import_mapping", args=[imp.pk]))
    assert response.status_code == 200 and b"matricule_manager" in response.content
    guess = imports.resolve_columns(imp.summary["file"]["headers"], imp.mapping)[0].as_mapping()
    mapping_post = {f"field_{key}": value for key, value in guess.items()}
    mapping_post["save_as"] = "Our HRIS"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import_mapping", args=[imp.pk]), mapping_post)
    assert response.status_code == 302
    assert ImportMapping.objects.filter(name="Our HRIS").exists()
    imp.refresh_from_db()
    assert imp.status == PeopleImport.Status.VALIDATED and imp.error_count == 1
    assert Job.objects.get(pk=imp.job_id).status == Job.Status.SUCCEEDED
    page = client.get(reverse("people:import_detail", args=[imp.pk]))
    assert page.status_code == 200
    assert b"2020-99-99" in page.content
    assert b'name="only_valid" value="0" disabled' in page.content
    # "Import" is refused while errors remain; "only the valid rows" works.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import_apply", args=[imp.pk]), {"only_valid": "0"})
    assert not Employee.objects.filter(employee_number="W1").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import_apply", args=[imp.pk]), {"only_valid": "1"})
    assert response.status_code == 302
    assert Employee.objects.get(employee_number="W1").org_unit.code == "WEB"
    imp.refresh_from_db()
    assert imp.status == PeopleImport.Status.DONE and imp.summary["result"]["created"] == 1
    page = client.get(reverse("people:import_detail", args=[imp.pk]))
    assert page.context["result"]["created"] == 1
    assert f'class="button" href="{reverse("people:employee_list")}"'.encode() in page.content


def test_upload_error_is_shown_on_the_form(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    response = client.post(reverse("people:import_start"), {"file": SimpleUploadedFile("x.xlsx", b"nope")})
    assert response.status_code == 200
    assert "zip" in " ".join(response.context["form"].errors["file"])
    assert PeopleImport.objects.count() == 0


@pytest.mark.parametrize("persona", ["ld", "client_a", "manager", "learner", "vendor_a", "outsider"])
def test_only_the_dlm_may_import(cast: Any, login: Any, persona: str) -> None:
    imp = imports.people_import_create(actor=cast.dlm, uploaded_file=csv_file(["N1;A;B;;;;;;;;;;"]))
    client = login(getattr(cast, persona))
    assert client.get(reverse("people:import_start")).status_code == 403
    assert client.get(reverse("people:import_detail", args=[imp.pk])).status_code == 403
    assert client.post(reverse("people:import_apply", args=[imp.pk]), {"only_valid": "1"}).status_code == 403


def test_apply_refuses_get(cast: Any, login: Any) -> None:
    imp = imports.people_import_create(actor=cast.dlm, uploaded_file=csv_file(["N1;A;B;;;;;;;;;;"]))
    assert login(cast.dlm).get(reverse("people:import_apply", args=[imp.pk])).status_code == 405


# --- CLI ------------------------------------------------------------------------------------


def test_cli_dry_run_reports_errors_and_exits_1(cast: Any, tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "hris.csv"
    path.write_text(HEADER + "\nC1;Cli;Ok;;;;;;;;;;\nC2;Cli;Bad;;;;;;;;2020-02-30;;\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-people", str(path), "--dry-run", "--as", cast.dlm.email)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "line 3, column hire_date:" in out
    assert not Employee.objects.filter(employee_number="C1").exists()


def test_cli_imports_only_valid_rows(cast: Any, tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "hris.csv"
    path.write_text(HEADER + "\nC1;Cli;Ok;;;;;;;;;;\nC2;Cli;Bad;;;;;;;;2020-02-30;;\n", encoding="utf-8")
    call_command("import-people", str(path), "--only-valid")
    assert Employee.objects.filter(employee_number="C1").exists()
    assert "created" in capsys.readouterr().out


def test_cli_refuses_a_non_dlm_actor(cast: Any, tmp_path: Any) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "hris.csv"
    path.write_text(HEADER + "\nC1;Cli;Ok;;;;;;;;;;\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import-people", str(path), "--as", cast.learner.email)


def test_runs_on_the_configured_database(db: Any) -> None:
    import os

    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_check_again_after_fixing_pilotage(cast: Any, login: Any, django_capture_on_commit_callbacks: Any) -> None:
    from pilotage.people.models import Site

    imp, report = check(cast, ["N1;Ana;A;;;;;;NEW;;;;"])
    assert [e.code for e in report.errors] == ["unknown_site"]
    Site.objects.create(code="NEW", name="New site", country="FR", city="Nantes")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.dlm).post(reverse("people:import_recheck", args=[imp.pk]))
    assert response.status_code == 302
    imp.refresh_from_db()
    assert imp.status == PeopleImport.Status.VALIDATED and imp.error_count == 0


def test_error_pages_paginate_with_an_htmx_partial(cast: Any, login: Any) -> None:
    imp, _report = check(cast, [f"B{i};Bad;Mail;nope{i};;;;;;;;;" for i in range(150)])
    client = login(cast.dlm)
    page = client.get(reverse("people:import_detail", args=[imp.pk]), {"page": 2}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert b"<html" not in page.content and b"nope149" in page.content
