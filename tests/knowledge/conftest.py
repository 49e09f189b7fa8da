"""The browser fixtures live in tests/browser/conftest.py; they are imported here so the
manual's browser journey sits beside its other tests."""

from __future__ import annotations

from browser.conftest import browser_page, live_server

__all__ = ["browser_page", "live_server"]
