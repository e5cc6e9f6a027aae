"""Reading the tabular files people upload (CSV or XLSX), shared by every import.

``check_upload`` looks at an upload before anything keeps it: extension, size, zip safety of
an XLSX (before openpyxl unpacks a byte), encoding of a CSV and a header row. ``read_table``
then gives the headers and the rows with the line number a spreadsheet shows (header on
line 1, first data line 2). Every problem is a ``ValidationFailed({"file": [...]})`` whose
message says what to do.

Cells come back as text: numbers without a useless ``.0``, booleans as 1/0, dates as
``YYYY-MM-DD`` — and, with ``keep_time=True``, date-times that carry a time of day as
``YYYY-MM-DDTHH:MM:SS`` (an import of completion dates needs the time; an HRIS import of
hire dates does not).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pilotage.core.errors import ValidationFailed

EXTENSIONS = (".csv", ".xlsx")
MAX_COMPRESSION_RATIO = 100  # real worksheets compress 5-20 times; zip bombs thousands of times
MAX_ZIP_MEMBERS = 10_000
CSV_DELIMITERS = (",", ";", "\t")


def file_error(message: str | Promise, **params: Any) -> ValidationFailed:
    """A problem with the file as a whole (reported on the ``file`` field)."""
    return ValidationFailed({"file": [str(message) % params if params else str(message)]})


def normalize_header(value: Any) -> str:
    """Case-, accent- and punctuation-insensitive form of a header ("Prénom " -> "prenom")."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file: UTF-8 (with or without BOM), else Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise file_error(_("This CSV file is neither UTF-8 nor Windows-1252 text: save it again as “CSV UTF-8”."))


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unsafe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def _max_uncompressed(value: int | None) -> int:
    return int(settings.IMPORT_MAX_UNCOMPRESSED_BYTES) if value is None else value


def check_xlsx_archive(fileobj: Any, *, max_uncompressed: int | None = None) -> None:
    """Refuse an XLSX whose zip would expand too much or names paths outside itself,
    before openpyxl (or anything else) unpacks a byte of it."""
    limit = _max_uncompressed(max_uncompressed)
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise file_error(_("This .xlsx file is not a valid Excel workbook (it is not a zip archive).")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise file_error(_("This .xlsx file holds too many parts to be a workbook."))
        total = 0
        names = set()
        for info in infos:
            if _unsafe_member(info.filename):
                raise file_error(
                    _("This .xlsx file contains a suspicious path (%(name)s): refused."), name=info.filename
                )
            names.add(info.filename)
            total += info.file_size
            if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise file_error(_("This .xlsx file expands abnormally (a zip bomb?): refused."))
        if total > limit:
            raise file_error(_("This .xlsx file expands to more than %(mb)s MB: refused."), mb=limit >> 20)
        if "xl/workbook.xml" not in names:
            raise file_error(_("This .xlsx file is not an Excel workbook."))
    fileobj.seek(0)


def cell_text(value: Any, *, keep_time: bool = False) -> str:
    """The text of a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if keep_time and value.time() != dt.time(0, 0):
            return value.replace(microsecond=0).isoformat()
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number as a spreadsheet shows it, cells)
    total: int  # data lines, or an estimate of them (for progress)
    info: dict[str, Any]

    def close(self) -> None:
        """Release the workbook of an XLSX whose rows were not all read."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def csv_table(data: bytes) -> Table:
    text, encoding = decode_csv(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        headers = []
    except csv.Error as exc:
        raise file_error(_("This CSV file cannot be read: %(error)s"), error=str(exc)) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = 1
        try:
            for cells in reader:
                line += 1
                yield line, cells
        except csv.Error as exc:
            raise file_error(
                _("Line %(line)s of this CSV file cannot be read: %(error)s"), line=line + 1, error=str(exc)
            ) from None

    return Table(
        headers, rows(), max(text.count("\n"), 1), {"format": "csv", "encoding": encoding, "delimiter": delimiter}
    )


def xlsx_table(data: bytes, *, max_uncompressed: int | None = None, keep_time: bool = False) -> Table:
    from openpyxl import load_workbook

    buffer = io.BytesIO(data)
    check_xlsx_archive(buffer, max_uncompressed=max_uncompressed)
    try:
        workbook = load_workbook(buffer, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise file_error(_("This .xlsx file cannot be read as an Excel workbook.")) from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise file_error(_("This .xlsx file has no worksheet."))
    iterator = sheet.iter_rows(values_only=True)
    try:
        headers = [cell_text(v) for v in next(iterator)]
    except StopIteration:
        headers = []
    while headers and not headers[-1]:
        headers.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for line, values in enumerate(iterator, start=2):
                yield line, [cell_text(v, keep_time=keep_time) for v in values]
        finally:
            workbook.close()

    total = max((sheet.max_row or 2) - 1, 1)
    return Table(headers, rows(), total, {"format": "xlsx"})


def read_table(data: bytes, name: str, *, max_uncompressed: int | None = None, keep_time: bool = False) -> Table:
    """Headers and rows of an upload already checked by ``check_upload`` (by its name's extension)."""
    if name.lower().endswith(".xlsx"):
        return xlsx_table(data, max_uncompressed=max_uncompressed, keep_time=keep_time)
    return csv_table(data)


def check_upload(uploaded_file: Any, name: str, *, max_uncompressed: int | None = None) -> dict[str, Any]:
    """Check an upload before anything is kept: extension, size, zip safety of an XLSX,
    encoding of a CSV, and a header row. Returns what was learned (format, headers)."""
    if not name.lower().endswith(EXTENSIONS):
        raise file_error(_("Upload a .csv or .xlsx file."))
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise file_error(_("This file is too large: at most %(mb)s MB."), mb=max(limit >> 20, 1))
    if not size:
        raise file_error(_("This file is empty."))
    uploaded_file.seek(0)
    if name.lower().endswith(".xlsx"):
        check_xlsx_archive(uploaded_file, max_uncompressed=max_uncompressed)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    table = read_table(data, name, max_uncompressed=max_uncompressed)
    if not any(table.headers):
        raise file_error(_("The first line of the file must hold the column names."))
    table.close()  # only the headers were needed
    return {**table.info, "headers": table.headers}


# --------------------------------------------------------------------------- row errors


def format_reason(messages: Mapping[str, Any], code: str, params: Mapping[str, Any] | None = None) -> str:
    """The sentence for an error ``code`` (a key of ``messages``), in the active language."""
    template = str(messages.get(code, code))
    try:
        return template % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return template


@dataclass
class RowError:
    """One bad cell of an imported file: line, column and a coded reason.

    Each import subclasses it with ``describe`` (its own code -> sentence function), so that
    the reason is rendered in the reader's language when shown, not when found.
    """

    line: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def describe(code: str, params: dict[str, Any] | None) -> str:
        """Code -> sentence; each import's subclass gives its own."""
        return code

    @property
    def reason(self) -> str:
        return type(self).describe(self.code, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "params": self.params,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        return gettext("line %(line)s, column %(column)s: %(reason)s") % {
            "line": self.line,
            "column": self.column,
            "reason": self.reason,
        }


def describe_stored_error(error: Mapping[str, Any], describe: Callable[[str, dict[str, Any] | None], str]) -> str:
    """The reason of an error stored as a dict (``RowError.as_dict``) in the active language."""
    return describe(error.get("code", ""), error.get("params")) if error.get("code") else error.get("reason", "")
