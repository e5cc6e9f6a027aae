"""Notifications by e-mail, written in the recipient's language and sent after the
transaction commits (a rolled-back change sends nothing). A mail server error after the commit
is logged by Django (``robust`` on-commit callbacks) and never turns a saved change into an
error page, nor stops the other recipients' mails.

Templates: ``<name>_subject.txt`` (one line) and ``<name>.txt`` (plain text body), rendered
with ``context`` plus ``site_url``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation

from pilotage.core.site import site_url


def render_message(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    ctx = {"site_url": site_url(), **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())
        body = render_to_string(f"{template}.txt", ctx)
    return subject, body


def notify(
    *,
    recipient: Any,
    template: str,
    context: dict[str, Any],
    attachments: list[tuple[str, bytes | str, str]] | None = None,
    language: str = "",
) -> None:
    """E-mail ``recipient`` (a user, or a plain address) on commit; nothing without an address.

    ``attachments``: (filename, content, mimetype) triples (e.g. an iCalendar invitation);
    ``language`` overrides the recipient's (a plain address has none)."""
    email = recipient if isinstance(recipient, str) else getattr(recipient, "email", "")
    if not email:
        return
    language = language or getattr(recipient, "language", "") or settings.LANGUAGE_CODE
    subject, body = render_message(template, context, language)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    for filename, content, mimetype in attachments or ():
        message.attach(filename, content, mimetype)
    transaction.on_commit(lambda: message.send(fail_silently=False), robust=True)


@contextmanager
def nothing_sent_on_commit() -> Iterator[None]:
    """For the demos, which tell a past story inside ``transaction.atomic``: drop what the
    services queued for after the commit (e-mails, calendar invitations, tasks)."""
    before = len(connection.run_on_commit)
    try:
        yield
    finally:
        del connection.run_on_commit[before:]
