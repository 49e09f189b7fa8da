"""Fixtures of the jobs tests: a local broker with a queue of the test's own, and workers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from brokers import BROKERS, VISIBILITY_SECONDS, Workers, _reachable
from poise.settings import Settings


@pytest.fixture(params=sorted(BROKERS))
def broker(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """``(url, queue)``: a local broker and a queue of this test's own, deleted afterwards."""
    url = BROKERS[request.param]
    if reason := _reachable(url):
        pytest.skip(f"{request.param}: {reason}")
    queue = f"poise-test-{uuid.uuid4().hex[:12]}"
    yield url, queue
    from kombu import Connection

    with Connection(url) as connection:
        channel = connection.default_channel
        channel.queue_delete(queue)


@pytest.fixture
def broker_settings(settings: Settings, broker: tuple[str, str]) -> Settings:
    url, queue = broker
    return settings.model_copy(
        update={
            "broker_url": url,
            "broker_queue": queue,
            "broker_visibility_timeout": VISIBILITY_SECONDS,
            "job_chunk_size": 60,
        }
    )


@pytest.fixture
def workers(broker_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(broker_settings, tmp_path)
    yield started
    started.stop_all()
