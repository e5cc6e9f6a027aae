"""``pilotage demo-delivery``: cohorts, sessions, enrolments, attendance, a year of learning
statements, reminders and evaluations for the demo programmes. ``pilotage demo`` and
``pilotage run`` call it after ``demo-learning``."""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilotage.core.errors import ValidationFailed
from pilotage.core.progress import ProgressBar
from pilotage.delivery import demo
from pilotage.delivery.models import Cohort

# The evaluations belong to ``surveys``, a higher layer than ``delivery``: called by name,
# never imported here (as ``pilotage demo`` calls ``demo-portfolio``).
SURVEYS_DEMO = "pilotage.surveys.demo"


class Command(BaseCommand):
    help = (
        "Run the demo programmes: cohorts and sessions (past, current, upcoming), enrolments from the "
        "audiences and accepted requests, attendance, the learners' xAPI statements (progress), reminder "
        "rules, then the hot and cold evaluations with their answers. Needs `pilotage demo` and "
        "`demo-portfolio`; the delivery part runs once per database (skipped when cohorts exist), the "
        "evaluations whenever they are missing; never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Same seed, same story (default: %(default)s)."
        )
        parser.add_argument(
            "--size",
            choices=list(demo.SIZES),
            default="standard",
            help="small: one past cohort per programme; standard: two (default: %(default)s).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, seed: int, size: str, no_progress: bool, **options: Any) -> None:
        if not demo.demo_allowed():
            raise CommandError("The demo is never created when PILOTAGE_ENV=production.")
        show = not no_progress and options.get("verbosity", 1) > 0
        if Cohort.objects.exists():
            self.stdout.write("  delivery: the database already has cohorts, nothing added.")
        else:
            started = time.monotonic()
            try:
                with ProgressBar("Delivery", show, unit=" cohorts") as progress:
                    s = demo.demo_delivery_create(seed=seed, size=size, progress=progress)
            except ValidationFailed as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"  delivery: {s.cohorts} cohorts, {s.sessions} sessions ({s.cancelled_sessions} cancelled), "
                f"{s.enrolments} enrolments ({s.waitlisted} waitlisted, {s.unenrolled} unenrolled, "
                f"{s.transfers} transferred, {s.completed} completed), {s.attendance} attendance marks, "
                f"{s.statements:,} statements, {s.reminder_rules} reminder rules, {s.reminders} reminders sent, "
                f"{s.facilitators} facilitators added ({time.monotonic() - started:.1f} s)"
            )
        # The evaluations run even when the cohorts were already there: they are idempotent
        # (no rule added twice, no invitation answered twice), so a database made before them
        # gets them too.
        started = time.monotonic()
        surveys = importlib.import_module(SURVEYS_DEMO)
        try:
            with ProgressBar("Evaluations", show, unit=" invitations") as progress:
                counts = surveys.demo_surveys_create(seed=seed, size=size, progress=progress)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        figures = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        self.stdout.write(f"  evaluations: {figures} ({time.monotonic() - started:.1f} s)")
