"""A real Poise server on a free local port, and Debian's chromium driven by Playwright (the
browser itself, ``chromium``, is the root conftest's: one per test process)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from poise.app import create_app
from poise.settings import Settings
from support import CHROMIUM, serving


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """Serve the test's app with uvicorn in a thread; yields its base URL."""
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
def browser_page(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context: no cookie, storage or cache of another test, as
    in a new browser (skips, saying why, when chromium is not installed)."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("POISE_REQUIRE_BROWSER"):
            pytest.fail(
                f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
            )
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    context = request.getfixturevalue("chromium").new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
