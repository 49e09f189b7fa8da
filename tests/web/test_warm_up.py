"""A server process loads its models and the manual's index as it starts, not on first use."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from poise.app import create_app
from poise.knowledge import search
from poise.settings import Settings
from poise.web.readers import Readers


def test_a_server_process_loads_its_models_as_it_starts(settings: Settings) -> None:
    served = settings.model_copy(update={"environment": "development"})
    search._indexes.clear()
    app = create_app(served)
    with TestClient(app) as client:
        seen = {client.get("/healthz").json()["models"]}
        deadline = time.monotonic() + 120
        while "ready" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
            seen.add(client.get("/healthz").json()["models"])
        assert seen <= {"loading", "ready"}
        assert "ready" in seen
        assert search._indexes, "no search was made, yet the manual's index is loaded"
    # Stopping waited for the warming thread (it reads AutoQA's replies after "ready"): a
    # connection it held would otherwise outlive the pool, open until garbage-collected.
    assert app.state.readers.join(0)


def test_readers_join_waits_for_running_threads_within_its_limit() -> None:
    readers, release = Readers(), threading.Event()
    readers.start(release.wait, 5, name="poise-test-reader")
    assert not readers.join(0.05)
    release.set()
    assert readers.join(5)


def test_tests_apps_load_nothing_ahead(client: TestClient) -> None:
    time.sleep(0.2)
    assert client.get("/healthz").json()["models"] == "on first use"
