"""``pilotage demo-portfolio``: the demo company's strategy and programmes — objectives,
requests in every state, needs campaigns, prioritisation scores, programmes across the
lifecycle with their recommendations and learning paths. Called by ``pilotage demo``."""

from __future__ import annotations

import importlib
import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pilotage.people import demo

# In this order: each part may read what the previous ones made.
SEEDS = [
    ("pilotage.strategy.demo_requests", "objectives and requests"),
    ("pilotage.strategy.demo_campaigns", "needs campaigns"),
    ("pilotage.programmes.demo_programmes", "programmes"),
    ("pilotage.programmes.demo_backlog", "prioritisation scores"),
    ("pilotage.programmes.demo_recommender", "modality recommendations"),
    ("pilotage.programmes.demo_paths", "learning paths"),
]


class Command(BaseCommand):
    help = "Fill the demo company's strategy and programmes (after `pilotage demo` built the company)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        if not demo.demo_allowed():
            raise CommandError("The demo is never created when PILOTAGE_ENV=production.")
        if not demo.persona_logins():
            raise CommandError("Build the demo company first: `pilotage demo`.")
        for module_name, label in SEEDS:
            started = time.monotonic()
            module = importlib.import_module(module_name)
            with transaction.atomic():
                counts = module.seed(rng=random.Random(f"{seed}-{module_name}"))
            figures = ", ".join(f"{n} {what}" for what, n in counts.items())
            self.stdout.write(f"  {label}: {figures} ({time.monotonic() - started:.1f} s)")
