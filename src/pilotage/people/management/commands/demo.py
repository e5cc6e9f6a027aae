"""``pilotage demo``: build the demo company (Groupe Orvalis) in an empty database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilotage.core.errors import ValidationFailed
from pilotage.people import demo


def print_logins(command: BaseCommand) -> None:
    """The demo logins that exist in the database, with the shared demo password."""
    logins = demo.persona_logins()
    if not logins:
        return
    width = max(len(p.email) for p, _u in logins)
    command.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for persona, user in logins:
        command.stdout.write(f"  {persona.email:<{width}}  {persona.label} — {user}, {persona.description}")


class Command(BaseCommand):
    help = (
        "Build the demo company: a French group with its org tree, sites, job roles, employees, "
        "one login per persona and a few audiences. Refuses a non-empty database unless --reset; "
        "never runs when PILOTAGE_ENV=production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Same seed, same company (default: %(default)s)."
        )
        parser.add_argument(
            "--size",
            choices=list(demo.SIZES),
            default="standard",
            help="small ≈ 200, standard ≈ 2,000, large ≈ 100,000 employees (default: %(default)s).",
        )
        parser.add_argument(
            "--no-learning",
            action="store_true",
            help="Do not post the year of learning activity (xAPI statements) after the company.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Flush the WHOLE database (every table, every user) before building the demo.",
        )

    def handle(self, *args: Any, seed: int, size: str, reset: bool, no_learning: bool, **options: Any) -> None:
        if not demo.demo_allowed():
            raise CommandError("The demo company is never created when PILOTAGE_ENV=production.")
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        elif not demo.database_is_empty():
            raise CommandError(
                "The database already holds people or users. The demo only fills an empty database: "
                "run `pilotage demo --reset` to flush everything first, or point DATABASE_URL at another database."
            )
        started = time.monotonic()
        try:
            summary = demo.demo_company_create(actor="pilotage demo", seed=seed, size=size)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo company {demo.COMPANY_NAME} created in {time.monotonic() - started:.1f} s "
                f"(seed {summary.seed}, size {summary.size}): {summary.employees} employees, "
                f"{summary.org_units} org units, {summary.sites} sites, {summary.job_roles} job roles, "
                f"{summary.audiences} audiences."
            )
        )
        # Higher layers add their part: called by name, never imported here.
        call_command("demo-portfolio", seed=seed, stdout=self.stdout, stderr=self.stderr)
        if not no_learning:
            # The LRS (a higher layer) adds the learning activity: called by name, never imported here.
            call_command("demo-learning", seed=seed, size=size, stdout=self.stdout, stderr=self.stderr)
            # Then cohorts, attendance, progress and evaluations (delivery and surveys).
            call_command("demo-delivery", seed=seed, size=size, stdout=self.stdout, stderr=self.stderr)
        print_logins(self)
