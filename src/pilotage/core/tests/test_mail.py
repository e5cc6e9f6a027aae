"""core.mail.notify: sent after the commit, and a mail server error never breaks a saved change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from pilotage.core import mail as core_mail


@pytest.fixture
def plain_message(monkeypatch: Any) -> None:
    monkeypatch.setattr(core_mail, "render_message", lambda template, context, language: ("Subject", "Body"))


def test_sent_on_commit_only(db: Any, plain_message: None, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        core_mail.notify(recipient="a@example.com", template="any", context={})
    assert len(callbacks) == 1 and mail.outbox == []


def test_a_mail_server_error_is_logged_and_the_other_mails_leave(
    db: Any, plain_message: None, monkeypatch: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    real = core_mail.EmailMessage.send

    def flaky(message: Any, fail_silently: bool = False) -> int:
        if message.to == ["down@example.com"]:
            raise ConnectionRefusedError("SMTP down")
        return real(message, fail_silently=fail_silently)

    monkeypatch.setattr(core_mail.EmailMessage, "send", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        core_mail.notify(recipient="down@example.com", template="any", context={})
        core_mail.notify(recipient="up@example.com", template="any", context={})
    assert [m.to for m in mail.outbox] == [["up@example.com"]]
    assert "SMTP down" in caplog.text


def test_nothing_sent_on_commit_drops_what_was_queued(
    db: Any, plain_message: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        core_mail.notify(recipient="kept@example.com", template="any", context={})
        with transaction.atomic(), core_mail.nothing_sent_on_commit():
            core_mail.notify(recipient="dropped@example.com", template="any", context={})
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["kept@example.com"]]
