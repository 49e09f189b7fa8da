"""Faults a person can act on, named plainly: a full disk, a read-only database or disk.

Used by the web tier, the command line and background jobs alike, so each says the same.
"""

from __future__ import annotations

import errno
import secrets

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
