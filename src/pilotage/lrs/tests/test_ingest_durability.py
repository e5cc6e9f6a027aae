"""Nothing lost, nothing half-stored: a server killed (SIGKILL) in the middle of a batch
leaves the whole batch or none of it, and the projections agree with the statements.

A child process stores a batch of 5,000 statements through ``statement_store`` into a
SQLite file database (WAL, as in production). A projection handler registered in the child
writes a marker file and waits: at that moment the statements, their references and the
LRS's own projections are written but not committed. The test kills the child as soon as
the marker exists (no timing guess), then reads the file database: nothing of the batch is
there. A second child stores the same batch to the end on the same file: all of it is
there, once, and the projections count every statement.

No pytest-timeout plugin here: every wait has its own deadline (a stuck child fails the
test after ``DEADLINE`` seconds instead of hanging the suite).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3]
DEADLINE = 120.0
BATCH = 5_000

CHILD = """
import os, random, sys, time, uuid
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pilotage.lrs import projections
from pilotage.lrs.services import statement_store

marker = Path(sys.argv[1])
if sys.argv[2] == "pause":
    def pause(batch):
        # Inside the transaction: statements, references and progress written, not committed.
        marker.write_text(str(len(batch.statements)))
        time.sleep(600)
    projections.register("test.pause", pause)

rng = random.Random(7)
V = "http://adlnet.gov/expapi/verbs/"
statements = [
    {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"mbox": f"mailto:learner{i % 300}@example.com"},
        "verb": {"id": V + rng.choice(["launched", "completed", "passed", "experienced"])},
        "object": {"id": f"https://courses.example.com/c{i % 40}"},
        "context": {
            "registration": str(uuid.UUID(int=i % 500, version=4)),
            "contextActivities": {"parent": [{"id": "https://courses.example.com/programme"}]},
        },
        "result": {"duration": "PT1M", "score": {"scaled": 0.5}},
        "timestamp": "2025-03-01T10:00:00Z",
    }
    for i in range(int(sys.argv[3]))
]
statement_store(statements=statements, client=None, version="1.0.3")
marker.write_text("done")
"""


def _child(var_dir: Path, marker: Path, mode: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # always the SQLite file
    env.update(
        DJANGO_SETTINGS_MODULE="pilotage.config.settings",
        PILOTAGE_VAR_DIR=str(var_dir),
        PILOTAGE_ENV="development",
        DEBUG="false",
        PYTHONPATH=str(SRC),
    )
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker), mode, str(BATCH)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _counts(database: Path) -> tuple[int, int, int, int]:
    """Statements, references, statements counted by the progress projection and by the
    daily rollup, read with plain sqlite3 (WAL recovery included)."""
    with sqlite3.connect(database) as db:
        statements = db.execute("SELECT COUNT(*) FROM lrs_statement").fetchone()[0]
        refs = db.execute("SELECT COUNT(*) FROM lrs_statementref").fetchone()[0]
        progress = db.execute("SELECT COALESCE(SUM(statement_count), 0) FROM lrs_learnerprogress").fetchone()[0]
        daily = db.execute("SELECT COALESCE(SUM(count), 0) FROM lrs_dailyactivity").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    assert integrity == "ok"
    return statements, refs, progress, daily


def test_a_server_killed_mid_batch_leaves_all_or_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "inside-transaction"
    child = _child(tmp_path, marker, "pause")
    try:
        deadline = time.monotonic() + DEADLINE
        while not marker.exists():
            if child.poll() is not None:
                raise AssertionError(f"the child ended before the marker: {child.communicate()[1].decode()[-2000:]}")
            assert time.monotonic() < deadline, "the child never reached the projections"
            time.sleep(0.05)
        assert marker.read_text() == str(BATCH)  # the handler saw the whole batch, stored in the transaction
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=DEADLINE)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=DEADLINE)
    assert child.returncode == -signal.SIGKILL

    database = tmp_path / "pilotage.sqlite3"
    statements, refs, progress, daily = _counts(database)
    assert statements in (0, BATCH)
    assert (progress, daily) == (statements, statements)  # projections agree with the statements
    assert (statements, refs) == (0, 0)  # killed before the commit: none of it

    # The same file takes the same batch to the end afterwards: all of it, once.
    marker.unlink()
    child = _child(tmp_path, marker, "run")
    try:
        _, err = child.communicate(timeout=DEADLINE)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=DEADLINE)
    assert child.returncode == 0, err.decode()[-2000:]
    assert marker.read_text() == "done"
    assert _counts(database) == (BATCH, BATCH, BATCH, BATCH)  # one reference each: the parent


@pytest.mark.django_db
def test_sqlite_connections_checkpoint_every_30000_pages() -> None:
    """Decision 0040: the write-ahead log is copied into the database every 30,000 pages
    (not SQLite's 1,000), on every connection the settings open."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 30_000
