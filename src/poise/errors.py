"""Errors that actions and queries raise; the web layer maps each to one HTTP status."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class PoiseError(Exception):
    """Base of Poise's own errors: the message is meant for the person who caused it."""


class PermissionDenied(PoiseError):  # noqa: N818 - the domain word, not "PermissionDeniedError"
    """The acting user's role does not allow this."""


class NotFound(PoiseError):  # noqa: N818
    """The thing asked for does not exist (or the actor may not know it does)."""


class Gone(NotFound):
    """The thing asked for was there and was removed on purpose (it is kept a limited time),
    so asking again will not find it: HTTP's 410, which a link checker or a script reads as
    final."""


class InvalidInput(PoiseError):  # noqa: N818
    """The request is well-formed but its values are not acceptable.

    ``field`` names the form field at fault when there is one, so a form can show the message
    beside it and keep what the person typed.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidFields(InvalidInput):
    """Several fields of one form refused at once, each with its own message.

    A form shows every refusal beside its field in one round instead of one per post;
    ``str()`` still reads them all (the API and the CLI), and ``field`` is the first.
    """

    def __init__(self, problems: dict[str, str]) -> None:
        only = next(iter(problems.values())) if len(problems) == 1 else None
        message = only or "; ".join(f"{field}: {text}" for field, text in problems.items())
        super().__init__(message, field=next(iter(problems)))
        self.problems = dict(problems)


class FieldChecks:
    """Runs a form's checks one field after another and keeps every refusal, so the person
    sees them all at once; ``done`` raises :class:`InvalidFields` when any was refused."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def check(self, run: Callable[[], T], fallback: T) -> T:
        """What ``run`` returns, or ``fallback`` after noting its refusal (the first of each
        field is the one shown)."""
        try:
            return run()
        except InvalidFields as exc:
            for field, text in exc.problems.items():
                self.problems.setdefault(field, text)
        except InvalidInput as exc:
            self.problems.setdefault(exc.field or "form", str(exc))
        return fallback

    def refuse(self, field: str, message: str) -> None:
        """Note a refusal found by comparing fields (e.g. both ends of a window)."""
        self.problems.setdefault(field, message)

    def done(self) -> None:
        if self.problems:
            raise InvalidFields(self.problems)
