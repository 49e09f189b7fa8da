"""A real Poise server on a free local port, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from poise.app import create_app
from poise.settings import Settings
from support import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """Serve the test's app with uvicorn in a thread; yields its base URL."""
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A fresh headless chromium page (skips, saying why, when chromium is not installed)."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("POISE_REQUIRE_BROWSER"):
            pytest.fail(
                f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
            )
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
