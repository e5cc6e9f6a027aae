"""``pilotage worker``: the background task worker (django-tasks-db's ``db_worker``).

Same options as ``db_worker``; the defaults suit Pilotage: every queue, no auto-reload.
"""

from __future__ import annotations

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run the background task worker (all queues). Stop it with Ctrl-C; a running task finishes first."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
