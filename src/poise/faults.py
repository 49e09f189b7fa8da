"""Faults a person can act on, named plainly (a full disk, a read-only database or disk), and
how a failure is logged.

Used by the web tier, the command line and background jobs alike, so each says the same.

What a failure's log line holds
-------------------------------
Poise's logs go to the operators' log systems, where customers' words must not land. An
exception's message may quote them: a ``ValueError`` raised while parsing a row, a database
``IntegrityError`` whose DETAIL (and SQLAlchemy's ``[parameters: ...]``) repeats the row's
values, a model's error naming its input, an SMTP refusal naming the recipients. Our own errors
are no exception: ``InvalidInput`` and ``NotFound`` quote what was typed ("a user with email
… already exists", a drill question's text). So every failure is logged by
:func:`log_failure`, never with ``log.exception``, ``exc_info=`` or ``%s`` of the exception,
and its line holds:

* what failed, with our own ids (job, chunk, conversation, error id: the one a person quotes);
* the exception's type (``sqlalchemy.exc.IntegrityError``) and, for each cause in its chain,
  the cause's type;
* facts that name our code or schema, never data: a database's SQLSTATE and the constraint,
  table and column it names, SQLite's error name (``SQLITE_CONSTRAINT_UNIQUE``), an OS error's
  number and its system text (``ECONNREFUSED Connection refused``, no file name), the form
  field an ``InvalidInput`` refused;
* the frames, ``file:line in function`` (our source lines, not the values in them).

Never the message (``str(exc)``), nor a statement's parameters: the engine is made with
``hide_parameters`` (``poise.db.engine``), so even a message shown elsewhere holds none, and a
library that prints the error it is handed (Celery, retrying a task) gets :func:`withheld`'s
stand-in. The one message kept is a database driver's first line when it cannot be reached or
stays busy (``poise.jobs.retries.driver_said``): the host and port tried, a lock or a timeout,
never a row.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import sqlite3
import traceback
from pathlib import Path

DISK_FULL = (
    "The disk Poise writes to is full, so nothing was saved. Ask whoever runs Poise to free space."
)
READ_ONLY = (
    "Poise's database or data directory is read-only right now, so nothing was saved. "
    "Ask whoever runs Poise to make it writable."
)
_FULL_WORDS = ("database or disk is full", "no space left", "disk full")
_READ_ONLY_WORDS = (
    "readonly database",
    "read-only file system",
    "read-only transaction",
    "read only transaction",
    "readonly",
)


def fault_message(exc: BaseException) -> str | None:
    """The plain message for a disk-full or read-only fault, or None for anything else."""
    for cause in (exc, getattr(exc, "orig", None), exc.__cause__):
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return DISK_FULL
        if isinstance(cause, OSError) and cause.errno == errno.EROFS:
            return READ_ONLY
    text = str(getattr(exc, "orig", exc)).lower()
    if any(word in text for word in _FULL_WORDS):
        return DISK_FULL
    if any(word in text for word in _READ_ONLY_WORDS):
        return READ_ONLY
    return None


def new_error_id() -> str:
    """A short id to quote to whoever runs Poise; the log line carries it."""
    return secrets.token_hex(4)


# A chain longer than this (a cause of a cause of ...) and frames beyond these are cut.
_CAUSES = 5
_FRAMES = 40
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def log_failure(
    log: logging.Logger, what: str, *args: object, exc: BaseException, level: int = logging.ERROR
) -> None:
    """Log that ``what % args`` failed with ``exc``: its kind, its facts and where it was
    raised, never its message (see the module's docstring)."""
    if log.isEnabledFor(level):
        log.log(level, f"{what}: %s", *args, described(exc))


class Withheld(Exception):  # noqa: N818 - what it is, not "WithheldError"
    """An error's stand-in for a library that prints the error it is handed (Celery's
    ``retry: Retry in 4s: ...`` line): the error's kind and facts, no message."""


def withheld(exc: BaseException) -> Withheld:
    """What to hand such a library in place of ``exc``."""
    return Withheld(named(exc))


def named(exc: BaseException) -> str:
    """``sqlalchemy.exc.IntegrityError [sqlstate 23505, constraint users_email_key]``: the
    error's type with its facts and those of the driver's error it wraps, in one line."""
    return _named(exc, _type_name(exc))


def described(exc: BaseException) -> str:
    """``exc`` and its causes as type, facts and frames, one line each, without messages."""
    lines: list[str] = []
    for depth, link in enumerate(_chain(exc)):
        lines.append(("" if depth == 0 else "caused by ") + kind(link))
        lines.extend(f"  at {frame}" for frame in _frames(link))
    return "\n".join(lines)


def kind(exc: BaseException) -> str:
    """``psycopg.errors.UniqueViolation [sqlstate 23505, constraint users_email_key]``."""
    facts = _facts(exc)
    return f"{_type_name(exc)} [{', '.join(facts)}]" if facts else _type_name(exc)


def _type_name(exc: BaseException) -> str:
    """``ValueError``, ``sqlalchemy.exc.IntegrityError``: where the type comes from."""
    module, name = type(exc).__module__, type(exc).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def where(exc: BaseException) -> str:
    """``OperationalError [sqlstate 40P01] at base.py:1967 in _exec_single_context``: the kind,
    facts and the frame it was raised in, for a line that names more than one failure."""
    frames = traceback.extract_tb(exc.__traceback__)
    named = _named(exc, type(exc).__name__)
    if not frames:
        return named
    last = frames[-1]
    return f"{named} at {os.path.basename(last.filename)}:{last.lineno} in {last.name}"


def _named(exc: BaseException, name: str) -> str:
    """``name`` with the facts of ``exc`` and of the driver's error it wraps (SQLAlchemy's
    ``orig``), for a line that shows no chain of causes."""
    orig = getattr(exc, "orig", None)
    facts = _facts(exc) + (_facts(orig) if isinstance(orig, BaseException) else [])
    return f"{name} [{', '.join(facts)}]" if facts else name


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` then what it was raised from or while handling, as a traceback shows them."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain and len(chain) < _CAUSES:
        chain.append(link)
        context = None if link.__suppress_context__ else link.__context__
        link = link.__cause__ or context
    return chain


def _facts(exc: BaseException) -> list[str]:
    """What names our code, schema or the system about ``exc``, never its data."""
    facts: list[str] = []
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(state, str):
        facts.append(f"sqlstate {state}")
    diag = getattr(exc, "diag", None)
    for part in ("table_name", "column_name", "constraint_name"):
        value = getattr(diag, part, None)
        if isinstance(value, str) and value:
            facts.append(f"{part.removesuffix('_name')} {value}")
    if isinstance(exc, sqlite3.Error) and isinstance(getattr(exc, "sqlite_errorname", None), str):
        facts.append(exc.sqlite_errorname)
    if isinstance(exc, OSError) and isinstance(exc.errno, int):
        code = errno.errorcode.get(exc.errno, str(exc.errno))
        facts.append(f"{code} {os.strerror(exc.errno)}")
    field = getattr(exc, "field", None)
    if isinstance(field, str) and type(exc).__module__.startswith("poise."):
        facts.append(f"field {field}")
    return facts


def _frames(exc: BaseException) -> list[str]:
    """``poise/jobs/__init__.py:180 in run_job`` for each frame, the innermost last."""
    summary = traceback.extract_tb(exc.__traceback__)[-_FRAMES:]
    return [f"{_short_path(frame.filename)}:{frame.lineno} in {frame.name}" for frame in summary]


def _short_path(filename: str) -> str:
    """A frame's file from its package down (``poise/jobs/__init__.py``,
    ``sqlalchemy/engine/base.py``): no machine's paths in the log."""
    path = Path(filename)
    parts = path.parts
    for anchor in ("site-packages", "dist-packages"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor) :])
    try:
        return path.resolve().relative_to(_PACKAGE_ROOT).as_posix()
    except (ValueError, OSError):
        return path.name
