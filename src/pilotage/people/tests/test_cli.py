"""The ``pilotage`` console command and ``pilotage run``, without starting servers."""

from __future__ import annotations

import sys
import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from pilotage import cli
from pilotage.people import demo
from pilotage.people.management.commands import run
from pilotage.people.models import Employee


def test_cli_dispatches_to_django_commands(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # (db: the model checks ask SQLite whether it supports JSON fields.)
    cli.main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


def test_cli_lists_the_operator_commands(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["help"])
    out = capsys.readouterr().out
    for name in ("run", "worker", "demo", "migrate"):
        assert f"    {name}\n" in out


def test_run_options_are_parsed() -> None:
    parser = run.Command().create_parser("pilotage", "run")
    options = parser.parse_args(["--host", "0.0.0.0", "--port", "8765", "--no-demo"])
    assert (options.host, options.port, options.no_demo, options.demo_size) == ("0.0.0.0", 8765, True, "standard")
    defaults = parser.parse_args([])
    assert (defaults.host, defaults.port, defaults.no_demo) == ("127.0.0.1", 8000, False)


def test_child_commands_are_the_web_server_and_the_worker() -> None:
    commands = run.child_commands(host="0.0.0.0", port=8765, python="/opt/py")
    assert commands == {
        "web": ["/opt/py", "-m", "pilotage.cli", "runserver", "0.0.0.0:8765", "--noreload"],
        "worker": ["/opt/py", "-m", "pilotage.cli", "worker", "--no-startup-delay"],
        "tick": ["/opt/py", "-m", "pilotage.cli", "tick", "--loop", "--no-progress", "--via-worker"],
    }
    assert run.child_commands(host="::1", port=80)["web"][4] == "[::1]:80"
    assert run.child_commands(host="localhost", port=80)["web"][0] == sys.executable


def test_supervise_stops_the_other_child_when_one_exits() -> None:
    started = time.monotonic()
    code = run.supervise(
        {
            "sleeper": [sys.executable, "-c", "import time; time.sleep(60)"],
            "quitter": [sys.executable, "-c", "import sys; sys.exit(3)"],
        },
        poll_seconds=0.05,
    )
    assert code == 3
    assert time.monotonic() - started < 20


def test_worker_defaults_to_every_queue_without_reload() -> None:
    from pilotage.people.management.commands import worker

    # (Parsing would validate --backend, and tests use the immediate backend, not the database one.)
    parser = worker.Command().create_parser("pilotage", "worker")
    assert parser.get_default("queue_name") == "*"
    assert parser.get_default("reload") is False


def test_run_seeds_an_empty_database_then_prints_the_logins(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, list[str]]] = []
    monkeypatch.setattr(run, "supervise", lambda commands: started.append(commands) or 0)
    out = StringIO()
    call_command("run", "--port", "8765", "--demo-size", "small", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8765/" in text
    assert demo.DEMO_PASSWORD in text
    assert all(p.email in text for p in demo.PERSONAS)
    assert started and started[0]["web"][4] == "127.0.0.1:8765"
    headcount = Employee.objects.count()
    assert headcount > 150
    # A second run keeps the data and still prints the logins.
    out = StringIO()
    call_command("run", "--port", "8765", stdout=out)
    assert Employee.objects.count() == headcount
    assert "dlm@orvalis.example" in out.getvalue()


def test_run_no_demo_leaves_the_database_empty(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "supervise", lambda commands: 0)
    out = StringIO()
    call_command("run", "--no-demo", stdout=out)
    assert not Employee.objects.exists()
    assert "Demo logins" not in out.getvalue()
    assert "pilotage createsuperuser" in out.getvalue()


def test_run_reports_a_child_failure(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management.base import CommandError

    monkeypatch.setattr(run, "supervise", lambda commands: 2)
    with pytest.raises(CommandError, match="exit code 2"):
        call_command("run", "--no-demo", stdout=StringIO())
