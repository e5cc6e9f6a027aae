"""``pilotage import-people FILE``: the HRIS import from the console.

Same services as the web pages: the file is checked before it is kept, the dry run lists
every bad row (``line N, column C: reason``), and nothing is written while a row is bad
unless ``--only-valid``. Exit code 1 when there are errors and nothing was imported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pilotage.core.errors import ValidationFailed
from pilotage.core.progress import ProgressBar
from pilotage.people import imports
from pilotage.people.models import ImportMapping
from pilotage.people.permissions import acting_dlm


class Command(BaseCommand):
    help = "Import employees and org units from an HRIS file (.csv or .xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument("--mapping", metavar="NAME", help="a column mapping saved in Pilotage")
        parser.add_argument(
            "--deactivate-missing", action="store_true", help="deactivate the employees absent from the file"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
        parser.add_argument(
            "--only-valid",
            action="store_true",
            help="import the valid rows even if others are bad (rows depending on a bad row are left out)",
        )
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
        if options.get("mapping"):
            saved = ImportMapping.objects.filter(name=options["mapping"]).first()
            if saved is None:
                names = ", ".join(ImportMapping.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No saved mapping named {options['mapping']!r} (saved: {names}).")
            mapping = saved.columns
        try:
            with path.open("rb") as fh:
                imp = imports.people_import_create(
                    actor=actor,
                    uploaded_file=File(fh, name=path.name),
                    mapping=mapping,
                    deactivate_missing=options["deactivate_missing"],
                )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None

        show_bar = not options["no_progress"]
        with ProgressBar(_("Checking"), show_bar) as progress:
            try:
                report = imports.people_import_validate(import_id=imp.pk, progress=progress)
            except ValidationFailed as exc:
                raise CommandError(exc.message) from None
        for error in report.errors:
            self.stdout.write(str(error))
        for error in report.dependents:
            self.stdout.write(str(error))
        summary = report.summary(deactivate_missing=imp.deactivate_missing)
        self.stdout.write(
            f"{summary['rows']} rows: {summary['bad_rows']} with errors, {summary['dependents']} depending on them; "
            f"{summary['new']} new, {summary['existing']} known"
            + (f", {summary['to_deactivate']} to deactivate" if imp.deactivate_missing else "")
            + f" (import #{imp.pk})"
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
                result = imports.people_import_apply(
                    import_id=imp.pk, only_valid=options["only_valid"], progress=progress
                )
            except ValidationFailed as exc:
                self.stderr.write(f"Nothing imported: {exc.message}")
                sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                "{created} created, {updated} updated, {unchanged} unchanged, {deactivated} deactivated, "
                "{skipped} rows skipped; {org_units_created} org units and {job_roles_created} job roles created".format(
                    **result
                )
            )
        )

    def _actor(self, email: str | None) -> Any:
        try:
            return acting_dlm(email)
        except (LookupError, PermissionError) as exc:
            raise CommandError(str(exc)) from None
