"""Insights tests make many users; cheap Argon2 parameters keep the suite fast.

Verification reads the parameters from each stored hash, so signing in stays real Argon2,
only with a smaller cost than production's.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("poise.auth.actions.hash_password", _CHEAP.hash)


# The browser journey uses the shared live server and chromium page.
from browser.conftest import browser_page, live_server  # noqa: E402

__all__ = ["browser_page", "cheap_password_hashing", "live_server"]
