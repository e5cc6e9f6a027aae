"""``pilotage lrs-client create|list|revoke``: LRS clients from the console, for automation.

    pilotage lrs-client create "Storyline onboarding" --scope statements/write --scope state
    pilotage lrs-client list
    pilotage lrs-client revoke KEY

Same services as the web pages (audited, with the CLI as actor). ``create`` prints the key
and the secret — the only time the secret is shown.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilotage.core.errors import ValidationFailed
from pilotage.lrs import credentials


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


class Command(BaseCommand):
    help = "Create, list and revoke LRS clients (xAPI credentials)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="create a client and print its key and secret")
        create.add_argument("name", help="the tool or system that will use it")
        create.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            default=[],
            metavar="SCOPE",
            help=f"repeatable; one of: {', '.join(credentials.KNOWN_SCOPES)}",
        )
        sub.add_parser("list", help="list the clients")
        revoke = sub.add_parser("revoke", help="revoke a client by its key")
        revoke.add_argument("key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["name"], options["scopes"])
        elif action == "list":
            self._list()
        else:
            self._revoke(options["key"])

    def _create(self, name: str, scopes: list[str]) -> None:
        try:
            client, secret = credentials.lrs_client_create(actor=_actor(), name=name, scopes=scopes)
        except ValidationFailed as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"endpoint: {credentials.xapi_endpoint()}")
        self.stdout.write(f"key:      {client.key}")
        self.stdout.write(f"secret:   {secret}")
        self.stdout.write(f"scopes:   {' '.join(client.scopes)}")
        self.stderr.write("The secret is shown only now: keep it somewhere safe.")

    def _list(self) -> None:
        rows = [("KEY", "NAME", "SCOPES", "CREATED", "LAST USED", "STATEMENTS", "STATUS")]
        for client in credentials.lrs_client_list():
            rows.append(
                (
                    client.key,
                    client.name,
                    ",".join(client.scopes or []),
                    client.created_at.strftime("%Y-%m-%d"),
                    client.last_used_at.strftime("%Y-%m-%d %H:%M") if client.last_used_at else "never",
                    str(client.statement_count),
                    credentials.lrs_client_status(client),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def _revoke(self, key: str) -> None:
        client = credentials.get_lrs_client_by_key(key)
        if client is None:
            raise CommandError(f"No LRS client has the key {key!r}.")
        if client.revoked_at is not None:
            self.stdout.write(f"{client.key} ({client.name}) was already revoked.")
            return
        credentials.lrs_client_revoke(actor=_actor(), client=client)
        self.stdout.write(f"Revoked {client.key} ({client.name}).")
