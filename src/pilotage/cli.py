"""The ``pilotage`` console command: everything an operator does.

``pilotage run`` migrates, seeds the demo company when the database is empty, then runs
the web server and a task worker together (Ctrl-C stops both). Any other sub-command is
a Django management command (``pilotage migrate``, ``pilotage demo``, ``pilotage worker``…).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilotage.config.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pilotage", *argv])


if __name__ == "__main__":
    main()
