"""Argon2 password hashing."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password nobody knows, made once, on first use (not at import)."""
    return _hasher.hash(secrets.token_urlsafe(24))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password or a user without one.

    Without a hash (an unknown e-mail, a user with no password) it still verifies, against
    :func:`dummy_hash`, so the answer takes as long as for a real account: timing must not
    tell an attacker which e-mail addresses have accounts.
    """
    if not password_hash:
        _verify(dummy_hash(), password)
        return False
    return _verify(password_hash, password)
