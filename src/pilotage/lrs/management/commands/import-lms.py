"""``pilotage import-lms FILE``: the LMS export import from the console.

Same services as the web pages: the file is checked before it is kept, the dry run lists
every bad line (``line N, column C: reason``), and nothing is written while a line is bad
unless ``--only-valid``. Lines imported before are counted as "already imported" and not
added again. Exit code 1 when there are errors and nothing was imported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilotage.core.errors import ValidationFailed
from pilotage.core.progress import ProgressBar
from pilotage.lrs import lms_import
from pilotage.lrs.models import LmsImportMapping
from pilotage.people.permissions import acting_dlm


class Command(BaseCommand):
    help = "Import an LMS completion report (.csv or .xlsx) as xAPI statements."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument("--mapping", metavar="NAME", help="a column mapping saved in Pilotage")
        parser.add_argument(
            "--learner-key",
            choices=LmsImportMapping.LearnerKey.values,
            help="what the learner column holds (default: the saved mapping's, else employee_number)",
        )
        parser.add_argument("--language", help="language tag of the course titles (default: the mapping's, else fr)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
        parser.add_argument("--only-valid", action="store_true", help="import the valid lines even if others are bad")
        parser.add_argument(
            "--as", dest="actor", metavar="EMAIL", help="the acting user (a DLM); default: the first DLM"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._actor(options.get("actor"))
        mapping: dict[str, Any] | None = None
        learner_key = LmsImportMapping.LearnerKey.EMPLOYEE_NUMBER.value
        language = "fr"
        if options.get("mapping"):
            saved = LmsImportMapping.objects.filter(name=options["mapping"]).first()
            if saved is None:
                names = ", ".join(LmsImportMapping.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No saved mapping named {options['mapping']!r} (saved: {names}).")
            mapping, learner_key, language = saved.columns, saved.learner_key, saved.language
        learner_key = options.get("learner_key") or learner_key
        language = options.get("language") or language
        try:
            with path.open("rb") as fh:
                imp = lms_import.lms_import_create(
                    actor=actor,
                    uploaded_file=File(fh, name=path.name),
                    mapping=mapping,
                    learner_key=learner_key,
                    language=language,
                )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None

        show_bar = not options["no_progress"]
        with ProgressBar("Checking", show_bar) as progress:
            try:
                report = lms_import.lms_import_validate(import_id=imp.pk, progress=progress)
            except ValidationFailed as exc:
                raise CommandError(exc.message) from None
        for error in report.errors:
            self.stdout.write(str(error))
        summary = report.summary()
        self.stdout.write(
            f"{summary['rows']} lines: {summary['bad_rows']} with errors, {summary['new']} new statements, "
            f"{summary['already_imported']} already imported, {summary['not_started']} not started (skipped), "
            f"{summary['duplicates']} repeated (import #{imp.pk})"
        )
        if options["dry_run"]:
            if report.errors:
                sys.exit(1)
            return
        if report.errors and not options["only_valid"]:
            self.stderr.write("Nothing imported: fix the errors, or run again with --only-valid.")
            sys.exit(1)
        with ProgressBar("Importing", show_bar) as progress:
            try:
                result = lms_import.lms_import_apply(
                    import_id=imp.pk, only_valid=options["only_valid"], progress=progress
                )
            except ValidationFailed as exc:
                self.stderr.write(f"Nothing imported: {exc.message}")
                sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                "{imported} statements stored, {already_imported} already imported, {not_started} not started, "
                "{duplicates} repeated, {skipped} lines with errors left out".format(**result)
            )
        )

    def _actor(self, email: str | None) -> Any:
        try:
            return acting_dlm(email)
        except (LookupError, PermissionError) as exc:
            raise CommandError(str(exc)) from None
