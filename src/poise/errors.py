"""Errors that actions and queries raise; the web layer maps each to one HTTP status."""

from __future__ import annotations


class PoiseError(Exception):
    """Base of Poise's own errors: the message is meant for the person who caused it."""


class PermissionDenied(PoiseError):  # noqa: N818 - the domain word, not "PermissionDeniedError"
    """The acting user's role does not allow this."""


class NotFound(PoiseError):  # noqa: N818
    """The thing asked for does not exist (or the actor may not know it does)."""


class InvalidInput(PoiseError):  # noqa: N818
    """The request is well-formed but its values are not acceptable.

    ``field`` names the form field at fault when there is one, so a form can show the message
    beside it and keep what the person typed.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
