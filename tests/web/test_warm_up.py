"""A server process loads its models and the manual's index as it starts, not on first use."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from poise.app import create_app
from poise.knowledge import search
from poise.settings import Settings


def test_a_server_process_loads_its_models_as_it_starts(settings: Settings) -> None:
    served = settings.model_copy(update={"environment": "development"})
    search._indexes.clear()
    with TestClient(create_app(served)) as client:
        seen = {client.get("/healthz").json()["models"]}
        deadline = time.monotonic() + 120
        while "ready" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
            seen.add(client.get("/healthz").json()["models"])
        assert seen <= {"loading", "ready"}
        assert "ready" in seen
        assert search._indexes, "no search was made, yet the manual's index is loaded"


def test_tests_apps_load_nothing_ahead(client: TestClient) -> None:
    time.sleep(0.2)
    assert client.get("/healthz").json()["models"] == "on first use"
