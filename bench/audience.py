"""Benchmark: an audience's count + first page (20) at 100,000 employees.

    .venv/bin/python bench/audience.py [--employees 100000] [--runs 5]

SQLite by default, in a throwaway file under a temporary directory (PILOTAGE_VAR_DIR is
set before Django starts); with DATABASE_URL=postgres://… it runs in a throwaway test
database on that server (created and dropped here). The promise (docs/performance.md):
count + first page under 200 ms for each audience.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

BUDGET_MS = 200.0


def _setup() -> tuple[str, bool]:
    var_dir = tempfile.mkdtemp(prefix="pilotage-bench-")
    os.environ["PILOTAGE_VAR_DIR"] = var_dir  # before settings: the SQLite file goes there
    os.environ["DJANGO_SETTINGS_MODULE"] = "pilotage.config.settings"
    os.environ.setdefault("PILOTAGE_ENV", "development")
    os.environ.setdefault("DEBUG", "false")  # no query log in memory
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return var_dir, False
    # A server database: never touch its real data, use a throwaway test database.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return var_dir, True


def _generate(n: int, seed: int = 7) -> dict[str, Any]:
    """A 4-level org tree, 8 sites, 30 job roles and ``n`` employees, with bulk inserts."""
    from pilotage.people.models import Employee, JobRole, OrgUnit, Site

    rng = random.Random(seed)
    units: list[OrgUnit] = []
    next_id = 1

    def unit(parent: OrgUnit | None, code: str) -> OrgUnit:
        nonlocal next_id
        pk = next_id
        next_id += 1
        path = f"{parent.path if parent else '/'}{pk}/"
        u = OrgUnit(pk=pk, code=code, name=f"Unit {code}", parent=parent, path=path, depth=path.count("/") - 2)
        units.append(u)
        return u

    root = unit(None, "GRP")
    divisions = [unit(root, f"D{d}") for d in range(8)]
    departments = [unit(div, f"{div.code}-{k}") for div in divisions for k in range(6)]
    teams = [unit(dep, f"{dep.code}-{t}") for dep in departments for t in range(5)]
    OrgUnit.objects.bulk_create(units, batch_size=1000)

    site_specs = [
        ("PAR", "Paris", "FR"),
        ("LYS", "Lyon", "FR"),
        ("LIL", "Lille", "FR"),
        ("NTE", "Nantes", "FR"),
        ("MTL", "Montréal", "CA"),
        ("BER", "Berlin", "DE"),
        ("MAD", "Madrid", "ES"),
        ("BRU", "Bruxelles", "BE"),
    ]
    sites = Site.objects.bulk_create(
        [Site(pk=i + 1, code=c, name=city, city=city, country=cc) for i, (c, city, cc) in enumerate(site_specs)]
    )
    roles = JobRole.objects.bulk_create(
        [JobRole(pk=i + 1, code=f"R{i:02}", name=f"Role {i:02}", family=f"F{i % 6}") for i in range(30)]
    )
    contracts = ["CDI"] * 7 + ["CDD", "Intérim", "Stage"]
    first_names = ["Claire", "Karim", "Julie", "Hugo", "Léa", "Sophie", "Marc", "Paul", "Inès", "Tom"]
    paths: dict[int, str] = {}
    batch: list[Employee] = []
    start = dt.date(1990, 1, 1)
    for pk in range(1, n + 1):
        manager = None if pk == 1 else (pk - 2) // 8 + 1  # an 8-ary management tree, ~6 levels
        paths[pk] = "" if manager is None else f"{paths[manager] or '/'}{manager}/"
        batch.append(
            Employee(
                pk=pk,
                employee_number=f"E{pk:07}",
                first_name=rng.choice(first_names),
                last_name=f"Nom{rng.randrange(20_000):05}",
                email=f"e{pk}@example.com",
                manager_id=manager,
                manager_path=paths[pk],
                org_unit_id=rng.choice(teams).pk,
                site_id=rng.choice(sites).pk,
                job_role_id=rng.choice(roles).pk,
                hire_date=start + dt.timedelta(days=rng.randrange(12_700)),
                language="en" if rng.random() < 0.2 else "fr",
                active=rng.random() < 0.95,
                attributes={"contract": rng.choice(contracts), "level": f"L{rng.randrange(1, 6)}"},
            )
        )
        if len(batch) == 5000:
            Employee.objects.bulk_create(batch)
            batch = []
    if batch:
        Employee.objects.bulk_create(batch)
    return {"root": root, "divisions": divisions, "departments": departments, "sites": sites, "roles": roles}


def _audiences(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    def rule(field: str, operator: str, value: Any) -> dict[str, Any]:
        return {"field": field, "operator": operator, "value": value}

    roles = [r.pk for r in data["roles"]]
    return [
        (
            "org unit subtree (1 division)",
            {"op": "and", "rules": [rule("org_unit", "in_subtree", [data["divisions"][2].pk])]},
        ),
        (
            "country FR + 3 job roles",
            {"op": "and", "rules": [rule("country", "in", ["FR"]), rule("job_role", "in", roles[:3])]},
        ),
        (
            "OR group (site, language, nested AND)",
            {
                "op": "or",
                "rules": [
                    rule("site", "in", [data["sites"][4].pk]),
                    rule("language", "in", ["en"]),
                    {
                        "op": "and",
                        "rules": [
                            rule("job_role", "in", roles[10:12]),
                            rule("hire_date", "between", {"from": "2020-01-01"}),
                        ],
                    },
                ],
            },
        ),
        ("manager chain (a level-2 manager, ~1/3)", {"op": "and", "rules": [rule("manager", "chain", 3)]}),
        (
            "attribute contract in (CDD, Stage)",
            {"op": "and", "rules": [rule("attribute", "in", {"key": "contract", "values": ["CDD", "Stage"]})]},
        ),
        (
            "hire date 2015–2018",
            {"op": "and", "rules": [rule("hire_date", "between", {"from": "2015-01-01", "to": "2018-12-31"})]},
        ),
        ("everyone (root subtree)", {"op": "and", "rules": [rule("org_unit", "in_subtree", [data["root"].pk])]}),
        (
            "attribute with no match",
            {"op": "and", "rules": [rule("attribute", "equals", {"key": "contract", "value": "none"})]},
        ),
        (
            "narrow: 1 department + CDD",
            {
                "op": "and",
                "rules": [
                    rule("org_unit", "in_subtree", [data["departments"][5].pk]),
                    rule("attribute", "equals", {"key": "contract", "value": "CDD"}),
                ],
            },
        ),
    ]


def _users(data: dict[str, Any]) -> dict[str, Any]:
    from pilotage.people import services
    from pilotage.people.models import Role, User

    dlm = User.objects.create_user("bench-dlm@example.com", "x" * 12)
    services.role_assign(actor="bench", user=dlm, role=Role.DLM)
    client = User.objects.create_user("bench-client@example.com", "x" * 12)
    services.role_assign(actor="bench", user=client, role=Role.CLIENT, org_units=[data["divisions"][2]])
    return {"DLM (all)": dlm, "client (1 division)": client}


def _time(fn: Any, runs: int) -> tuple[float, Any]:
    fn()  # warm-up, not counted
    samples, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    var_dir, server_db = _setup()
    from django.db import connection

    from pilotage.people.audiences import PREVIEW_SIZE, audience_members, members_page, order_members
    from pilotage.people.models import Audience, Employee

    try:
        t0 = time.perf_counter()
        data = _generate(args.employees)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"{connection.vendor}: generated {Employee.objects.count():,} employees in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        users = _users(data)
        rows = []
        for name, rules in _audiences(data):
            audience = Audience.objects.create(name=name, rules=rules)
            audience.included.set([10, 20, 30])
            audience.excluded.set([3, 40])
            for who, user in users.items():

                def count(audience: Audience = audience, user: Any = user) -> int:
                    return audience_members(audience, user=user).count()

                known = audience_members(audience, user=user).count()

                def page(audience: Audience = audience, user: Any = user, known: int = known) -> list[Any]:
                    qs = order_members(audience_members(audience, user=user), count=known)
                    return list(qs[:PREVIEW_SIZE])

                def both(audience: Audience = audience, user: Any = user) -> int:
                    # What the API, the detail page and the preview do: count, then the page.
                    return members_page(audience_members(audience, user=user), limit=PREVIEW_SIZE)[0]

                count_ms, members = _time(count, args.runs)
                page_ms, _page = _time(page, args.runs)
                total_ms, _n = _time(both, args.runs)
                rows.append((name, who, members, count_ms, page_ms, total_ms))

        print()
        header = "| audience | viewer | members | count ms | first page ms | count + page ms |"
        print(header)
        print("|---|---|---:|---:|---:|---:|")
        worst = 0.0
        for name, who, members, count_ms, page_ms, total_ms in rows:
            worst = max(worst, total_ms)
            flag = "" if total_ms <= BUDGET_MS else " ⚠"
            print(f"| {name} | {who} | {members:,} | {count_ms:.1f} | {page_ms:.1f} | {total_ms:.1f}{flag} |")
        print()
        print(
            f"median of {args.runs} runs after one warm-up; worst count + page: {worst:.1f} ms (budget {BUDGET_MS:.0f} ms)"
        )
        return 0 if worst <= BUDGET_MS else 1
    finally:
        if server_db:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        connection.close()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
