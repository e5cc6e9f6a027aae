"""LMS export import: value parsing, column mapping, every error path, all-or-nothing and
only-valid writes, stable ids (re-importing adds nothing), CSV and XLSX, the projections,
the web flow per role and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zoneinfo
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent, Job
from pilotage.lrs import lms_import
from pilotage.lrs.models import LearnerProgress, LmsImport, LmsImportMapping, Statement

HEADER = "matricule;cours;intitule;statut;score;date;temps_passe"
SITE = settings.SITE_URL.rstrip("/")


def csv_file(lines: list[str], *, header: str = HEADER, name: str = "lms.csv") -> Any:
    return SimpleUploadedFile(name, ("\n".join([header, *lines]) + "\n").encode(), content_type="text/csv")


def xlsx_file(rows: list[list[Any]], name: str = "lms.xlsx") -> Any:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def check(cast: Any, lines: list[str], **kw: Any) -> tuple[LmsImport, lms_import.LmsReport]:
    header = kw.pop("header", HEADER)
    imp = lms_import.lms_import_create(actor=cast.dlm, uploaded_file=csv_file(lines, header=header), **kw)
    return imp, lms_import.lms_import_validate(import_id=imp.pk)


def reasons(report: lms_import.LmsReport) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.code) for e in report.errors]


GOOD = [
    "E003;SEC-101;Sécurité au travail;terminé;85;01/03/2025;45 min",
    "E004;SEC-101;Sécurité au travail;réussi;92 %;2025-03-02 14:30;01:10:00",
    "E005;RGPD;RGPD essentiel;en cours;;2025-03-03;PT20M",
]


# --- parsing -------------------------------------------------------------------------------


def test_time_spent_in_every_written_form() -> None:
    assert lms_import.parse_time_spent("3600") == 3600
    assert lms_import.parse_time_spent("45 min") == 2700
    assert lms_import.parse_time_spent("45min") == 2700
    assert lms_import.parse_time_spent("1 h 30") == 5400
    assert lms_import.parse_time_spent("1h30min") == 5400
    assert lms_import.parse_time_spent("90 s") == 90
    assert lms_import.parse_time_spent("2 heures 15 minutes") == 8100
    assert lms_import.parse_time_spent("1,5 h") == 5400
    assert lms_import.parse_time_spent("01:30:00") == 5400
    assert lms_import.parse_time_spent("1:30") == 5400
    assert lms_import.parse_time_spent("PT1H30M") == 5400
    assert lms_import.parse_time_spent("pt20m") == 1200
    for bad in ("", "soon", "1:75", "-5", "P1X", "30 min 1 h", "45 parsecs"):
        with pytest.raises(Exception):  # noqa: B017 - ValueError or XapiError, both reported as bad_duration
            lms_import.parse_time_spent(bad)
    assert lms_import.iso_duration(5400) == "PT1H30M"
    assert lms_import.iso_duration(12.5) == "PT12.5S"
    assert lms_import.iso_duration(0) == "PT0S"


def test_scores_dates_statuses_and_courses() -> None:
    assert lms_import.parse_score("85") == (85.0, False)
    assert lms_import.parse_score("85,5 %") == (85.5, True)
    assert lms_import.parse_score("0.85") == (0.85, False)
    with pytest.raises(ValueError):
        lms_import.parse_score("A+")
    paris = dt.timezone(dt.timedelta(hours=1))
    assert lms_import.parse_when("01/03/2025", paris) == dt.datetime(2025, 3, 1, tzinfo=paris)
    assert lms_import.parse_when("01/03/2025 14h30", paris) == dt.datetime(2025, 3, 1, 14, 30, tzinfo=paris)
    assert lms_import.parse_when("2025-03-01T14:30:00Z", paris) == dt.datetime(2025, 3, 1, 14, 30, tzinfo=dt.UTC)
    for bad in ("31/02/2025", "March 1st", "2025-13-01"):
        with pytest.raises(ValueError):
            lms_import.parse_when(bad, paris)
    assert lms_import.parse_status("Terminé") == "completed"
    assert lms_import.parse_status("RÉUSSI") == "passed"
    assert lms_import.parse_status("échoué") == "failed"
    assert lms_import.parse_status("En cours") == "in_progress"
    assert lms_import.parse_status("non commencé") == "not_started"
    assert lms_import.parse_status("Not started") == "not_started"
    assert lms_import.course_iri("SEC 101") == f"{SITE}/xapi/activities/lms/sec-101"
    assert lms_import.course_iri("https://lms.example.com/course/7") == "https://lms.example.com/course/7"
    with pytest.raises(ValueError):
        lms_import.course_iri("???")


def test_columns_found_by_french_and_english_names() -> None:
    columns, errors = lms_import.resolve_columns(
        ["Matricule", "Course ID", "Course title", "Statut", "Note", "Completion date", "Durée"]
    )
    assert not errors
    assert columns.as_mapping() == {
        "learner": "Matricule",
        "course_id": "Course ID",
        "course_title": "Course title",
        "status": "Statut",
        "score": "Note",
        "date": "Completion date",
        "time_spent": "Durée",
        "registration": "",
    }
    columns, errors = lms_import.resolve_columns(["Courriel", "Formation", "État"], learner_key="email")
    assert not errors
    assert columns.header("learner") == "Courriel"
    _columns, errors = lms_import.resolve_columns(["matricule", "cours"])
    assert [(e.code, e.params["field"]) for e in errors] == [("missing_column", "Status")]
    _columns, errors = lms_import.resolve_columns(["matricule", "cours", "statut"], {"status": "Absent"})
    assert [e.code for e in errors] == ["mapped_column_missing", "missing_column"]


# --- the dry run ----------------------------------------------------------------------------


def test_a_good_file_checks_clean_and_writes_nothing(cast: Any) -> None:
    imp, report = check(cast, GOOD)
    assert report.errors == []
    summary = report.summary()
    assert summary["rows"] == 3 and summary["new"] == 3 and summary["learners"] == 3 and summary["courses"] == 2
    imp.refresh_from_db()
    assert imp.status == LmsImport.Status.VALIDATED and imp.row_count == 3 and imp.error_count == 0
    assert Statement.objects.count() == 0


def test_every_bad_line_is_listed_with_line_column_and_reason(cast: Any) -> None:
    future = (timezone.now() + dt.timedelta(days=10)).date().isoformat()
    imp, report = check(
        cast,
        [
            "E003;SEC-101;Sécurité;terminé;85;01/03/2025;45 min",  # 2: good
            "X999;SEC-101;Sécurité;terminé;85;01/03/2025;45 min",  # 3: unknown learner
            "E004;SEC-101;Sécurité;terminé;85;31/02/2025;45 min",  # 4: bad date
            "E004;SEC-101;Sécurité;terminé;85;" + future + ";45 min",  # 5: future date
            "E004;SEC-101;Sécurité;terminé;A+;01/03/2025;45 min",  # 6: bad score
            "E004;SEC-101;Sécurité;terminé;150;01/03/2025;45 min",  # 7: score out of range
            "E004;SEC-101;Sécurité;abandonné;85;01/03/2025;45 min",  # 8: unknown status
            "E004;SEC-101;Sécurité;terminé;85;01/03/2025;un moment",  # 9: bad duration
            ";;Sécurité;;85;;",  # 10: learner, course, status missing
            "E004;???;Sécurité;terminé;85;01/03/2025;",  # 11: bad course id
            "E004;SEC-101;Sécurité;terminé;85;;",  # 12: no date
            "E003;SEC-101;Sécurité;terminé;85;2025-03-01;50 min",  # 13: same as line 2, other details
            "E005;SEC-101;Sécurité;non commencé;;;",  # 14: not started: skipped, not an error
            "E003;SEC-101;Sécurité;terminé;85;01/03/2025;45 min",  # 15: identical to line 2: counted once
        ],
    )
    assert reasons(report) == [
        (3, "matricule", "unknown_learner"),
        (4, "date", "bad_date"),
        (5, "date", "future_date"),
        (6, "score", "bad_score"),
        (7, "score", "score_out_of_range"),
        (8, "statut", "unknown_status"),
        (9, "temps_passe", "bad_duration"),
        (10, "cours", "required"),
        (10, "date", "required"),
        (10, "matricule", "required"),
        (10, "statut", "required"),
        (11, "cours", "bad_course"),
        (12, "date", "required"),
        (13, "", "duplicate_row"),
    ]
    assert report.not_started == [14] and report.duplicates == [15]
    by_line = {e.line: e for e in report.errors}
    assert "X999" in by_line[3].reason and "employee number" in by_line[3].reason
    assert "line 2" in by_line[13].reason
    assert str(by_line[4]).startswith("line 4, column date:")
    imp.refresh_from_db()
    assert imp.error_count == 14 and imp.summary["check"]["bad_rows"] == 11
    assert imp.summary["not_started_lines"] == [14] and imp.summary["duplicate_lines"] == [15]
    assert {e["line"] for e in imp.errors} == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    assert Statement.objects.count() == 0


def test_a_missing_column_is_fatal(cast: Any) -> None:
    imp, report = check(cast, ["E003;SEC-101"], header="matricule;cours")
    assert report.fatal and reasons(report) == [(1, "Status", "missing_column")]
    with pytest.raises(ValidationFailed, match="column errors"):
        lms_import.lms_import_apply(import_id=imp.pk, only_valid=True)
    assert Statement.objects.count() == 0


def test_a_file_without_lines_is_reported(cast: Any) -> None:
    _imp, report = check(cast, [])
    assert reasons(report) == [(1, "", "no_rows")]


# --- writing ---------------------------------------------------------------------------------


def test_nothing_is_written_while_a_line_is_bad(cast: Any) -> None:
    imp, _report = check(cast, [*GOOD, "X999;SEC-101;Sécurité;terminé;85;01/03/2025;45 min"])
    with pytest.raises(ValidationFailed, match="nothing was imported"):
        lms_import.lms_import_apply(import_id=imp.pk, only_valid=False)
    assert Statement.objects.count() == 0 and LearnerProgress.objects.count() == 0
    imp.refresh_from_db()
    assert imp.status == LmsImport.Status.VALIDATED


def test_only_valid_lines_are_written_when_asked(cast: Any) -> None:
    imp, _report = check(cast, [*GOOD, "X999;SEC-101;Sécurité;terminé;85;01/03/2025;45 min"])
    result = lms_import.lms_import_apply(import_id=imp.pk, only_valid=True)
    assert result == {"imported": 3, "already_imported": 0, "not_started": 0, "duplicates": 0, "skipped": 1}
    assert Statement.objects.count() == 3
    imp.refresh_from_db()
    assert imp.status == LmsImport.Status.DONE and imp.only_valid and imp.summary["result"]["imported"] == 3
    assert AuditEvent.objects.filter(action="import", object_id=str(imp.pk)).exists()
    with pytest.raises(ValidationFailed, match="already been imported"):
        lms_import.lms_import_apply(import_id=imp.pk, only_valid=True)


def test_statements_carry_the_line_and_move_the_projections(cast: Any) -> None:
    imp, _report = check(cast, GOOD)
    lms_import.lms_import_apply(import_id=imp.pk, only_valid=False)
    completed = Statement.objects.get(verb__iri="http://adlnet.gov/expapi/verbs/completed").payload
    assert completed["actor"]["account"] == {"homePage": settings.SITE_URL, "name": "E003"}
    assert completed["object"]["id"] == f"{SITE}/xapi/activities/lms/sec-101"
    assert completed["object"]["definition"]["name"] == {"fr": "Sécurité au travail"}
    assert completed["result"] == {
        "score": {"scaled": 0.85, "raw": 85.0, "min": 0, "max": 100},
        "completion": True,
        "duration": "PT45M",
    }
    # 01/03/2025 is midnight in TIME_ZONE
    local = dt.datetime(2025, 3, 1, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    assert dt.datetime.fromisoformat(completed["timestamp"]) == local
    assert completed["authority"]["account"]["name"] == "pilotage"
    passed = Statement.objects.get(verb__iri="http://adlnet.gov/expapi/verbs/passed").payload
    assert passed["result"]["success"] is True and passed["result"]["duration"] == "PT1H10M"
    progressed = Statement.objects.get(verb__iri="http://adlnet.gov/expapi/verbs/progressed").payload
    assert progressed["result"] == {"completion": False, "duration": "PT20M"}

    learner = cast.employees["learner"]
    progress = LearnerProgress.objects.get(employee=learner)
    assert progress.completed_at is not None and progress.best_score == pytest.approx(0.85)
    assert progress.time_spent_seconds == 2700
    peer = LearnerProgress.objects.get(employee=cast.employees["peer"])
    assert peer.success is True and peer.completed_at is not None
    tech = LearnerProgress.objects.get(employee=cast.employees["tech"])
    assert tech.completed_at is None and tech.time_spent_seconds == 1200


def test_reimporting_the_same_file_adds_nothing(cast: Any) -> None:
    first, _report = check(cast, GOOD)
    lms_import.lms_import_apply(import_id=first.pk, only_valid=False)
    ids = set(Statement.objects.values_list("statement_id", flat=True))
    progress_before = list(LearnerProgress.objects.values_list("statement_count", "time_spent_seconds"))

    second, report = check(cast, GOOD)
    assert report.summary()["new"] == 0 and report.summary()["already_imported"] == 3
    result = lms_import.lms_import_apply(import_id=second.pk, only_valid=False)
    assert result["imported"] == 0 and result["already_imported"] == 3
    assert set(Statement.objects.values_list("statement_id", flat=True)) == ids
    assert list(LearnerProgress.objects.values_list("statement_count", "time_spent_seconds")) == progress_before


def test_the_same_completion_in_a_later_extract_keeps_its_id(cast: Any) -> None:
    first, _report = check(cast, GOOD[:1])
    lms_import.lms_import_apply(import_id=first.pk, only_valid=False)
    # Next month's extract: other column order and formats, another title, one new line.
    header = "Course ID;Employee number;Status;Completion date;Score;Time spent;Course title"
    later, report = check(
        cast,
        [
            "sec 101;E003;Completed;2025-03-01;85 %;2700;Safety at work",
            "SEC-101;E006;Passed;2025-04-02;100;1h;Safety at work",
        ],
        header=header,
    )
    assert report.errors == []
    assert report.summary()["already_imported"] == 1 and report.summary()["new"] == 1
    lms_import.lms_import_apply(import_id=later.pk, only_valid=False)
    assert Statement.objects.count() == 2


def test_ids_are_uuid5_of_what_identifies_the_line(cast: Any) -> None:
    _imp, report = check(cast, GOOD[:1])
    row = report.rows[0]
    timestamp = row.statement["timestamp"]
    expected = uuid.uuid5(
        lms_import.NAMESPACE,
        f"employee_number:E003|{SITE}/xapi/activities/lms/sec-101|completed|{timestamp}|0.8500|",
    )
    assert row.statement_id == str(expected) and uuid.UUID(row.statement_id).version == 5
    _imp, again = check(cast, GOOD[:1])
    assert again.rows[0].statement_id == row.statement_id


def test_scores_from_zero_to_one_and_registrations(cast: Any) -> None:
    header = "matricule;cours;statut;score;date;tentative"
    imp, report = check(
        cast,
        ["E003;A;passed;0.9;2025-03-01;1", "E003;A;failed;0,4;2025-02-01;2", "E004;B;completed;1;2025-02-01;"],
        header=header,
    )
    assert report.errors == []
    scores = [r.statement["result"]["score"] for r in report.rows]
    assert scores[0] == {"scaled": 0.9, "raw": 0.9, "min": 0, "max": 1}
    assert scores[2]["scaled"] == 1.0
    registrations = [r.statement["context"].get("registration") for r in report.rows]
    assert registrations[0] and registrations[1] and registrations[0] != registrations[1] and not registrations[2]
    lms_import.lms_import_apply(import_id=imp.pk, only_valid=False)
    assert LearnerProgress.objects.filter(employee=cast.employees["learner"]).count() == 2


def test_learners_by_email_whatever_the_case(cast: Any) -> None:
    header = "email;course;status;date"
    imp, report = check(
        cast,
        ["Julie.Petit@Example.com;A;completed;2025-03-01", "nobody@example.com;A;completed;2025-03-01"],
        header=header,
        learner_key="email",
    )
    assert reasons(report) == [(3, "email", "unknown_learner_email")]
    lms_import.lms_import_apply(import_id=imp.pk, only_valid=True)
    stmt = Statement.objects.get()
    assert stmt.payload["actor"]["mbox"] == "mailto:julie.petit@example.com"
    assert stmt.actor is not None and stmt.actor.employee_id == cast.employees["learner"].pk


def test_xlsx_with_real_dates_and_numbers(cast: Any) -> None:
    upload = xlsx_file(
        [
            ["Matricule", "Code formation", "Intitulé", "Statut", "Note", "Date de fin", "Durée"],
            ["E003", "SEC-101", "Sécurité", "Terminé", 85, dt.datetime(2025, 3, 1, 14, 30), dt.time(0, 45)],  # noqa: DTZ001 - Excel cells have no time zone
            ["E004", "SEC-101", "Sécurité", "Réussi", 92.5, dt.date(2025, 3, 2), 3600],
            ["E999", "SEC-101", "Sécurité", "Réussi", 92.5, dt.date(2025, 3, 2), 3600],
        ]
    )
    imp = lms_import.lms_import_create(actor=cast.dlm, uploaded_file=upload)
    report = lms_import.lms_import_validate(import_id=imp.pk)
    assert reasons(report) == [(4, "Matricule", "unknown_learner")]
    first = report.rows[0].statement
    assert first["result"]["duration"] == "PT45M" and first["result"]["score"]["raw"] == 85
    # 14:30 in Paris is 13:30 UTC
    assert first["timestamp"].startswith("2025-03-01T13:30:00")
    lms_import.lms_import_apply(import_id=imp.pk, only_valid=True)
    assert Statement.objects.count() == 2


def test_saved_mapping_with_odd_headers(cast: Any) -> None:
    saved = lms_import.lms_import_mapping_save(
        actor=cast.dlm,
        name="Moodle",
        columns={"learner": "Who", "course_id": "What", "status": "How", "date": "When"},
        learner_key="employee_number",
        language="en",
    )
    assert LmsImportMapping.objects.get(name="Moodle").columns["learner"] == "Who"
    imp, report = check(
        cast,
        ["E003;Course A;done;2025-03-01"],
        header="Who;What;How;When",
        mapping=saved.columns,
        language=saved.language,
    )
    assert report.errors == []
    assert report.rows[0].statement["object"]["id"].endswith("/lms/course-a")
    with pytest.raises(ValidationFailed):
        lms_import.lms_import_mapping_save(actor=cast.dlm, name="bad", columns={"nonsense": "x"})
    with pytest.raises(ValidationFailed):
        lms_import.lms_import_mapping_save(actor=cast.dlm, name="", columns={})
    with pytest.raises(ValidationFailed):
        lms_import.lms_import_mapping_save(actor=cast.dlm, name="x", columns={}, learner_key="badge")
    with pytest.raises(ValidationFailed):
        lms_import.lms_import_mapping_save(actor=cast.dlm, name="x", columns={}, language="not a tag")


def test_uploads_are_checked_before_they_are_kept(cast: Any) -> None:
    with pytest.raises(ValidationFailed, match=r"\.csv or \.xlsx"):
        lms_import.lms_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("x.exe", b"MZ"))
    with pytest.raises(ValidationFailed, match="empty"):
        lms_import.lms_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("x.csv", b""))
    with pytest.raises(ValidationFailed, match="zip"):
        lms_import.lms_import_create(actor=cast.dlm, uploaded_file=SimpleUploadedFile("x.xlsx", b"hello"))
    assert LmsImport.objects.count() == 0


# --- the web pages ------------------------------------------------------------------------------


def test_web_flow_upload_map_check_import(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    response = client.post(reverse("lrs:lms_import_start"), {"file": csv_file(GOOD), "learner_key": "employee_number"})
    imp = LmsImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lrs:lms_import_mapping", args=[imp.pk])

    page = client.get(reverse("lrs:lms_import_mapping", args=[imp.pk]))
    assert page.status_code == 200 and "temps_passe" in page.content.decode()
    data = {
        "field_learner": "matricule",
        "field_course_id": "cours",
        "field_course_title": "intitule",
        "field_status": "statut",
        "field_score": "score",
        "field_date": "date",
        "field_time_spent": "temps_passe",
        "field_registration": "",
        "learner_key": "employee_number",
        "language": "fr",
        "save_as": "Notre LMS",
    }
    with_commit = client.post(reverse("lrs:lms_import_mapping", args=[imp.pk]), data)
    assert with_commit.status_code == 302
    assert LmsImportMapping.objects.filter(name="Notre LMS").exists()
    imp.refresh_from_db()
    assert imp.status in (LmsImport.Status.VALIDATING, LmsImport.Status.VALIDATED) and imp.job is not None


@pytest.mark.django_db(transaction=True)
def test_web_flow_runs_the_tasks_and_shows_the_result(login: Any) -> None:
    from conftest import build_cast

    cast = build_cast()
    client = login(cast.dlm)
    client.post(reverse("lrs:lms_import_start"), {"file": csv_file(GOOD), "learner_key": "employee_number"})
    imp = LmsImport.objects.get()
    data = {f"field_{k}": v for k, v in lms_import.resolve_columns(HEADER.split(";"))[0].as_mapping().items()}
    client.post(
        reverse("lrs:lms_import_mapping", args=[imp.pk]), {**data, "learner_key": "employee_number", "language": "fr"}
    )
    imp.refresh_from_db()
    assert imp.status == LmsImport.Status.VALIDATED
    assert imp.job is not None and Job.objects.get(pk=imp.job.pk).status == Job.Status.SUCCEEDED
    detail = client.get(reverse("lrs:lms_import_detail", args=[imp.pk])).content.decode()
    assert "Import" in detail and "job-progress" in detail

    response = client.post(reverse("lrs:lms_import_apply", args=[imp.pk]), {"only_valid": "0"})
    assert response.status_code == 302
    imp.refresh_from_db()
    assert imp.status == LmsImport.Status.DONE and Statement.objects.count() == 3
    result_page = client.get(reverse("lrs:lms_import_detail", args=[imp.pk])).content.decode()
    assert "Statements stored" in result_page


def test_web_report_lists_errors_and_refuses_import_all(cast: Any, login: Any) -> None:
    imp, _report = check(cast, [*GOOD, "X999;SEC-101;Sécurité;terminé;85;01/03/2025;45 min"])
    client = login(cast.dlm)
    page = client.get(reverse("lrs:lms_import_detail", args=[imp.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "X999" in html and "disabled" in html
    partial = client.get(reverse("lrs:lms_import_detail", args=[imp.pk]) + "?page=1", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode() and "X999" in partial.content.decode()
    refused = client.post(reverse("lrs:lms_import_apply", args=[imp.pk]), {"only_valid": "0"}, follow=True)
    assert refused.status_code == 200 and Statement.objects.count() == 0
    imp.refresh_from_db()
    assert imp.status == LmsImport.Status.VALIDATED


def test_web_upload_errors_show_on_the_form(cast: Any, login: Any) -> None:
    client = login(cast.dlm)
    response = client.post(
        reverse("lrs:lms_import_start"), {"file": SimpleUploadedFile("x.exe", b"MZ"), "learner_key": "email"}
    )
    assert response.status_code == 200 and ".xlsx" in response.content.decode()
    assert LmsImport.objects.count() == 0


@pytest.mark.parametrize("persona", ["ld", "client_a", "manager", "learner", "vendor_a", "outsider"])
def test_only_the_dlm_imports(cast: Any, login: Any, persona: str) -> None:
    imp, _report = check(cast, GOOD)
    client = login(cast.users[persona])
    assert client.get(reverse("lrs:lms_import_start")).status_code == 403
    assert client.get(reverse("lrs:lms_import_detail", args=[imp.pk])).status_code == 403
    assert client.get(reverse("lrs:lms_import_mapping", args=[imp.pk])).status_code == 403
    assert client.post(reverse("lrs:lms_import_apply", args=[imp.pk]), {"only_valid": "1"}).status_code == 403
    assert Statement.objects.count() == 0


def test_anonymous_goes_to_login_and_missing_imports_are_404(cast: Any, client: Any, login: Any) -> None:
    assert client.get(reverse("lrs:lms_import_start")).status_code == 302
    assert login(cast.dlm).get(reverse("lrs:lms_import_detail", args=[987654])).status_code == 404


# --- the CLI ------------------------------------------------------------------------------------


def _write(tmp_path: Any, lines: list[str], header: str = HEADER) -> str:
    path = tmp_path / "lms.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return str(path)


def test_cli_dry_run_lists_bad_lines_and_exits_1(cast: Any, tmp_path: Any, capsys: Any) -> None:
    path = _write(tmp_path, [*GOOD, "X999;SEC-101;Sécurité;terminé;85;01/03/2025;45 min"])
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-lms", path, "--dry-run", "--no-progress")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "line 5, column matricule:" in out and "4 lines: 1 with errors" in out
    assert Statement.objects.count() == 0


def test_cli_imports_only_valid_then_adds_nothing(cast: Any, tmp_path: Any, capsys: Any) -> None:
    path = _write(tmp_path, [*GOOD, "X999;SEC-101;Sécurité;terminé;85;01/03/2025;45 min"])
    with pytest.raises(SystemExit):
        call_command("import-lms", path, "--no-progress")
    assert Statement.objects.count() == 0
    call_command("import-lms", path, "--only-valid")
    assert Statement.objects.count() == 3
    call_command("import-lms", path, "--only-valid", "--no-progress")
    out = capsys.readouterr().out
    assert "0 statements stored, 3 already imported" in out
    assert Statement.objects.count() == 3


def test_cli_mapping_and_learner_key(cast: Any, tmp_path: Any, capsys: Any) -> None:
    lms_import.lms_import_mapping_save(
        actor=cast.dlm, name="Mail", columns={"learner": "Who"}, learner_key="email", language="en"
    )
    path = _write(tmp_path, ["julie.petit@example.com;A;completed;2025-03-01"], header="Who;course;status;date")
    call_command("import-lms", path, "--mapping", "Mail", "--no-progress")
    assert Statement.objects.get().payload["object"]["definition"] == {"type": lms_import.COURSE_TYPE}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No saved mapping"):
        call_command("import-lms", path, "--mapping", "Nope")
    path2 = _write(tmp_path, ["E003;A;completed;2025-03-01"], header="matricule;course;status;date")
    call_command("import-lms", path2, "--learner-key", "employee_number", "--no-progress")
    assert Statement.objects.count() == 2


def test_the_dlm_finds_the_import_in_the_learning_records_tabs(cast: Any, login: Any) -> None:
    url = reverse("lrs:lms_import_start")
    assert url in login(cast.dlm).get(reverse("lrs:client_list")).content.decode()
    assert url not in login(cast.ld).get(reverse("lrs:client_list")).content.decode()
