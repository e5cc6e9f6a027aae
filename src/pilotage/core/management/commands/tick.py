"""``pilotage tick``: run the periodic jobs that are due (reminders, survey dispatch…).

Call it from cron every few minutes, or let ``pilotage run`` start it with ``--loop
--via-worker``: the jobs then run in the task worker, which sends the e-mails. Each
job's last run is kept in the database and claimed atomically (``pilotage.core.schedule``):
two ticks at once, on one machine or two, never run the same job twice in its period.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from pilotage.core import schedule
from pilotage.core.progress import ProgressBar


class Command(BaseCommand):
    help = "Run the periodic jobs that are due (reminders, survey dispatch…); --loop to keep running."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run every job now, due or not.")
        parser.add_argument("--job", action="append", default=[], help="Only this job (repeatable); see --list.")
        parser.add_argument("--list", action="store_true", help="List the registered jobs and exit.")
        parser.add_argument("--loop", action="store_true", help="Tick again every --every seconds until stopped.")
        parser.add_argument("--every", type=int, default=60, help="Seconds between two ticks with --loop (default 60).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--via-worker",
            action="store_true",
            help="Hand each due job to the task worker (`pilotage worker`) instead of running it here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = schedule.jobs()
        if options["list"]:
            for job in jobs:
                self.stdout.write(f"{job.name}  every {job.every_minutes} min")
            return
        only = set(options["job"]) or None
        unknown = (only or set()) - {job.name for job in jobs}
        if unknown:
            raise CommandError(f"Unknown job: {', '.join(sorted(unknown))} (see `pilotage tick --list`).")
        if options["every"] < 1:
            raise CommandError("--every must be at least 1 second.")
        while True:
            with ProgressBar("tick", enabled=not options["no_progress"] and not options["loop"], unit="jobs") as bar:
                results = schedule.run_due(
                    force=options["force"], only=only, progress=bar, via_worker=options["via_worker"]
                )
            for name, outcome in results.items():
                if outcome != "not due" or not options["loop"]:
                    self.stdout.write(f"{name}: {outcome}")
            if not options["loop"]:
                if "failed" in results.values():
                    raise CommandError("A periodic job failed (see the log).")
                return
            close_old_connections()
            try:
                time.sleep(options["every"])
            except KeyboardInterrupt:
                return
