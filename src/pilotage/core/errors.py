"""Exceptions raised by services, carrying a message a person can act on.

The web layer shows ``message`` next to ``field``; the API returns it as JSON with
the offending field or JSON path.
"""

from __future__ import annotations


class PilotageError(Exception):
    """Base of every domain error."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(PilotageError):
    """Input that breaks a rule; ``errors`` maps field (or JSON path) to messages."""

    def __init__(self, errors: dict[str, list[str]] | str, *, field: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {field or "__all__": [errors]}
        self.errors = errors
        first_field, messages = next(iter(errors.items()))
        super().__init__(
            f"{first_field}: {messages[0]}" if first_field != "__all__" else messages[0], field=first_field
        )


class NotFound(PilotageError):
    """Absent or out of the user's scope: the two look the same."""


class PermissionDenied(PilotageError):
    """The user's role may read but not do this."""
