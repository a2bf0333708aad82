"""Errors raised by services. Views, the API and the CLI turn them into messages for the user."""

from __future__ import annotations

from typing import Any


class SatuDataError(Exception):
    """Base error: a stable machine code, a human message (already translated) and details."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class PermissionDenied(SatuDataError):
    code = "permission-denied"
    status = 403


class NotFound(SatuDataError):
    code = "not-found"
    status = 404


class ValidationFailed(SatuDataError):
    code = "validation-failed"
    status = 400


class Conflict(SatuDataError):
    code = "conflict"
    status = 409
