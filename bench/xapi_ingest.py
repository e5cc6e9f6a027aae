"""Benchmark of xAPI ingest (first version): N statements (default 20,000) in batches of
1,000, projections included, through the service (``statement_store``) and through the
HTTP resource (POST /xapi/statements with Django's test client: authentication, JSON
parsing, validation, storage, response). Prints statements/s overall and for the first and
last tenth of each run (the store grows during the run).

    .venv/bin/python bench/xapi_ingest.py [--statements N] [--batch 1000] [--path service|http|both]

Runs on a throwaway SQLite database under /tmp unless DATABASE_URL is set (then use an
empty, disposable PostgreSQL database: the rows are written there).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

VERBS = ["launched", "initialized", "progressed", "completed", "passed", "failed", "experienced", "terminated"]
V = "http://adlnet.gov/expapi/verbs/"


def _setup() -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "pilotage.config.settings"
    os.environ.setdefault("DEBUG", "false")  # no query log in memory
    if not os.environ.get("DATABASE_URL"):
        # Set before django.setup(): the settings put the SQLite file under PILOTAGE_VAR_DIR.
        os.environ["PILOTAGE_VAR_DIR"] = tempfile.mkdtemp(prefix="pilotage-bench-xapi-", dir="/tmp")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return f"{connection.vendor} ({os.environ.get('PILOTAGE_VAR_DIR', 'DATABASE_URL')})"


def _statement(rng: random.Random, learners: int, activities: int) -> dict[str, Any]:
    """A believable statement: a learner of the company, a module of a course, a result on
    completions, a registration per (learner, course) attempt."""
    learner = rng.randrange(learners)
    course = rng.randrange(activities // 10 or 1)
    module = rng.randrange(10)
    verb = rng.choice(VERBS)
    stmt: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent", "name": f"Learner {learner}", "mbox": f"mailto:learner{learner}@example.com"},
        "verb": {"id": V + verb, "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": f"https://courses.example.com/c{course}/m{module}",
            "definition": {
                "name": {"en-US": f"Course {course} module {module}"},
                "type": "http://adlnet.gov/expapi/activities/module",
            },
        },
        "context": {
            "registration": str(uuid.UUID(int=learner * 1000 + course, version=4)),
            "contextActivities": {"parent": [{"id": f"https://courses.example.com/c{course}"}]},
            "platform": "Bench",
        },
        "timestamp": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:00Z",
    }
    if verb in ("completed", "passed", "failed"):
        stmt["result"] = {
            "score": {"scaled": round(rng.random(), 2)},
            "success": verb != "failed",
            "completion": verb != "failed",
            "duration": f"PT{rng.randint(1, 90)}M{rng.randint(0, 59)}S",
        }
    return stmt


Timing = tuple[int, float, float]  # statements, wall seconds, CPU seconds of this process


def _report(label: str, timings: list[Timing]) -> None:
    """Wall-clock rates, and CPU-time rates (SQLite runs in this process: its CPU time is
    the work itself, less sensitive to other load on a shared machine than wall time)."""
    tenth = max(1, len(timings) // 10)
    first, last = timings[:tenth], timings[-tenth:]

    def rate(part: list[Timing], index: int) -> float:
        return sum(t[0] for t in part) / sum(t[index] for t in part)

    for name, index in (("wall", 1), ("cpu", 2)):
        total = sum(t[index] for t in timings)
        print(
            f"{label:8} {name:4} {sum(t[0] for t in timings):>8,} statements in {total:6.1f} s: "
            f"{rate(timings, index):8,.0f}/s overall, first tenth {rate(first, index):8,.0f}/s, "
            f"last tenth {rate(last, index):8,.0f}/s ({rate(last, index) / rate(first, index):.0%})"
        )


def run_service(batches: list[list[dict[str, Any]]], client: Any) -> list[Timing]:
    from pilotage.lrs.services import statement_store

    timings = []
    for batch in batches:
        start, cpu = time.perf_counter(), time.process_time()
        statement_store(statements=batch, client=client, version="1.0.3")
        timings.append((len(batch), time.perf_counter() - start, time.process_time() - cpu))
    return timings


def run_http(batches: list[list[dict[str, Any]]], key: str, secret: str) -> list[Timing]:
    import base64

    from django.test import Client

    http = Client()
    headers = {
        "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
        "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3",
    }
    timings = []
    for batch in batches:
        body = json.dumps(batch)
        start, cpu = time.perf_counter(), time.process_time()
        response = http.post("/xapi/statements", body, content_type="application/json", **headers)
        timings.append((len(batch), time.perf_counter() - start, time.process_time() - cpu))
        if response.status_code != 200:
            raise SystemExit(f"POST failed: {response.status_code} {response.content[:300]!r}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--activities", type=int, default=300)
    parser.add_argument("--path", choices=["service", "http", "both"], default="both")
    args = parser.parse_args()

    where = _setup()
    from pilotage.lrs.http import hash_secret
    from pilotage.lrs.models import LearnerProgress, LrsClient, Statement

    client = LrsClient.objects.create(
        name="bench", key="bench", secret_hash=hash_secret("bench-secret"), scopes=["all"]
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"database: {where}; {args.statements:,} statements per path, batches of {args.batch:,}")
    rng = random.Random(42)

    def batches() -> list[list[dict[str, Any]]]:
        items = [_statement(rng, args.learners, args.activities) for _ in range(args.statements)]
        return [items[i : i + args.batch] for i in range(0, len(items), args.batch)]

    if args.path in ("service", "both"):
        _report("service", run_service(batches(), client))
    if args.path in ("http", "both"):
        _report("http", run_http(batches(), "bench", "bench-secret"))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"stored: {Statement.objects.count():,} statements, {LearnerProgress.objects.count():,} progress rows")


if __name__ == "__main__":
    main()
