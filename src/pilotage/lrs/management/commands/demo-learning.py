"""``pilotage demo-learning``: a year of learning activity (xAPI statements) for the demo
company, posted through the LRS like any platform would. ``pilotage demo`` and
``pilotage run`` call it after building the company."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pilotage.core.errors import ValidationFailed
from pilotage.lrs import demo


class Command(BaseCommand):
    help = (
        "Post a year of learning activity of the demo employees to the LRS (about 200,000 xAPI "
        "statements; ~3,000 with --size small) from the client “Plateforme e-learning (démo)”. "
        "Needs the demo company (`pilotage demo`); runs once per database; never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Same seed, same statements (default: %(default)s)."
        )
        parser.add_argument(
            "--size",
            choices=list(demo.VOLUMES),
            default="standard",
            help="small ≈ 3,000 statements; standard and large ≈ 200,000 (default: %(default)s).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, seed: int, size: str, no_progress: bool, **options: Any) -> None:
        bar = tqdm(
            total=demo.expected_statements(size),
            unit=" statements",
            unit_scale=True,
            desc="Learning activity",
            disable=no_progress or options.get("verbosity", 1) == 0,
            leave=False,
        )

        def advance(count: int) -> None:
            bar.update(count)

        try:
            summary = demo.demo_learning_create(actor="pilotage demo-learning", seed=seed, size=size, progress=advance)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        rate = summary.statements / summary.seconds if summary.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Learning activity: {summary.statements:,} statements ({summary.voided} voided) on "
                f"{summary.activities} activities by {summary.learners:,} employees and {summary.external} "
                f"external trainees, in {summary.seconds:.1f} s ({rate:,.0f} statements/s)."
            )
        )
        self.stdout.write(
            f"  Sent by the LRS client “{demo.CLIENT_NAME}” (its secret is not kept: create your own "
            "client under Learning records → LRS clients to send statements)."
        )
