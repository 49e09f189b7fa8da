"""A server process loads its models and the manual's index as it starts, not on first use."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from poise.app import create_app
from poise.knowledge import search
from poise.settings import Settings


def test_a_server_process_loads_the_manual_index_as_it_starts(settings: Settings) -> None:
    served = settings.model_copy(update={"environment": "development"})
    search._indexes.clear()
    with TestClient(create_app(served)):
        deadline = time.monotonic() + 120
        while not search._indexes and time.monotonic() < deadline:
            time.sleep(0.05)
        assert search._indexes, "no request was made, yet the manual's index is loaded"


def test_tests_apps_load_nothing_ahead(settings: Settings) -> None:
    search._indexes.clear()
    with TestClient(create_app(settings)):
        time.sleep(0.5)
        assert not search._indexes
