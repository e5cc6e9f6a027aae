"""Voided statements count nowhere: voiding takes them back out of the progress and the
daily counts, and ``pilotage lrs-recompute`` rebuilds both from the statements."""

from __future__ import annotations

import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from pilotage.core.models import Job
from pilotage.lrs import projections
from pilotage.lrs.models import DailyActivity, LearnerProgress
from pilotage.lrs.services import statement_store

pytestmark = pytest.mark.django_db

V = "http://adlnet.gov/expapi/verbs/"
COURSE = "https://courses.example/safety"


def _stmt(cast: Any, verb: str, *, score: float | None = None, ts: str = "2026-03-02T10:00:00Z", **kw: Any) -> dict:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:{cast.employees['learner'].email}"},
        "verb": {"id": V + verb},
        "object": {"id": COURSE},
        "timestamp": ts,
        **kw,
    }
    if score is not None:
        statement["result"] = {"score": {"scaled": score}, "duration": "PT10M"}
    return statement


def _void(target: str) -> dict:
    return {
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": {"id": V + "voided"},
        "object": {"objectType": "StatementRef", "id": target},
    }


def _store(*statements: dict) -> None:
    statement_store(statements=list(statements), client=None, version="2.0.0")


def _progress() -> LearnerProgress:
    return LearnerProgress.objects.get(activity__iri=COURSE)


def _daily_total() -> int:
    return sum(DailyActivity.objects.values_list("count", flat=True))


def test_voiding_a_stored_statement_rebuilds_its_progress(cast: Any) -> None:
    launched = _stmt(cast, "launched", ts="2026-03-01T09:00:00Z")
    passed = _stmt(cast, "passed", score=0.9, ts="2026-03-02T10:00:00Z")
    failed = _stmt(cast, "failed", score=0.4, ts="2026-03-03T10:00:00Z")
    _store(launched, passed, failed)
    before = _progress()
    assert (before.success, before.best_score, before.statement_count) == (True, 0.9, 3)
    assert before.completed_at is not None
    assert _daily_total() == 3

    _store(_void(passed["id"]))

    after = _progress()
    assert after.success is False  # the pass was a mistake: the remaining verdict is the failure
    assert after.best_score == 0.4
    assert after.completed_at is None
    assert after.statement_count == 2
    assert after.time_spent_seconds == 600
    assert after.first_launch == before.first_launch
    # the voiding statement itself counts once in the daily counts (no activity), the pass no more
    assert _daily_total() == 3
    assert not DailyActivity.objects.filter(verb__iri=V + "passed").exists()


def test_voiding_every_statement_of_a_key_removes_its_progress(cast: Any) -> None:
    only = _stmt(cast, "completed")
    _store(only)
    _store(_void(only["id"]))
    assert not LearnerProgress.objects.filter(activity__iri=COURSE).exists()


def test_a_statement_stored_after_its_voiding_counts_nowhere(cast: Any) -> None:
    late = _stmt(cast, "passed", score=1.0)
    _store(_void(late["id"]))
    _store(late)
    assert not LearnerProgress.objects.filter(activity__iri=COURSE).exists()
    assert not DailyActivity.objects.filter(verb__iri=V + "passed").exists()


def test_void_and_new_statement_of_the_same_key_in_one_batch(cast: Any) -> None:
    wrong = _stmt(cast, "passed", score=1.0)
    _store(wrong)
    right = _stmt(cast, "failed", score=0.2)
    _store(_void(wrong["id"]), right)
    progress = _progress()
    assert (progress.statement_count, progress.success, progress.best_score) == (1, False, 0.2)


def test_recompute_rebuilds_the_same_projections(cast: Any) -> None:
    statements = [_stmt(cast, v, score=s) for v, s in [("launched", None), ("failed", 0.3), ("passed", 0.8)]]
    _store(*statements)
    _store(_void(statements[1]["id"]))
    expected_progress = list(LearnerProgress.objects.values_list("agent", "activity", "best_score", "statement_count"))
    expected_daily = sorted(DailyActivity.objects.values_list("day", "activity_key", "verb", "org_unit_key", "count"))
    LearnerProgress.objects.update(statement_count=999)
    DailyActivity.objects.all().delete()

    out = StringIO()
    call_command("lrs-recompute", "--no-progress", "--batch-size", "2", stdout=out)

    assert "3 statements replayed" in out.getvalue()  # 4 stored, 1 voided
    assert list(LearnerProgress.objects.values_list("agent", "activity", "best_score", "statement_count")) == (
        expected_progress
    )
    assert sorted(DailyActivity.objects.values_list("day", "activity_key", "verb", "org_unit_key", "count")) == (
        expected_daily
    )


def test_recompute_replays_only_handlers_that_can_reset(cast: Any) -> None:
    seen: list[int] = []
    projections.register("test.no_reset", lambda batch: seen.append(len(batch.statements)))
    try:
        _store(_stmt(cast, "completed"))
        assert seen == [1]
        call_command("lrs-recompute", "--no-progress", stdout=StringIO())
        assert seen == [1]
    finally:
        projections.unregister("test.no_reset")


def test_the_dlm_starts_a_recompute_from_the_web(
    cast: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _store(_stmt(cast, "completed"))
    LearnerProgress.objects.all().delete()
    client = login(cast.dlm)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/lrs/projections/recompute/")
    assert response.status_code == 302
    job = Job.objects.get(kind="lrs_recompute")
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["statements"] == 1
    assert LearnerProgress.objects.filter(activity__iri=COURSE).count() == 1
    page = client.get("/lrs/learners/unmatched/")
    assert "1 statements replayed" in page.content.decode()
