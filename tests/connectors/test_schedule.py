"""Sync jobs: the schedule never queues a second sync of a connector, and a sync whose process
died resumes on the next start from the connector's stored cursor."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from connectors.recorded import Replay, count
from connectors.test_admin_and_cli import wait_for
from connectors.test_zendesk import EXPORT, OPENING, comments, connect, export, ticket
from poise.app import create_app
from poise.connectors.actions import queue_every_sync
from poise.connectors.client import Seam
from poise.connectors.schedule import start_sync_schedule
from poise.conversations.models import Conversation
from poise.db import make_sessionmaker
from poise.db.base import utcnow
from poise.hooks import Hooks
from poise.jobs import InProcessJobs, JobRun
from poise.settings import Settings


def test_a_sync_already_queued_is_not_queued_again(
    engine: Engine, session: Session, settings: Settings
) -> None:
    connect(session)
    waiting = JobRun(kind="connector-sync", subject="connector:zendesk", status="queued")
    session.add(waiting)
    session.commit()
    jobs = InProcessJobs(make_sessionmaker(engine))
    try:
        assert queue_every_sync(session, jobs, seam=Seam(), settings=settings, hooks=Hooks()) == [
            waiting.id
        ]
    finally:
        jobs.shutdown()
    assert (
        start_sync_schedule(object(), settings.model_copy(update={"connector_sync_minutes": 0}))
        is None
    )


def test_a_sync_whose_process_died_resumes_on_the_next_start(
    session: Session, settings: Settings
) -> None:
    connect(session)
    orphan = JobRun(
        kind="connector-sync",
        subject="connector:zendesk",
        status="running",
        owner="a-host-long-gone:1",
        heartbeat_at=utcnow() - timedelta(hours=1),
    )
    session.add(orphan)
    session.commit()
    replay = Replay()
    replay.json("GET", EXPORT, export([ticket(35436)], "c1", end=True))
    replay.json("GET", "/api/v2/tickets/35436/comments.json", comments(OPENING))
    app = create_app(settings)
    app.state.connector_seam = replay.seam
    with TestClient(app):
        assert wait_for(session, "connector:zendesk").status == "done"
    assert count(session, Conversation) == 1
    assert session.scalar(select(JobRun.detail)).startswith("1 page: 1 new conversation,")
