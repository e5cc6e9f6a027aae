"""Benchmark of the HRIS import: N rows (default 100,000) with org units and managers in
random order, checked then written, then the same file re-imported with 10 % of the rows
changed (the upsert path). Prints the timings and rows per second.

    .venv/bin/python bench/people_import.py [--rows N]

Runs on a throwaway SQLite database under /tmp unless DATABASE_URL is set (then use an
empty, disposable PostgreSQL database: the rows are written there).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _setup() -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "pilotage.config.settings"
    os.environ.setdefault("DEBUG", "false")  # no query log in memory
    if not os.environ.get("DATABASE_URL"):
        # Set before django.setup(): the settings put the SQLite file under PILOTAGE_VAR_DIR.
        os.environ["PILOTAGE_VAR_DIR"] = tempfile.mkdtemp(prefix="pilotage-bench-import-", dir="/tmp")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return f"{connection.vendor} ({os.environ.get('PILOTAGE_VAR_DIR', 'DATABASE_URL')})"


FIRST = ["Camille", "Léa", "Hugo", "Louis", "Chloé", "Inès", "Jules", "Zoé", "Noah", "Emma", "Karim", "Sofia"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
HEADER = [
    "matricule",
    "prenom",
    "nom",
    "email",
    "matricule_manager",
    "code_entite",
    "org_unit_name",
    "code_entite_parente",
    "site_code",
    "job_role_code",
    "job_role_name",
    "hire_date",
    "language",
    "active",
    "attr_contract",
]


def generate(path: Path, rows: int, *, seed: int, changed: float = 0.0) -> None:
    """An HRIS extract: a tree of org units (children may come before their parent), a
    management tree of fan-out 8 (reports before managers), all lines shuffled."""
    rng = random.Random(seed)
    unit_count = max(rows // 200, 5)
    parents = {0: ""} | {u: f"U{rng.randrange(0, u):05d}" for u in range(1, unit_count)}
    lines = []
    change = random.Random(seed + 1)
    for i in range(rows):
        unit = rng.randrange(unit_count)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if changed and change.random() < changed:
            last = last + "-Nouveau"
        hire = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000))
        lines.append(
            [
                f"M{i:07d}",
                first,
                last,
                f"{first}.{last}.{i}@example.com".lower().replace("é", "e").replace("è", "e").replace("ï", "i"),
                f"M{(i - 1) // 8:07d}" if i else "",
                f"U{unit:05d}",
                f"Entité {unit}",
                parents[unit],
                rng.choice(["PAR", "LYS", "MTL", "NAN", "LIL"]),
                f"JOB{unit % 40:02d}",
                f"Métier {unit % 40}",
                hire.strftime("%d/%m/%Y") if i % 2 else hire.isoformat(),
                "en" if i % 7 == 0 else "fr",
                "1",
                rng.choice(["CDI", "CDD", "Alternance"]),
            ]
        )
    rng.shuffle(lines)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(lines)


class _Clock:
    """Wall and CPU time of a step (CPU time tells this process's work on a busy machine)."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def run(path: Path, actor: object) -> tuple[dict[str, _Clock], dict[str, int]]:
    from django.core.files import File

    from pilotage.people import imports

    times: dict[str, _Clock] = {}
    with _Clock() as times["upload check"], path.open("rb") as fh:
        imp = imports.people_import_create(actor=actor, uploaded_file=File(fh, name=path.name))
    with _Clock() as times["dry run"]:
        report = imports.people_import_validate(import_id=imp.pk)
    if report.errors:
        raise SystemExit(f"unexpected errors: {[str(e) for e in report.errors[:5]]}")
    with _Clock() as times["apply (check again + write)"]:
        summary = imports.people_import_apply(import_id=imp.pk, only_valid=False)
    return times, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    where = _setup()

    from pilotage.people.models import Employee, Role, Site, User
    from pilotage.people.services import role_assign

    for code, city, country in [("PAR", "Paris", "FR"), ("LYS", "Lyon", "FR"), ("MTL", "Montréal", "CA")]:
        Site.objects.get_or_create(code=code, defaults={"name": city, "city": city, "country": country})
    for code, city in [("NAN", "Nantes"), ("LIL", "Lille")]:
        Site.objects.get_or_create(code=code, defaults={"name": city, "city": city, "country": "FR"})
    dlm, created = User.objects.get_or_create(email="bench-dlm@example.com", defaults={"display_name": "Bench DLM"})
    if created:
        role_assign(actor="bench", user=dlm, role=Role.DLM)

    workdir = Path(tempfile.mkdtemp(prefix="pilotage-bench-files-", dir="/tmp"))
    first, second = workdir / "hris.csv", workdir / "hris-changed.csv"
    generate(first, args.rows, seed=args.seed)
    generate(second, args.rows, seed=args.seed, changed=0.10)
    size = first.stat().st_size / 1e6
    print(f"HRIS import benchmark: {args.rows:,} rows ({size:.1f} MB CSV) on {where}")
    before = Employee.objects.count()
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores: above 2, other work shares the CPU)")
    for label, path in (("first import (all new)", first), ("re-import, 10 % changed", second)):
        times, summary = run(path, dlm)
        print(f"\n{label}: {summary}")
        print(f"  {'step':<28} {'wall':>8} {'cpu':>8} {'rows/s (wall)':>15}")
        for name, clock in times.items():
            print(f"  {name:<28} {clock.wall:7.2f}s {clock.cpu:7.2f}s {args.rows / clock.wall:>15,.0f}")
        wall = sum(c.wall for c in times.values())
        cpu = sum(c.cpu for c in times.values())
        print(f"  {'total':<28} {wall:7.2f}s {cpu:7.2f}s {args.rows / wall:>15,.0f}")
    print(f"\nemployees: {before:,} -> {Employee.objects.count():,}")


if __name__ == "__main__":
    main()
