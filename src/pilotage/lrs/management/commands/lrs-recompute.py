"""``pilotage lrs-recompute``: rebuild learner progress and daily counts from the statements."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pilotage.core.progress import ProgressBar
from pilotage.lrs.recompute import BATCH_SIZE, recompute_projections


class Command(BaseCommand):
    help = (
        "Rebuild the LRS projections (learner progress, daily counts, and those other apps registered "
        "with a reset) from every statement that is not voided."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (logs, CI).")

    def handle(self, *args: Any, batch_size: int, no_progress: bool, **options: Any) -> None:
        started = time.monotonic()
        with ProgressBar("Replaying statements", enabled=not no_progress, unit="statements") as progress:
            result = recompute_projections(progress=progress, batch_size=batch_size)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['statements']} statements replayed into {result['projections']} projections "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
