"""What a team running workers on several machines meets when something breaks, against real
brokers and real `poise worker` processes (nothing about the queue is faked): the broker down
when the web queues work, a chunk that kills its worker every time, a deploy's SIGTERM."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from jobs.test_celery_worker import _csv, _customer_turns, _import, _job
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.app import create_app
from poise.conversations.models import Message
from poise.settings import Settings

DOWN = {  # nothing listens on port 1: the broker is unreachable, refused at once
    "redis": "redis://:s3cret@127.0.0.1:1/0",
    "rabbitmq": "amqp://guest:s3cret@127.0.0.1:1//",
}


@pytest.mark.parametrize("down", sorted(DOWN))
def test_an_import_while_the_broker_is_down_is_stored_and_its_job_fails_saying_why(
    settings: Settings, session: Session, down: str
) -> None:
    unreachable = settings.model_copy(update={"broker_url": DOWN[down]})
    with TestClient(create_app(unreachable)) as client:
        started = time.monotonic()
        job_id = _import(client, session, _csv(12))  # 200: the upload is not lost
        assert time.monotonic() - started < 10
        assert _customer_turns(session) == 16  # the import itself is stored
        job = _job(session, job_id)
        assert job.status == "failed" and job.finished_at is not None  # not queued for ever
        assert "broker at 127.0.0.1:1 could not be reached" in job.detail
        assert "s3cret" not in job.detail
        unscored = select(func.count(Message.id)).where(Message.signal_version.is_(None))
        assert session.scalar(unscored)  # nothing half scored: the turns wait, as it says

        sign_in(client, make_user(session, role="admin"))
        page = client.get("/import").text
        assert f'data-job-id="{job_id}" data-status="failed"' in page
        assert "could not be reached" in page  # the status's title says why
