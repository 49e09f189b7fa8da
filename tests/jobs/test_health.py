"""`/healthz` reports the broker and the workers consuming Poise's queue, against real brokers:
up with no worker, up with one, and unreachable (degraded, never failing)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from brokers import Workers
from poise.app import create_app
from poise.settings import Settings


def test_without_a_broker_the_health_says_none(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["broker"] == "none" and "workers" not in body and body["status"] == "ok"


# Once, on SQLite: counting the workers asks the broker, never the database, and a worker
# takes seconds to start on each broker (the database's line of the answer is checked on
# every database by the test of the unreachable broker below).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_broker_with_no_worker_then_one_worker(
    broker_settings: Settings, workers: Workers
) -> None:
    with TestClient(create_app(broker_settings)) as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["broker"] == "ok" and body["workers"] == "0 alive"
        assert body["status"] == "degraded" and body["database"] == "ok"

        workers.start()
        deadline = time.monotonic() + 60
        while client.get("/healthz").json()["workers"] != "1 alive":
            assert time.monotonic() < deadline, workers.log_tail()
            time.sleep(1)
        assert client.get("/healthz").json()["status"] == "ok"


def test_an_unreachable_broker_is_degraded_and_fast(settings: Settings) -> None:
    unreachable = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(unreachable)) as client:
        started = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - started < 3
        assert response.status_code == 200  # pages still work; background work waits
        body = response.json()
        assert body["broker"] == "down" and body["workers"] == "0 alive"
        assert body["status"] == "degraded" and body["database"] == "ok"
        health = client.app.state.broker_health  # type: ignore[attr-defined]
        asked: list[int] = []
        ask = health._ask

        def counting() -> dict[str, object]:
            asked.append(1)
            return ask()

        health._ask = counting
        assert client.get("/healthz").json()["broker"] == "down"
        assert asked == []  # the answer is kept a few seconds, not asked again
