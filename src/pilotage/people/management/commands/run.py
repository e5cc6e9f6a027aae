"""``pilotage run``: migrate, seed the demo company when the database is empty, then run
the web server and the task worker together. Ctrl-C (or SIGTERM) stops both.

The two children get their own process group, so one Ctrl-C reaches each of them exactly
once (forwarded by this process): the worker finishes its running task, the web server
stops. When either child dies, the other is stopped too and ``run`` exits with its code.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from pilotage.core.errors import ValidationFailed
from pilotage.people import demo
from pilotage.people.management.commands.demo import print_logins
from pilotage.people.models import User

STOP_TIMEOUT_SECONDS = 10.0


def server_address(host: str, port: int) -> str:
    """``host:port`` as runserver wants it (IPv6 addresses in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def child_commands(*, host: str, port: int, python: str | None = None) -> dict[str, list[str]]:
    """The processes ``run`` starts: the web server, the task worker and the periodic-job loop.

    They inherit the environment, so DATABASE_URL and every other setting apply to both.
    """
    base = [python or sys.executable, "-m", "pilotage.cli"]
    return {
        "web": [*base, "runserver", server_address(host, port), "--noreload"],
        "worker": [*base, "worker", "--no-startup-delay"],
        # The periodic jobs (reminders, survey dispatch): `pilotage tick` claims the due ones every
        # minute and hands them to the worker.
        "tick": [*base, "tick", "--loop", "--no-progress", "--via-worker"],
    }


def supervise(commands: dict[str, list[str]], *, poll_seconds: float = 0.2) -> int:
    """Start every command, forward SIGINT/SIGTERM to them, stop all when one exits."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for name, command in commands.items():
            # process_group=0: a terminal's Ctrl-C reaches this process only; we forward it once.
            processes[name] = subprocess.Popen(command, process_group=0)
        first_exit: int | None = None
        while first_exit is None:
            for process in processes.values():
                code = process.poll()
                if code is not None:
                    first_exit = code
                    break
            else:
                time.sleep(poll_seconds)
        if not stopping:
            # One child died on its own: stop the other one.
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return 0 if stopping else (first_exit or 1)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def database_label() -> str:
    data = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {data['NAME']}"
    return f"{connection.vendor} {data.get('NAME')} on {data.get('HOST') or 'localhost'}:{data.get('PORT') or '-'}"


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo company when the database is empty, then run the web server "
        "and the task worker together (Ctrl-C stops both)."
    )
    requires_system_checks: list[str] = []  # runserver checks once it starts

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default: %(default)s).")
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not seed the demo company, even in an empty database."
        )
        parser.add_argument(
            "--demo-size",
            choices=list(demo.SIZES),
            default="standard",
            help="Size of the demo company seeded in an empty database (default: %(default)s).",
        )

    def handle(self, *args: Any, host: str, port: int, no_demo: bool, demo_size: str, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        if settings.PILOTAGE_ENV == "production":
            self.stdout.write(
                self.style.WARNING(
                    "PILOTAGE_ENV=production: `pilotage run` uses Django's development server. "
                    "Behind a real deployment, run a WSGI server and `pilotage worker` (docs/operations.md)."
                )
            )
        elif not no_demo and demo.database_is_empty():
            self.stdout.write(f"Empty database: building the demo company ({demo_size})…")
            try:
                summary = demo.demo_company_create(actor="pilotage run", size=demo_size)
            except ValidationFailed as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"  {summary.employees} employees, {summary.org_units} org units.")
            # Higher layers add their part (strategy and programmes, then a year of learning
            # activity in the LRS): called by name, never imported here.
            call_command("demo-portfolio", stdout=self.stdout, stderr=self.stderr)
            call_command("demo-learning", size=demo_size, stdout=self.stdout, stderr=self.stderr)
            call_command("demo-delivery", size=demo_size, stdout=self.stdout, stderr=self.stderr)
        url = f"http://{server_address(host, port)}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Pilotage: {url}"))
        self.stdout.write(f"Database: {database_label()}")
        print_logins(self)
        if not User.objects.exists():
            self.stdout.write("No login yet: create one with `pilotage createsuperuser` (or seed `pilotage demo`).")
        self.stdout.write(f"Ready in {time.monotonic() - started:.1f} s. Web server + task worker; Ctrl-C stops both.")
        self.stdout.write("")
        self.stdout.flush()
        if not connection.in_atomic_block:  # the parent holds no idle connection while it waits
            connection.close()
        code = supervise(child_commands(host=host, port=port))
        if code:
            raise CommandError(f"A child process stopped with exit code {code}.", returncode=code)
