"""Import of LMS completion reports (CSV or XLSX) as xAPI statements.

An existing LMS exports one line per (learner, course): status, score, date, time spent.
Each line becomes ONE statement stored through ``statement_store`` — the same path as every
other learning record — so the projections (learner progress, daily rollups) move as if the
LMS had sent the statements itself.

The flow mirrors the HRIS import (``people/imports.py``): ``lms_import_create`` checks the
upload before keeping it (``core.tabular``); the dry run (``lms_import_validate``) parses the
whole file and lists every bad line with its line, column and reason; ``lms_import_apply``
writes everything in ONE transaction — or nothing while a line is bad, unless only the valid
lines are asked for.

**Stable ids.** A statement's id is a UUIDv5 of what identifies the fact: the learner, the
course, the status, the date, the score (and the registration when the file has one). The
same line imported again — the same file twice, or the same completion in next month's
extract — gets the same id: it is counted as "already imported" and nothing is added. Time
spent and course titles are not part of the id: a line that differs from an earlier one only
by them is the same completion.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pilotage.core import tabular
from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.core.jobs import enqueue_on_commit, job_create
from pilotage.core.models import Job
from pilotage.core.site import site_url
from pilotage.core.tabular import Table, normalize_header
from pilotage.lrs import validation
from pilotage.lrs.errors import XapiError
from pilotage.lrs.models import LmsImport, LmsImportMapping, Statement
from pilotage.people.models import Employee
from pilotage.people.permissions import is_dlm

BATCH_SIZE = 1000  # statements per ``statement_store`` call
PROGRESS_EVERY = 1000
CHUNK = 900  # values per IN (...) clause
XAPI_VERSION = "2.0.0"
# Fixed forever: changing it would give every line a new id, and re-imports would duplicate.
NAMESPACE = uuid.UUID("6f1d2a4e-3c1b-5b8e-9a57-2d1c0e4b7a10")
VERBS = "http://adlnet.gov/expapi/verbs/"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"

Progress = Callable[[int, int, str], None]
LearnerKey = LmsImportMapping.LearnerKey


# ---------------------------------------------------------------------------------------
# Columns and their aliases (normalised with ``normalize_header``)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str | Promise
    aliases: tuple[str, ...]
    required: bool = False


LEARNER_ALIASES: dict[str, tuple[str, ...]] = {
    LearnerKey.EMPLOYEE_NUMBER: (
        "employee_number",
        "matricule",
        "employee_id",
        "employee_no",
        "numero_employe",
        "numero_salarie",
        "id_salarie",
        "learner_id",
        "user_id",
        "identifiant",
        "learner",
        "apprenant",
        "user",
        "utilisateur",
        "login",
    ),
    LearnerKey.EMAIL: (
        "email",
        "e_mail",
        "mail",
        "courriel",
        "adresse_email",
        "adresse_e_mail",
        "learner_email",
        "user_email",
        "learner",
        "apprenant",
        "user",
        "utilisateur",
        "login",
    ),
}

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("learner", _("Learner"), (), True),
    FieldSpec(
        "course_id",
        _("Course id"),
        (
            "course_id",
            "id_cours",
            "code_cours",
            "course_code",
            "id_formation",
            "code_formation",
            "id_module",
            "code_module",
            "activity_id",
            "course",
            "cours",
            "formation",
            "module",
        ),
        True,
    ),
    FieldSpec(
        "course_title",
        _("Course title"),
        (
            "course_title",
            "course_name",
            "titre_cours",
            "titre_formation",
            "intitule_formation",
            "intitule",
            "nom_formation",
            "nom_cours",
            "libelle_formation",
            "libelle",
            "titre",
            "title",
        ),
    ),
    FieldSpec(
        "status",
        _("Status"),
        ("status", "statut", "completion_status", "statut_de_completion", "etat", "state", "lesson_status"),
        True,
    ),
    FieldSpec("score", _("Score"), ("score", "note", "score_pct", "pourcentage", "resultat", "result", "grade")),
    FieldSpec(
        "date",
        _("Date"),
        (
            "date",
            "completion_date",
            "date_completion",
            "date_de_completion",
            "completed_at",
            "completed_on",
            "date_de_fin",
            "date_fin",
            "end_date",
            "date_achevement",
            "date_realisation",
            "last_activity",
            "derniere_activite",
            "date_derniere_activite",
        ),
    ),
    FieldSpec(
        "time_spent",
        _("Time spent"),
        ("time_spent", "temps_passe", "duration", "duree", "temps", "time", "temps_de_formation", "total_time"),
    ),
    FieldSpec(
        "registration",
        _("Registration or attempt"),
        ("registration", "attempt", "tentative", "inscription", "enrolment_id", "enrollment_id", "id_inscription"),
    ),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}


def field_aliases(spec: FieldSpec, learner_key: str) -> tuple[str, ...]:
    if spec.key == "learner":
        return LEARNER_ALIASES.get(learner_key, LEARNER_ALIASES[LearnerKey.EMPLOYEE_NUMBER])
    return spec.aliases


@dataclass
class Columns:
    """Which column of the file holds each field (by index)."""

    headers: list[str]
    index: dict[str, int]

    def header(self, key: str) -> str:
        """The file's header of a field (its label when the file has no such column)."""
        i = self.index.get(key)
        if i is not None:
            return self.headers[i]
        return str(FIELDS_BY_KEY[key].label) if key in FIELDS_BY_KEY else key

    def as_mapping(self) -> dict[str, str]:
        """The mapping as saved: field -> header ("" = not in the file)."""
        return {key: (self.headers[self.index[key]] if key in self.index else "") for key in FIELD_KEYS}


def clean_mapping(mapping: dict[str, Any] | None) -> dict[str, str]:
    """Check a mapping's keys (the fields above) and make its values text."""
    cleaned: dict[str, str] = {}
    for key, value in (mapping or {}).items():
        key = str(key)
        if key not in FIELDS_BY_KEY:
            raise ValidationFailed(
                {"mapping": [gettext("Unknown field %(key)s in the column mapping.") % {"key": key}]}
            )
        cleaned[key] = "" if value is None else str(value).strip()
    return cleaned


def clean_learner_key(value: Any) -> str:
    if value not in LearnerKey.values:
        raise ValidationFailed(
            {"learner_key": [gettext("Identify learners by employee_number or by email, not “%s”.") % value]}
        )
    return str(value)


def clean_language(value: Any) -> str:
    language = str(value or "").strip()
    if not validation.is_language_tag(language):
        raise ValidationFailed(
            {"language": [gettext("“%s” is not a language tag: write fr, en or fr-FR, for example.") % language]}
        )
    return language


def resolve_columns(
    headers: list[str], mapping: dict[str, str] | None = None, *, learner_key: str = LearnerKey.EMPLOYEE_NUMBER
) -> tuple[Columns, list[RowError]]:
    """Match the file's headers to the fields: the explicit mapping first, then the default
    names and their French and English aliases."""
    mapping = mapping or {}
    by_norm: dict[str, int] = {}
    for i, header in enumerate(headers):
        norm = normalize_header(header)
        if norm:
            by_norm.setdefault(norm, i)
    errors: list[RowError] = []
    index: dict[str, int] = {}
    used: set[int] = set()
    for key, wanted in mapping.items():
        if not wanted or key not in FIELDS_BY_KEY:
            continue
        found = by_norm.get(normalize_header(wanted))
        if found is None:
            label = str(FIELDS_BY_KEY[key].label)
            errors.append(RowError(1, wanted, "mapped_column_missing", {"column": wanted, "field": label}))
            continue
        index[key] = found
        used.add(found)
    for spec in FIELDS:
        if spec.key in index or spec.key in mapping:
            continue  # mapped explicitly (an empty value means "not in the file")
        for alias in (spec.key, *field_aliases(spec, learner_key)):
            candidate = by_norm.get(alias)
            if candidate is not None and candidate not in used:
                index[spec.key] = candidate
                used.add(candidate)
                break
    for spec in FIELDS:
        if spec.required and spec.key not in index:
            errors.append(RowError(1, str(spec.label), "missing_column", {"field": str(spec.label)}))
    return Columns(headers=headers, index=index), errors


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------

MESSAGES: dict[str, str | Promise] = {
    "missing_column": _("The required column “%(field)s” is missing: map it to a column of the file."),
    "mapped_column_missing": _("The column “%(column)s” chosen for %(field)s is not in the file."),
    "no_rows": _("The file has no line under its header."),
    "required": _("This value is required."),
    "unknown_learner": _("Unknown learner “%(value)s”: no employee has this employee number."),
    "unknown_learner_email": _("Unknown learner “%(value)s”: no employee has this e-mail address."),
    "ambiguous_learner_email": _("Several employees have the e-mail address “%(value)s”: use employee numbers."),
    "bad_course": _("“%(value)s” is not a usable course id (it needs letters or digits, or an absolute IRI)."),
    "bad_date": _("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY, with an optional time HH:MM."),
    "future_date": _("The date %(value)s is in the future."),
    "bad_score": _("“%(value)s” is not a score: write a number from 0 to 100 (or from 0 to 1)."),
    "score_out_of_range": _("The score %(value)s is outside 0–100."),
    "unknown_status": _(
        "Unknown status “%(value)s”: write completed, passed, failed, in progress or not started "
        "(terminé, réussi, échoué, en cours, non commencé)."
    ),
    "bad_duration": _(
        "“%(value)s” is not a time spent: write seconds (3600), minutes (45 min), hh:mm:ss or an ISO 8601 "
        "duration (PT1H30M)."
    ),
    "duplicate_row": _("Same learner, course, status, date and score as line %(other_line)s, but other details."),
    "invalid_statement": _("This line does not make a valid xAPI statement: %(error)s"),
}


def error_reason(code: str, params: dict[str, Any] | None = None) -> str:
    """The sentence for an error code, in the active language."""
    return tabular.format_reason(MESSAGES, code, params)


class RowError(tabular.RowError):
    describe = staticmethod(error_reason)


def describe_error(error: dict[str, Any]) -> str:
    """The reason of a stored error (a dict from ``LmsImport.errors``) in the active language."""
    return tabular.describe_stored_error(error, error_reason)


# ---------------------------------------------------------------------------------------
# Parsing values
# ---------------------------------------------------------------------------------------

STATUSES: dict[str, str] = {}
for _status, _words in {
    "completed": ("completed", "complete", "termine", "acheve", "fini", "finished", "done", "complet"),
    "passed": ("passed", "pass", "reussi", "valide", "success", "succeeded", "admis", "certified", "certifie"),
    "failed": ("failed", "fail", "echoue", "echec", "non_valide", "not_passed", "ajourne", "non_reussi"),
    "in_progress": ("in_progress", "inprogress", "incomplete", "incomplet", "en_cours", "started", "commence"),
    "not_started": (
        "not_started",
        "notstarted",
        "not_attempted",
        "non_commence",
        "non_demarre",
        "pas_commence",
        "a_faire",
        "enrolled",
        "inscrit",
    ),
}.items():
    for _word in _words:
        STATUSES[_word] = _status

VERB_FOR_STATUS = {
    "completed": ("completed", {"en-US": "completed", "fr": "a terminé"}),
    "passed": ("passed", {"en-US": "passed", "fr": "a réussi"}),
    "failed": ("failed", {"en-US": "failed", "fr": "a échoué"}),
    "in_progress": ("progressed", {"en-US": "progressed", "fr": "a progressé"}),
}


def parse_status(value: str) -> str:
    status = STATUSES.get(normalize_header(value))
    if status is None:
        raise ValueError(value)
    return status


_SCORE = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*(%?)$")


def parse_score(value: str) -> tuple[float, bool]:
    """A score as written (85, 85,5, 85 %, 0.85): the number and whether it says "%"."""
    match = _SCORE.match(value.replace("\u00a0", " ").strip())
    if match is None:
        raise ValueError(value)
    return float(match.group(1).replace(",", ".")), bool(match.group(2))


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$")


def parse_when(value: str, tz: dt.tzinfo) -> dt.datetime:
    """A date, with an optional time: ISO 8601 (``2024-03-01``, ``2024-03-01T14:30:00+01:00``,
    ``2024-03-01 14:30``) or ``DD/MM/YYYY [HH:MM[:SS]]``. A time without offset is local
    (``TIME_ZONE``); a date alone is midnight, local."""
    text = value.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups()[:3])
        hour, minute, second = (int(g or 0) for g in match.groups()[3:])
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        raise ValueError(value)
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0, 0), tzinfo=tz)
    moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:[.,]\d+)?))?$")
_PART = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([^\d\s.,]*)")
_UNIT_SECONDS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "heure", "heures"), 3600),
    **dict.fromkeys(("m", "mn", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "seconde", "secondes"), 1),
}


def _with_units(text: str) -> float:
    """``45 min``, ``1 h 30`` (a number after hours without a unit is minutes), ``1h30min``."""
    total = 0.0
    position = 0
    previous = 0
    while position < len(text):
        match = _PART.match(text, position)
        if match is None:
            raise ValueError(text)
        unit = match.group(2).lower()
        if unit:
            factor = _UNIT_SECONDS.get(unit)
            if factor is None:
                raise ValueError(text)
        elif previous in (3600, 60) and match.end() == len(text):
            factor = previous // 60  # the unit below the previous one
        else:
            raise ValueError(text)
        if previous and factor >= previous:
            raise ValueError(text)  # units in decreasing order: "30 min 1 h" is not a time
        total += _number(match.group(1)) * factor
        previous = factor
        position = match.end()
    return total


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def parse_time_spent(value: str) -> float:
    """Seconds from ``3600``, ``3600 s``, ``45 min``, ``1 h 30``, ``1h30min``, ``01:30:00``
    (``hh:mm`` when there are two parts) or an ISO 8601 duration (``PT1H30M``)."""
    text = value.replace("\u00a0", " ").strip()
    if not text:
        raise ValueError(value)
    if text[:1] in "Pp":
        return validation.parse_duration(text.upper(), path="time_spent")
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return _number(text)  # a bare number: seconds
    clock = _CLOCK.match(text)
    if clock:
        whole_hours, whole_minutes = int(clock.group(1)), int(clock.group(2))
        if whole_minutes >= 60:
            raise ValueError(value)
        return whole_hours * 3600 + whole_minutes * 60 + _number(clock.group(3))
    return _with_units(text)


def iso_duration(seconds: float) -> str:
    """``PT1H30M``, ``PT45M``, ``PT12.5S``: the xAPI text of a time spent."""
    whole = int(seconds)
    fraction = round(seconds - whole, 2)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or fraction or text == "PT":
        text += f"{secs + fraction:g}S"
    return text


def course_iri(value: str) -> str:
    """The activity IRI of a course id: itself when it is an absolute IRI, else an IRI of
    this Pilotage built from its slug."""
    text = value.strip()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S", text):
        return validation.validate_iri(text, path="course_id")
    slug = slugify(text)
    if not slug:
        raise ValueError(value)
    return site_url(f"/xapi/activities/lms/{slug}")


def _registration(value: str, learner: str, course: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        # An attempt number or an LMS enrolment id: a stable UUID per (learner, course, value).
        return str(uuid.uuid5(NAMESPACE, f"registration|{learner}|{course}|{value}"))


# ---------------------------------------------------------------------------------------
# The dry run
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    line: int
    learner: str
    course_iri: str
    course_title: str
    status: str
    score: tuple[float, bool] | None
    when: dt.datetime
    time_spent: float | None
    registration: str


@dataclass(slots=True)
class Row:
    """A line ready to store: its statement (with its stable id)."""

    line: int
    statement_id: str
    statement: dict[str, Any]


@dataclass
class LmsReport:
    """Every line parsed, every error, the lines skipped and those already imported."""

    columns: Columns | None
    rows: list[Row]
    errors: list[RowError]
    line_count: int = 0
    not_started: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # identical to an earlier line
    already_imported: set[str] = field(default_factory=set)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def fatal(self) -> bool:
        """A file-level problem (a missing column, no line): nothing can be imported."""
        return self.columns is None or any(e.line == 1 for e in self.errors)

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors if e.line > 1}

    def new_rows(self) -> list[Row]:
        return [r for r in self.rows if r.statement_id not in self.already_imported]

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.line_count,
            "bad_rows": len(self.bad_lines),
            "errors": len(self.errors),
            "valid": len(self.rows),
            "new": len(self.new_rows()),
            "already_imported": len(self.already_imported),
            "not_started": len(self.not_started),
            "duplicates": len(self.duplicates),
            "learners": len({_learner_of(r.statement) for r in self.rows}),
            "courses": len({r.statement["object"]["id"] for r in self.rows}),
        }


def _learner_of(statement: dict[str, Any]) -> str:
    actor = statement["actor"]
    return str(actor.get("mbox") or actor["account"]["name"])


def _employees(values: set[str], learner_key: str) -> dict[str, tuple[str, str, str] | None]:
    """Employees for the learner values of a file: value -> (number, email, full name), or
    None for an e-mail address that several employees share. One query per 900 values."""
    found: dict[str, tuple[str, str, str] | None] = {}
    listed = sorted(values)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        rows: QuerySet[Any]
        if learner_key == LearnerKey.EMAIL:
            rows = Employee.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        else:
            rows = Employee.objects.filter(employee_number__in=chunk)
        for number, email, first, last in rows.values_list("employee_number", "email", "first_name", "last_name"):
            key = email.lower() if learner_key == LearnerKey.EMAIL else number
            record = (number, email, f"{first} {last}".strip())
            found[key] = None if key in found and found[key] != record else record
    return found


def _cell(cells: list[str], columns: Columns, key: str) -> str:
    i = columns.index.get(key)
    if i is None or i >= len(cells):
        return ""
    return (cells[i] or "").strip()


def _statement(
    parsed: _Parsed, employee: tuple[str, str, str], *, learner_key: str, language: str, percent_scale: bool
) -> tuple[str, dict[str, Any]]:
    number, email, name = employee
    if learner_key == LearnerKey.EMAIL:
        actor: dict[str, Any] = {"objectType": "Agent", "mbox": f"mailto:{email}"}
    else:
        actor = {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": number}}
    if name:
        actor["name"] = name
    verb_word, display = VERB_FOR_STATUS[parsed.status]
    definition: dict[str, Any] = {"type": COURSE_TYPE}
    if parsed.course_title:
        definition["name"] = {language: parsed.course_title}
    result: dict[str, Any] = {}
    score_key = ""
    if parsed.score is not None:
        value, percent = parsed.score
        high = 100 if (percent or percent_scale) else 1
        scaled = round(value / high, 4)
        result["score"] = {"scaled": scaled, "raw": value, "min": 0, "max": high}
        score_key = f"{scaled:.4f}"
    if parsed.status in ("completed", "passed"):
        result["completion"] = True
    if parsed.status == "passed":
        result["success"] = True
    elif parsed.status == "failed":
        result["success"] = False
    elif parsed.status == "in_progress":
        result["completion"] = False
    if parsed.time_spent is not None:
        result["duration"] = iso_duration(parsed.time_spent)
    timestamp = parsed.when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    learner_id = f"{learner_key}:{parsed.learner}"
    identity = "|".join([learner_id, parsed.course_iri, parsed.status, timestamp, score_key, parsed.registration])
    statement_id = str(uuid.uuid5(NAMESPACE, identity))
    statement: dict[str, Any] = {
        "id": statement_id,
        "actor": actor,
        "verb": {"id": VERBS + verb_word, "display": display},
        "object": {"objectType": "Activity", "id": parsed.course_iri, "definition": definition},
        "timestamp": timestamp,
        "context": {"platform": "LMS"},
    }
    if result:
        statement["result"] = result
    if parsed.registration:
        statement["context"]["registration"] = parsed.registration
    return statement_id, statement


def validate_table(
    table: Table,
    *,
    mapping: dict[str, str] | None,
    learner_key: str = LearnerKey.EMPLOYEE_NUMBER,
    language: str = "fr",
    progress: Progress | None = None,
) -> LmsReport:
    """Parse and check a whole table; nothing is written."""
    columns, file_errors = resolve_columns(table.headers, mapping, learner_key=learner_key)
    if file_errors:
        table.close()
        return LmsReport(columns=None, rows=[], errors=file_errors, info=table.info)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    latest = timezone.now() + dt.timedelta(days=1)
    errors: list[RowError] = []
    parsed_rows: list[_Parsed] = []
    not_started: list[int] = []
    line_count = 0
    total = table.total

    def bad(line: int, key: str, code: str, value: str = "", **params: Any) -> None:
        errors.append(RowError(line, columns.header(key), code, {"value": value, **params}))

    rows_iter: Iterator[tuple[int, list[str]]] = table.rows
    for count, (line, cells) in enumerate(rows_iter, start=1):
        if progress and count % PROGRESS_EVERY == 0:
            progress(count, max(total, count), gettext("Reading line %(line)s") % {"line": line})
        if not any((c or "").strip() for c in cells):
            continue  # blank line
        line_count += 1
        before = len(errors)
        text = {key: _cell(cells, columns, key) for key in columns.index}
        status = ""
        if not text.get("status"):
            bad(line, "status", "required")
        else:
            try:
                status = parse_status(text["status"])
            except ValueError:
                bad(line, "status", "unknown_status", text["status"])
        if status == "not_started":
            not_started.append(line)  # nothing happened: no statement, not an error
            continue
        learner = text.get("learner", "")
        if learner_key == LearnerKey.EMAIL:
            learner = learner.lower()
        if not learner:
            bad(line, "learner", "required")
        iri = ""
        if not text.get("course_id"):
            bad(line, "course_id", "required")
        else:
            try:
                iri = course_iri(text["course_id"])
            except (ValueError, XapiError):
                bad(line, "course_id", "bad_course", text["course_id"])
        when: dt.datetime | None = None
        if not text.get("date"):
            bad(line, "date", "required")
        else:
            try:
                when = parse_when(text["date"], tz)
            except ValueError:
                bad(line, "date", "bad_date", text["date"])
            else:
                if when > latest:
                    bad(line, "date", "future_date", text["date"])
        score: tuple[float, bool] | None = None
        if text.get("score"):
            try:
                score = parse_score(text["score"])
            except ValueError:
                bad(line, "score", "bad_score", text["score"])
            else:
                if not 0 <= score[0] <= 100:
                    bad(line, "score", "score_out_of_range", text["score"])
        time_spent: float | None = None
        if text.get("time_spent"):
            try:
                time_spent = parse_time_spent(text["time_spent"])
            except (ValueError, XapiError):
                bad(line, "time_spent", "bad_duration", text["time_spent"])
        if len(errors) > before or when is None:
            continue
        parsed_rows.append(
            _Parsed(
                line=line,
                learner=learner,
                course_iri=iri,
                course_title=text.get("course_title", "")[:500],
                status=status,
                score=score,
                when=when,
                time_spent=time_spent,
                registration=_registration(text["registration"], learner, iri) if text.get("registration") else "",
            )
        )
    if not line_count:
        errors.append(RowError(1, "", "no_rows"))

    # The scale of the scores is the file's: 0-1 when no score (without "%") goes past 1.
    percent_scale = any(p.score is not None and not p.score[1] and p.score[0] > 1 for p in parsed_rows)
    employees = _employees({p.learner for p in parsed_rows}, learner_key)
    rows: list[Row] = []
    first_line: dict[str, Row] = {}
    duplicates: list[int] = []
    unknown = "unknown_learner_email" if learner_key == LearnerKey.EMAIL else "unknown_learner"
    for parsed in parsed_rows:
        if parsed.learner not in employees:
            bad(parsed.line, "learner", unknown, parsed.learner)
            continue
        employee = employees[parsed.learner]
        if employee is None:
            bad(parsed.line, "learner", "ambiguous_learner_email", parsed.learner)
            continue
        statement_id, statement = _statement(
            parsed, employee, learner_key=learner_key, language=language, percent_scale=percent_scale
        )
        earlier = first_line.get(statement_id)
        if earlier is not None:
            if earlier.statement == statement:
                duplicates.append(parsed.line)
            else:
                bad(parsed.line, "", "duplicate_row", other_line=earlier.line)
            continue
        try:
            validation.validate_statement(statement, version=XAPI_VERSION)
        except XapiError as exc:
            bad(parsed.line, "", "invalid_statement", error=f"{exc.message} ({exc.path})")
            continue
        row = Row(line=parsed.line, statement_id=statement_id, statement=statement)
        first_line[statement_id] = row
        rows.append(row)

    already: set[str] = set()
    ids = [r.statement_id for r in rows]
    for start in range(0, len(ids), CHUNK):
        found = Statement.objects.filter(statement_id__in=ids[start : start + CHUNK]).values_list(
            "statement_id", flat=True
        )
        already.update(str(sid) for sid in found)
    if progress:
        progress(line_count, max(line_count, 1), gettext("Checked"))
    return LmsReport(
        columns=columns,
        rows=rows,
        errors=sorted(errors, key=lambda e: (e.line, e.column)),
        line_count=line_count,
        not_started=not_started,
        duplicates=duplicates,
        already_imported=already,
        info=table.info,
    )


# ---------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def lms_import_mapping_save(
    *,
    actor: Any,
    name: str,
    columns: dict[str, Any],
    learner_key: str = LearnerKey.EMPLOYEE_NUMBER,
    language: str = "fr",
) -> LmsImportMapping:
    """Save a column mapping under a name (replacing the one of that name)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [gettext("Give the mapping a name.")]})
    if len(name) > 100:
        raise ValidationFailed({"name": [gettext("A mapping name has at most 100 characters.")]})
    cleaned = clean_mapping(columns)
    values = {
        "columns": cleaned,
        "learner_key": clean_learner_key(learner_key),
        "language": clean_language(language),
        "created_by": _actor_or_none(actor),
    }
    mapping, created = LmsImportMapping.objects.update_or_create(name=name, defaults=values)
    audit_record(
        actor=actor,
        action="create" if created else "update",
        instance=mapping,
        changes={"columns": cleaned, "learner_key": mapping.learner_key, "language": mapping.language},
    )
    return mapping


@transaction.atomic
def lms_import_create(
    *,
    actor: Any,
    uploaded_file: File,  # type: ignore[type-arg]
    mapping: dict[str, Any] | None = None,
    learner_key: str = LearnerKey.EMPLOYEE_NUMBER,
    language: str = "fr",
) -> LmsImport:
    """Check an uploaded LMS report (extension, size, zip safety, encoding, header row) and
    keep it for a dry run. Raises ``ValidationFailed({"file": [...]})`` otherwise."""
    name = os.path.basename((uploaded_file.name or "").replace("\\", "/"))
    info = tabular.check_upload(uploaded_file, name)
    imp = LmsImport(
        original_name=name[:255],
        mapping=clean_mapping(mapping),
        learner_key=clean_learner_key(learner_key),
        language=clean_language(language),
        created_by=_actor_or_none(actor),
        summary={"file": info},
    )
    uploaded_file.seek(0)
    extension = os.path.splitext(name)[1].lower()
    imp.file.save(f"lms{extension}", uploaded_file, save=False)
    imp.save()
    audit_record(actor=actor, action="upload", instance=imp, changes={"file": [None, name]})
    return imp


def _load_table(imp: LmsImport) -> Table:
    with imp.file.open("rb") as fh:
        data = fh.read()
    return tabular.read_table(data, imp.original_name, keep_time=True)


def _report_fields(report: LmsReport, imp: LmsImport) -> dict[str, Any]:
    summary = {**(imp.summary or {}), "check": report.summary()}
    summary.pop("result", None)
    if report.columns is not None:
        summary["columns"] = report.columns.as_mapping()
    summary["not_started_lines"] = report.not_started[:100]
    summary["duplicate_lines"] = report.duplicates[:100]
    return {
        "row_count": report.line_count,
        "error_count": len(report.errors),
        "errors": [e.as_dict() for e in report.errors],
        "summary": summary,
    }


def _validate(imp: LmsImport, progress: Progress | None) -> LmsReport:
    return validate_table(
        _load_table(imp), mapping=imp.mapping, learner_key=imp.learner_key, language=imp.language, progress=progress
    )


def lms_import_validate(*, import_id: int, progress: Progress | None = None) -> LmsReport:
    """The dry run: parse and check the whole file, store every bad line (line, column,
    reason) on the import; nothing else is written."""
    imp = LmsImport.objects.get(pk=import_id)
    LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.VALIDATING)
    try:
        report = _validate(imp, progress)
    except ValidationFailed as exc:
        error = RowError(1, "", "", {}).as_dict()
        LmsImport.objects.filter(pk=import_id).update(
            status=LmsImport.Status.FAILED, error_count=1, errors=[{**error, "reason": exc.message}]
        )
        raise
    except Exception:
        LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.FAILED)
        raise
    LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.VALIDATED, **_report_fields(report, imp))
    return report


class _Refused(Exception):
    def __init__(self, report: LmsReport, message: str) -> None:
        super().__init__(message)
        self.report = report
        self.message = message


def lms_import_apply(*, import_id: int, only_valid: bool, progress: Progress | None = None) -> dict[str, Any]:
    """Check the file again and store its statements in ONE transaction (batches of 1,000
    through ``statement_store``): everything, or nothing while a line is bad — unless
    ``only_valid``, which stores the valid lines and reports the others."""
    from pilotage.lrs.services import statement_store

    imp = LmsImport.objects.select_related("created_by").get(pk=import_id)
    if imp.status == LmsImport.Status.DONE:
        raise ValidationFailed({"file": [gettext("This file has already been imported.")]})
    actor = imp.created_by or "system"
    LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.IMPORTING, only_valid=only_valid)
    try:
        with transaction.atomic():
            # Serialise imports; the check runs inside the transaction so it sees what is stored.
            LmsImport.objects.select_for_update().filter(pk=import_id).first()
            report = _validate(imp, progress)
            if report.fatal:
                raise _Refused(report, gettext("The file cannot be imported: fix the column errors first."))
            if report.errors and not only_valid:
                raise _Refused(
                    report,
                    gettext("%(count)s lines have errors: nothing was imported.") % {"count": len(report.bad_lines)},
                )
            todo = report.new_rows()
            for start in range(0, len(todo), BATCH_SIZE):
                if progress:
                    progress(start, len(todo), gettext("Storing statements"))
                batch = todo[start : start + BATCH_SIZE]
                try:
                    statement_store(statements=[r.statement for r in batch], client=None, version=XAPI_VERSION)
                except XapiError as exc:
                    # Checked line by line already; a conflict here means the store changed meanwhile.
                    raise ValidationFailed(
                        {"file": [gettext("The statements were refused: %(error)s") % {"error": exc.message}]}
                    ) from None
    except _Refused as refused:
        LmsImport.objects.filter(pk=import_id).update(
            status=LmsImport.Status.VALIDATED, **_report_fields(refused.report, imp)
        )
        raise ValidationFailed({"file": [refused.message]}) from None
    except ValidationFailed:
        LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.VALIDATED)
        raise
    except Exception:
        LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.FAILED)
        raise
    check = report.summary()
    result = {
        "imported": len(todo),
        "already_imported": check["already_imported"],
        "not_started": check["not_started"],
        "duplicates": check["duplicates"],
        "skipped": len(report.bad_lines),
    }
    fields = _report_fields(report, imp)
    fields["summary"] = {**fields["summary"], "result": result, "only_valid": only_valid}
    LmsImport.objects.filter(pk=import_id).update(status=LmsImport.Status.DONE, **fields)
    audit_record(
        actor=actor,
        action="import",
        instance=imp,
        changes={"result": result},
        note=f"LMS import #{imp.pk} ({imp.original_name})",
    )
    if progress:
        progress(len(todo), max(len(todo), 1), gettext("Imported"))
    return result


@transaction.atomic
def lms_import_request_validation(
    *,
    actor: Any,
    import_id: int,
    mapping: dict[str, Any] | None = None,
    learner_key: str | None = None,
    language: str | None = None,
) -> Job:
    """Set the mapping and options (when given) and run the dry run in the background."""
    from pilotage.lrs.tasks import lms_import_validate_task

    imp = LmsImport.objects.select_for_update().get(pk=import_id)
    if imp.status in (LmsImport.Status.VALIDATING, LmsImport.Status.IMPORTING, LmsImport.Status.DONE):
        raise ValidationFailed({"file": [gettext("This import is running or finished: it cannot be checked again.")]})
    if mapping is not None:
        imp.mapping = clean_mapping(mapping)
    if learner_key is not None:
        imp.learner_key = clean_learner_key(learner_key)
    if language is not None:
        imp.language = clean_language(language)
    job = job_create(
        kind="lms_import_validate", label=gettext("Checking %(name)s") % {"name": imp.original_name}, user=actor
    )
    imp.job = job
    imp.status = LmsImport.Status.VALIDATING
    imp.save(update_fields=["mapping", "learner_key", "language", "job", "status", "updated_at"])
    audit_record(
        actor=actor,
        action="check",
        instance=imp,
        changes={"mapping": imp.mapping, "learner_key": imp.learner_key, "language": imp.language},
    )
    enqueue_on_commit(lms_import_validate_task, imp.pk, job.pk)
    return job


@transaction.atomic
def lms_import_request_apply(*, actor: Any, import_id: int, only_valid: bool) -> Job:
    """Run the import in the background once its dry run is done."""
    from pilotage.lrs.tasks import lms_import_apply_task

    imp = LmsImport.objects.select_for_update().get(pk=import_id)
    if imp.status != LmsImport.Status.VALIDATED:
        raise ValidationFailed({"file": [gettext("Check the file before importing it.")]})
    if imp.error_count and not only_valid:
        raise ValidationFailed({"file": [gettext("Some lines have errors: fix them, or import only the valid lines.")]})
    job = job_create(
        kind="lms_import_apply", label=gettext("Importing %(name)s") % {"name": imp.original_name}, user=actor
    )
    imp.job = job
    imp.status = LmsImport.Status.IMPORTING
    imp.only_valid = only_valid
    imp.save(update_fields=["job", "status", "only_valid", "updated_at"])
    enqueue_on_commit(lms_import_apply_task, imp.pk, job.pk, only_valid)
    return job


# ---------------------------------------------------------------------------------------
# Reads (the import pages are the DLM's only)
# ---------------------------------------------------------------------------------------


def lms_import_list(*, user: Any) -> QuerySet[LmsImport]:
    if not is_dlm(user):
        return LmsImport.objects.none()
    return LmsImport.objects.select_related("created_by", "job")


def get_lms_import_for_user(user: Any, pk: int) -> LmsImport:
    try:
        return lms_import_list(user=user).get(pk=pk)
    except (LmsImport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def lms_import_mapping_list() -> QuerySet[LmsImportMapping]:
    return LmsImportMapping.objects.all()
