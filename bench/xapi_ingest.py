"""Benchmark of xAPI ingest and statement queries (issue 3's targets).

    .venv/bin/python bench/xapi_ingest.py [--total 1000000] [--workers 4] [--path http|service]
    bash scripts/with-postgres.sh .venv/bin/python bench/xapi_ingest.py --total 1000000

1. **Growth**: ``--total`` statements (default 1,000,000) in batches of 1,000, posted by
   ``--workers`` processes (default 4; each its own database connection), through the
   HTTP resource (POST /xapi/statements with Django's test client: Basic authentication,
   strict JSON parsing, validation, storage, projections, answer) or the service
   (``--path service``). Reported: statements/s overall and for the first and last tenth
   of the statements (the store grows from 0 to ``--total`` during the run).
2. **Queries** at the final size: GET /xapi/statements filtered by agent, verb, activity
   or registration, with ``since`` and ``limit=100`` (``since`` at the middle of the run:
   most statements match; and ``since`` at 99 %: few match), median and 95th percentile.
3. **Matrix** after that: batches of 1, 100 and 1,000 at concurrency 1 and 4 (processes);
   the median and 95th percentile latency of a single-statement POST.

The load generator runs on the same machine: each worker builds a few batch texts before
the clock starts and posts them again with fresh statement ids (``%s`` slots), so making a
request costs almost nothing beside the server's work. Statements are believable: 2,000
learners by e-mail, 300 module activities under 30 courses, 8 verbs, a registration per
learner and course, a parent context activity, results with score and duration on
completions.

Runs on a throwaway SQLite database under /tmp unless DATABASE_URL is set (then use an
empty, disposable PostgreSQL database: the rows are written there).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import statistics
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
LEARNERS = 2_000
ACTIVITIES = 300
KEY, SECRET = "bench", "bench-secret"
HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode(),
    "X-Experience-API-Version": "1.0.3",
}


def _setup() -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "pilotage.config.settings"
    os.environ.setdefault("DEBUG", "false")  # no query log in memory
    if not os.environ.get("DATABASE_URL") and not os.environ.get("PILOTAGE_VAR_DIR"):
        # Set before django.setup(): the settings put the SQLite file under PILOTAGE_VAR_DIR.
        # (Not setdefault: its argument, a new directory, would be made even when unused.)
        os.environ["PILOTAGE_VAR_DIR"] = tempfile.mkdtemp(prefix="pilotage-bench-xapi-", dir="/tmp")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return f"{connection.vendor} ({os.environ.get('PILOTAGE_VAR_DIR', 'DATABASE_URL')})"


# "year": timestamps spread over 2024 (a replay of a year, as in every round so far: the
# daily counts then touch a random day per statement); "recent": within the last three days
# (live traffic: the daily counts touch a few days).
TIMESTAMPS = "year"


def _timestamp(rng: random.Random) -> str:
    if TIMESTAMPS == "recent":
        moment = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=rng.randint(0, 3 * 86_400))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:00Z"
    )


def _statement(rng: random.Random) -> dict[str, Any]:
    learner = rng.randrange(LEARNERS)
    course = rng.randrange(ACTIVITIES // 10)
    module = rng.randrange(10)
    verb = rng.choice(VERBS)
    stmt: dict[str, Any] = {
        "id": "@ID@",
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
        "timestamp": _timestamp(rng),
    }
    if verb in ("completed", "passed", "failed"):
        stmt["result"] = {
            "score": {"scaled": round(rng.random(), 2)},
            "success": verb != "failed",
            "completion": verb != "failed",
            "duration": f"PT{rng.randint(1, 90)}M{rng.randint(0, 59)}S",
        }
    return stmt


def _templates(seed: int, size: int, count: int) -> list[str]:
    """Batch texts with a ``%s`` slot for each statement id."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = json.dumps([_statement(rng) for _ in range(size)]).replace("%", "%%").replace('"@ID@"', '"%s"')
        out.append(text if size > 1 else text[1:-1])  # a batch of 1: the statement object alone
    return out


def _worker(seed: int, size: int, batches: int, path: str, start: Any, out: Any) -> None:
    """Post ``batches`` batches of ``size``; send back (end time, statements, latency) per
    batch, or the error text (so that the parent does not wait for ever)."""
    from django.db import connection
    from django.test import Client

    from pilotage.lrs.models import LrsClient
    from pilotage.lrs.services import statement_store

    templates = _templates(seed, size, min(batches, 20))
    client = LrsClient.objects.get(key=KEY)
    http = Client()
    records = []
    # Warm up outside the clock: database connection, URL resolver, authentication.
    assert http.get("/xapi/statements", {"limit": "1"}, headers=HEADERS).status_code == 200
    start.wait()
    try:
        for number in range(batches):
            body = templates[number % len(templates)] % tuple(str(uuid.uuid4()) for _ in range(size))
            began = time.monotonic()
            if path == "http":
                response = http.post("/xapi/statements", body, content_type="application/json", headers=HEADERS)
                if response.status_code != 200:
                    raise RuntimeError(f"POST failed: {response.status_code} {response.content[:300]!r}")
            else:
                data = json.loads(body)
                statement_store(statements=data if isinstance(data, list) else [data], client=client, version="1.0.3")
            ended = time.monotonic()
            records.append((ended, size, ended - began))
    except Exception as exc:
        out.put(f"worker {seed} failed: {exc!r}"[:2000])
        return
    connection.close()
    out.put(records)


def _ingest(size: int, total: int, workers: int, path: str, seed: int) -> list[tuple[float, int, float]]:
    """Run ``workers`` processes posting ``total`` statements in batches of ``size``;
    the per-batch records of all, sorted by end time, the start time first."""
    from django.db import connections

    connections.close_all()  # each process opens its own connection
    ctx = mp.get_context("fork")
    start = ctx.Barrier(workers + 1)
    out = ctx.Queue()
    batches = total // size
    share = [batches // workers + (1 if i < batches % workers else 0) for i in range(workers)]
    procs = [
        ctx.Process(target=_worker, args=(seed * 100 + i, size, share[i], path, start, out)) for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    start.wait()
    began = time.monotonic()
    records: list[tuple[float, int, float]] = []
    for _ in procs:
        got = out.get()
        if isinstance(got, str):
            for proc in procs:
                proc.terminate()
            raise SystemExit(got)
        records += got
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"a worker failed ({proc.exitcode})")
    records.sort()
    return [(began, 0, 0.0), *records]


def _rates(records: list[tuple[float, int, float]]) -> tuple[float, float, float]:
    """Overall, first-tenth and last-tenth statements/s of a run."""
    began = records[0][0]
    rows = records[1:]
    total = sum(n for _, n, _ in rows)
    tenth = total / 10
    done, t_first, t_last_start = 0, rows[-1][0], began
    for ended, n, _ in rows:
        if done < tenth <= done + n:
            t_first = ended
        if done < total - tenth <= done + n:
            t_last_start = ended
        done += n
    end = rows[-1][0]
    if t_first <= began or end <= t_last_start:  # too few batches to cut tenths
        return total / (end - began), float("nan"), float("nan")
    first = (sum(n for e, n, _ in rows if e <= t_first)) / (t_first - began)
    last = (sum(n for e, n, _ in rows if e > t_last_start)) / (end - t_last_start)
    return total / (end - began), first, last


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


def _queries(rounds: int) -> None:
    from django.test import Client

    from pilotage.lrs.models import Statement

    http = Client()
    top = Statement.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = sorted(Statement.objects.values_list("id", flat=True)[:1]) + [top]
    rng = random.Random(5)

    def stored_at(fraction: float) -> str:
        row = Statement.objects.filter(id__gte=ids[0] + int((top - ids[0]) * fraction)).order_by("id").first()
        assert row is not None
        return row.stored.isoformat()

    sample = list(
        Statement.objects.filter(id__in=[rng.randint(ids[0], top) for _ in range(rounds * 2)]).values_list(
            "registration", flat=True
        )
    )
    registrations = [str(r) for r in sample if r]

    def value(kind: str) -> dict[str, str]:
        if kind == "agent":
            return {"agent": json.dumps({"mbox": f"mailto:learner{rng.randrange(LEARNERS)}@example.com"})}
        if kind == "verb":
            return {"verb": V + rng.choice(VERBS)}
        if kind == "activity":
            c, m = rng.randrange(ACTIVITIES // 10), rng.randrange(10)
            return {"activity": f"https://courses.example.com/c{c}/m{m}"}
        return {"registration": rng.choice(registrations)}

    for label, fraction in (("since at 50 %", 0.5), ("since at 99 %", 0.99)):
        since = stored_at(fraction)
        for kind in ("agent", "verb", "activity", "registration"):
            times, found = [], []
            for _ in range(rounds):
                params = {**value(kind), "since": since, "limit": "100"}
                began = time.perf_counter()
                response = http.get("/xapi/statements", params, headers=HEADERS)
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, response.content[:300]
                found.append(len(response.json()["statements"]))
            print(
                f"GET {kind:12} {label}: {_ms(times)} "
                f"({statistics.mean(found):.0f} statements a page on average, {rounds} queries)"
            )


def _grow(target: int, gap: int) -> None:
    """Copy the stored statements (and their references) in SQL until the store holds
    ``target``: fresh ids and statement ids, ``stored`` shifted after the previous copy, the
    same learners, verbs, activities and registrations. Only for measuring queries at a size
    the ingest run would take hours to reach; the projections are not copied."""
    from django.db import connection, transaction
    from django.db.models import Max, Min

    from pilotage.lrs.models import Statement

    base = Statement.objects.count()
    bounds = Statement.objects.aggregate(hi=Max("id"), first=Min("stored"), last=Max("stored"))
    # Each copy is stored ``gap`` seconds after the previous one ended: the ingest run packs a
    # million statements into a few minutes of ``stored`` time, which no real store does.
    span = max(1, int((bounds["last"] - bounds["first"]).total_seconds()) + 1) + gap
    columns = "timestamp, content_hash, actor_id, verb_id, activity_id, registration, voided_target, voided, "
    columns += "client_id, version, payload"
    copies = -(-target // base) - 1
    began = time.monotonic()
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-1048576")  # this connection only: 1 GiB of page cache
    for k in range(1, copies + 1):
        offset = k * (bounds["hi"] + 1)
        if sqlite:
            new_id = "lower(hex(randomblob(16)))"
            stored = f"strftime('%Y-%m-%d %H:%M:%f', stored, '+{k * span} seconds')"
        else:
            new_id, stored = "gen_random_uuid()", f"stored + interval '{k * span} seconds'"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO lrs_statement (id, statement_id, stored, {columns}) "
                f"SELECT id + {offset}, {new_id}, {stored}, {columns} "
                f"FROM lrs_statement WHERE id <= {bounds['hi']} ORDER BY id"
            )
            cursor.execute(
                "INSERT INTO lrs_statementref (statement_id, agent_id, activity_id) "
                f"SELECT statement_id + {offset}, agent_id, activity_id FROM lrs_statementref "
                f"WHERE statement_id <= {bounds['hi']}"
            )
        print(f"  copy {k}/{copies}: {base * (k + 1):,} statements, {time.monotonic() - began:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=1_000_000, help="statements of the growth run")
    parser.add_argument("--workers", type=int, default=4, help="processes of the growth run")
    parser.add_argument("--path", choices=["http", "service"], default="http")
    parser.add_argument("--matrix", type=int, default=20_000, help="statements per matrix run (batches ≥ 100)")
    parser.add_argument("--singles", type=int, default=1_000, help="requests per batch-of-1 run")
    parser.add_argument("--queries", type=int, default=50, help="queries per filter")
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: growth, matrix, queries")
    parser.add_argument(
        "--grow-to",
        type=int,
        default=0,
        help="after the growth run, copy its statements in SQL until the store holds this many "
        "(queries at 10 M without hours of ingest; see _grow)",
    )
    parser.add_argument(
        "--copy-gap",
        type=int,
        default=3600,
        help="seconds of stored time between two copies of --grow-to (default: %(default)s)",
    )
    parser.add_argument(
        "--timestamps",
        choices=["year", "recent"],
        default="year",
        help="statement timestamps over 2024 (a replay) or within the last three days (live traffic)",
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    global TIMESTAMPS
    TIMESTAMPS = args.timestamps

    where = _setup()
    from pilotage.lrs.http import hash_secret
    from pilotage.lrs.models import LearnerProgress, LrsClient, Statement

    LrsClient.objects.get_or_create(
        key=KEY, defaults={"name": "bench", "secret_hash": hash_secret(SECRET), "scopes": ["all"]}
    )
    print(
        f"database: {where}; path: {args.path}; timestamps: {TIMESTAMPS}; load average before: {os.getloadavg()[0]:.2f}"
    )

    if "growth" not in skip:
        began = time.monotonic()
        overall, first, last = _rates(_ingest(1_000, args.total, args.workers, args.path, seed=1))
        print(
            f"growth 0 -> {args.total:,}, batches of 1,000, {args.workers} workers: {overall:8,.0f}/s overall, "
            f"first tenth {first:8,.0f}/s, last tenth {last:8,.0f}/s ({last / first:.0%}), "
            f"{time.monotonic() - began:.0f} s"
        )
    if args.grow_to:
        print(f"growing the store to {args.grow_to:,} statements by copies in SQL, {args.copy_gap} s apart:")
        _grow(args.grow_to, args.copy_gap)
    if "queries" not in skip:
        print(f"queries at {Statement.objects.count():,} statements (limit=100):")
        _queries(args.queries)
    if "matrix" not in skip:
        print(f"matrix at {Statement.objects.count():,} statements:")
        for size in (1, 100, 1_000):
            for workers in (1, 4):
                total = args.singles if size == 1 else args.matrix
                records = _ingest(size, total, workers, args.path, seed=10 + size + workers)
                overall, _, _ = _rates(records)
                latency = f", POST latency {_ms([r[2] for r in records[1:]])}" if size == 1 else ""
                print(f"  batches of {size:>5,}, concurrency {workers}: {overall:8,.0f} statements/s{latency}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"stored: {Statement.objects.count():,} statements, {LearnerProgress.objects.count():,} progress rows")


if __name__ == "__main__":
    main()
