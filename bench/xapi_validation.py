"""Benchmark: xAPI statement validation (pure Python, no database).

    .venv/bin/python bench/xapi_validation.py [--statements 1000] [--runs 20]

Validates a batch of typical statements (a cmi5-like mix: launched, initialized, answered
with a choice interaction, completed with score and duration, attended with instructor and
team) through ``validate_statements`` as the statements resource does, and prints the best
and median time per batch and statements per second. The promise: 1,000 typical statements
in well under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pilotage.lrs.validation import validate_statements  # noqa: E402

BUDGET_MS = 100.0
COURSE = "https://lms.example.com/courses/fire-safety"
AU = COURSE + "/au/1"


def _statement(i: int) -> dict[str, Any]:
    actor = {
        "objectType": "Agent",
        "name": f"Learner {i % 500}",
        "account": {"homePage": "https://lms.example.com", "name": f"u{i % 500}"},
    }
    context: dict[str, Any] = {
        "registration": str(uuid.UUID(int=i % 2000 + 1)),
        "contextActivities": {
            "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5", "objectType": "Activity"}],
            "grouping": [{"id": COURSE, "objectType": "Activity"}],
        },
        "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": f"s-{i}"},
    }
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "object": {
            "id": AU,
            "objectType": "Activity",
            "definition": {"name": {"en-US": "Fire safety"}, "type": "http://adlnet.gov/expapi/activities/lesson"},
        },
        "context": context,
        "timestamp": f"2024-03-01T09:{i % 60:02d}:00.{i % 1000:03d}Z",
    }
    kind = i % 5
    if kind == 0:
        statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/launched", "display": {"en-US": "launched"}}
    elif kind == 1:
        statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/initialized", "display": {"en-US": "initialized"}}
    elif kind == 2:
        statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}
        statement["object"] = {
            "id": f"{AU}/q{i % 10}",
            "definition": {
                "description": {"en-US": "Which extinguisher for an electrical fire?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["co2"],
                "choices": [
                    {"id": "water", "description": {"en-US": "Water"}},
                    {"id": "co2", "description": {"en-US": "CO2"}},
                ],
            },
        }
        statement["result"] = {"response": "co2", "success": True}
        context["contextActivities"]["parent"] = [{"id": AU}]
    elif kind == 3:
        statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
        statement["result"] = {
            "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "duration": "PT12M30.5S",
        }
    else:
        statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}}
        context["instructor"] = {"name": "Paul Durand", "mbox": "mailto:paul.durand@example.com"}
        context["team"] = {
            "objectType": "Group",
            "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}],
        }
        context["platform"] = "Classroom"
        context["language"] = "fr-FR"
    return statement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    batch = [_statement(i) for i in range(args.statements)]
    for version in ("2.0.0", "1.0.x"):
        validate_statements(batch, version=version)  # warm the language-tag cache
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            validate_statements(batch, version=version)
            timings.append((time.perf_counter() - start) * 1000)
        best, median = min(timings), statistics.median(timings)
        rate = args.statements / (median / 1000)
        verdict = "OK" if median * 1000 / args.statements <= BUDGET_MS else "OVER BUDGET"
        print(
            f"xAPI {version}: {args.statements} statements, best {best:.1f} ms, median {median:.1f} ms "
            f"({rate:,.0f} statements/s) — budget {BUDGET_MS:.0f} ms per 1,000: {verdict}"
        )


if __name__ == "__main__":
    main()
