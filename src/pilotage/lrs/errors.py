"""Errors of the xAPI resources: each carries the HTTP status, a message and, for
validation, the JSON path of the offending element and the rule broken."""

from __future__ import annotations


class XapiError(Exception):
    status = 400

    def __init__(self, message: str, *, path: str = "", rule: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.rule = rule
        if status is not None:
            self.status = status

    def as_json(self) -> dict[str, str]:
        body = {"error": self.message}
        if self.path:
            body["path"] = self.path
        if self.rule:
            body["rule"] = self.rule
        return body


class Unauthorized(XapiError):
    status = 401


class Forbidden(XapiError):
    status = 403


class NotFoundError(XapiError):
    status = 404


class Conflict(XapiError):
    status = 409


class PreconditionFailed(XapiError):
    status = 412
