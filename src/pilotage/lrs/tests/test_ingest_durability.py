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

import json
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


def _child_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # always the SQLite file
    env.update(
        DJANGO_SETTINGS_MODULE="pilotage.config.settings",
        PILOTAGE_VAR_DIR=str(var_dir),
        PILOTAGE_ENV="development",
        DEBUG="false",
        PYTHONPATH=str(SRC),
    )
    return env


def _child(var_dir: Path, marker: Path, mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker), mode, str(BATCH)],
        env=_child_env(var_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _runs_to_the_end(child: subprocess.Popen[bytes], marker: Path) -> None:
    """Wait for ``child`` (killed past ``DEADLINE``): it stored its batch and ended well."""
    try:
        _, err = child.communicate(timeout=DEADLINE)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=DEADLINE)
    assert child.returncode == 0, err.decode()[-2000:]
    assert marker.read_text() == "done"


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
    # The killed child held its writer's turn (0041): the kernel released it with the process.
    import fcntl

    with open(tmp_path / "pilotage.sqlite3-ingest-lock") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held

    # The same file takes the same batch to the end afterwards: all of it, once.
    marker.unlink()
    _runs_to_the_end(_child(tmp_path, marker, "run"), marker)
    assert _counts(database) == (BATCH, BATCH, BATCH, BATCH)  # one reference each: the parent


@pytest.mark.django_db
def test_sqlite_connections_checkpoint_every_100000_pages() -> None:
    """Decision 0040: the write-ahead log is copied into the database every 100,000 pages
    (not SQLite's 1,000), and each connection keeps up to 64 MB of pages (not 2 MB), on every
    connection the settings open."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 100_000
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == -65_536  # 64 MB of pages (0040, revised)


def _waiting_on_flock(pid: int) -> bool:
    """Whether process ``pid`` is blocked on a ``flock`` (``/proc/locks`` lists waiters with
    ``->``)."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and str(pid) in fields:
            return True
    return False


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads /proc/locks (Linux)")
def test_sqlite_batches_take_their_turn_on_the_ingest_lock_file(tmp_path: Path) -> None:
    """Decision 0041: on a SQLite file, a batch waits for its turn on an exclusive ``flock``
    of ``<database>-ingest-lock`` (woken by the kernel, not by SQLite's busy sleeps), taken
    before its transaction opens and released after it commits."""
    import fcntl

    lock_file = tmp_path / "pilotage.sqlite3-ingest-lock"
    marker = tmp_path / "done"
    with open(lock_file, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # someone else's turn
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(marker), "run", "50"],
            env=_child_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + DEADLINE
            while not _waiting_on_flock(child.pid):
                if child.poll() is not None:
                    raise AssertionError(
                        f"the child did not wait for its turn: {child.communicate()[1].decode()[-2000:]}"
                    )
                assert time.monotonic() < deadline, "the child never queued for its turn"
                time.sleep(0.05)
            assert _counts(tmp_path / "pilotage.sqlite3")[0] == 0  # it waits, nothing stored
        except BaseException:
            child.kill()
            child.wait(timeout=DEADLINE)
            raise
    # The turn released (file closed): the batch goes through.
    _runs_to_the_end(child, marker)
    assert _counts(tmp_path / "pilotage.sqlite3")[0] == 50


@pytest.mark.django_db
def test_the_turn_falls_back_to_sqlite_s_queue_without_a_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0041: when the lock file cannot be opened (a read-only directory, another owner), a
    batch still goes through, queueing in SQLite as before."""
    from django.db import connections

    from pilotage.lrs import services

    connection = connections["default"]  # the wrapper itself, not the proxy (monkeypatch)
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite mechanism")
    monkeypatch.setattr(connection, "in_atomic_block", False)
    monkeypatch.setattr(connection.creation, "is_in_memory_db", lambda name: False)
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "missing-dir" / "db.sqlite3"))
    with services._writer_turn():
        entered = True
    assert entered
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "db.sqlite3"))
    import fcntl

    with services._writer_turn():
        lock_file = tmp_path / "db.sqlite3-ingest-lock"
        with open(lock_file) as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # taken by the turn
    with open(lock_file) as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released after it


SYNC_CHILD = """
import fcntl, json, os, sqlite3, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from pilotage.lrs.services import statement_store

database = connection.settings_dict["NAME"]
calls = []
fdatasync = os.fdatasync

def recording(fd):
    with open(database + "-ingest-lock") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            turn_released = True
        except BlockingIOError:
            turn_released = False
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT COUNT(*) FROM lrs_statement").fetchone()[0]
    calls.append({"file": os.readlink(f"/proc/self/fd/{fd}"), "turn_released": turn_released, "stored": stored})
    fdatasync(fd)

os.fdatasync = recording
statement_store(
    statements=[{"actor": {"mbox": "mailto:ada@example.com"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                 "object": {"id": "https://courses.example.com/c1"}} for _ in range(20)],
    client=None,
    version="1.0.3",
)
print(json.dumps(calls))
"""


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc/self/fd (Linux)")
def test_sqlite_batches_are_flushed_to_disk_after_their_turn(tmp_path: Path) -> None:
    """Decision 0042: on a SQLite file, once a batch is committed and its turn released,
    the write-ahead log is flushed to disk (``fdatasync``) before ``statement_store``
    returns, so that an acknowledged batch survives a power loss."""
    child = subprocess.run(
        [sys.executable, "-c", SYNC_CHILD],
        env=_child_env(tmp_path),
        capture_output=True,
        timeout=DEADLINE,
        check=False,
    )
    assert child.returncode == 0, child.stderr.decode()[-2000:]
    calls = json.loads(child.stdout.decode().strip().splitlines()[-1])
    assert calls == [
        {"file": str(tmp_path / "pilotage.sqlite3-wal"), "turn_released": True, "stored": 20},
    ]
