"""The browser journey of the morale tests uses the shared live server and chromium page
(tests/browser/conftest.py); cheap password hashing is the root conftest's, for every test."""

from __future__ import annotations

from browser.conftest import browser_page, live_server

__all__ = ["browser_page", "live_server"]
