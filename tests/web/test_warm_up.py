"""A server process loads its models and the manual's index as it starts, not on first use."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import text

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


def test_stopping_waits_for_a_reader_holding_a_connection(settings: Settings) -> None:
    """A warming thread may still hold a pooled connection when the server stops (AutoQA's
    warm reads after "ready"); disposing of the pool under it left the connection open until
    the garbage collector found it. Stopping now waits for the thread first."""
    app = create_app(settings)
    reading = threading.Event()

    def read_slowly() -> None:
        with app.state.sessionmaker() as session:
            session.execute(text("SELECT 1"))
            reading.set()
            time.sleep(0.5)

    with TestClient(app):
        app.state.readers.start(read_slowly, name="poise-test-reader")
        assert reading.wait(5)
    assert app.state.readers.join(0), "the server stopped while a reader held a connection"


def test_readers_join_waits_for_running_threads_within_its_limit() -> None:
    readers, release = Readers(), threading.Event()
    readers.start(release.wait, 5, name="poise-test-reader")
    assert not readers.join(0.05)
    release.set()
    assert readers.join(5)


def test_tests_apps_load_nothing_ahead(client: TestClient) -> None:
    time.sleep(0.2)
    assert client.get("/healthz").json()["models"] == "on first use"
