"""Bulk scoring on real Celery workers over Redis and RabbitMQ.

Each test starts `poise worker` processes against a local broker and a database file (or
PostgreSQL) the test shares with them; nothing about the queue is faked. An import's scoring
gives the same stored results as the in-process path, and a worker killed with SIGKILL in the
middle of a job leaves nothing lost and nothing written twice: a database trigger counts every
write of a message's score.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from brokers import VISIBILITY_SECONDS, Workers
from builders import make_user
from poise.app import create_app
from poise.auth.actions import create_api_token
from poise.conversations.models import Conversation, Message
from poise.jobs import JobChunk, JobRun
from poise.settings import Settings

OPENINGS = [
    "My parcel {n} never came and nobody answers, this is the third time I ask",
    "Thanks so much, the new dashboard {n} is lovely and saved me an hour",
    "Order {n} arrived broken. I want a refund or I am cancelling my subscription",
    "Could you tell me how to export invoice {n} as a PDF?",
    "This is ridiculous, you charged me twice for order {n}, fix it now",
    "The app crashes every time I open report {n}, I am really frustrated",
    "Hi, I moved house; please update the address on account {n}",
    "You people are useless, I have waited {n} days for a simple answer",
]
# The killed worker's import: 320 customer turns, six chunks of 60 (the worker is killed in the
# second; the rest are left for the next). 450 cost each run 3-7 s more (measured).
KILLED = 240
REPLIES = [
    "I'm sorry about that, I have sent a replacement today.",
    "Happy to help! Go to Billing, then Export.",
    "I've refunded the duplicate charge; it shows in 3 to 5 days.",
]


@pytest.fixture
def score_writes(engine: Engine, session: Session) -> Iterator[None]:
    """A trigger that records every write of a message's score, to prove none is doubled."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE score_writes (message_id INTEGER NOT NULL)"))
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE FUNCTION count_score_write() RETURNS trigger AS $$ BEGIN "
                    "INSERT INTO score_writes VALUES (NEW.id); RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER count_score_writes AFTER UPDATE OF signal_version ON "
                    "messages FOR EACH ROW EXECUTE FUNCTION count_score_write()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER count_score_writes AFTER UPDATE OF signal_version ON "
                    "messages BEGIN INSERT INTO score_writes VALUES (new.id); END"
                )
            )
    yield
    session.close()  # its open read would hold off the DROP below
    if engine.dialect.name == "postgresql":  # SQLite files are per test; this schema is not
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER count_score_writes ON messages"))
            conn.execute(text("DROP FUNCTION count_score_write()"))
            conn.execute(text("DROP TABLE score_writes"))


def _csv(count: int) -> bytes:
    """``count`` conversations: a customer turn (each text different), a reply, a follow-up."""
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(["conversation_id", "channel", "author_role", "body", "sent_at"])
    for n in range(count):
        day = f"2026-11-{1 + n % 27:02d}"
        opening = OPENINGS[n % len(OPENINGS)].format(n=n)
        rows.writerow([f"k{n}", "chat", "customer", opening, f"{day}T10:00:00Z"])
        rows.writerow([f"k{n}", "chat", "agent", REPLIES[n % len(REPLIES)], f"{day}T10:05:00Z"])
        if n % 3 == 0:
            follow_up = f"Still waiting on {n}, and getting annoyed"
            rows.writerow([f"k{n}", "chat", "customer", follow_up, f"{day}T11:00:00Z"])
    return out.getvalue().encode()


def _import(client: TestClient, session: Session, data: bytes) -> int:
    """Upload ``data`` through the API as a lead; the id of the import's scoring job."""
    token = create_api_token(session, actor=None, user=make_user(session, role="lead"))
    response = client.post(
        "/api/v1/imports",
        headers={"Authorization": f"Bearer {token}"},
        data={"format": "csv", "source": "upload"},
        files={"file": ("file.csv", data, "text/csv")},
    )
    assert response.status_code == 200, response.text[:500]
    job_id = response.json()["scoring_job_id"]
    assert job_id is not None
    return int(job_id)


def _job(session: Session, job_id: int) -> JobRun:
    session.expire_all()
    job = session.get(JobRun, job_id)
    assert job is not None
    return job


def _wait_done(session: Session, job_id: int, workers: Workers | None, seconds: float) -> JobRun:
    deadline = time.monotonic() + seconds
    while (job := _job(session, job_id)).status in ("queued", "running"):
        if time.monotonic() > deadline:
            tail = workers.log_tail() if workers else ""
            pytest.fail(f"job {job.status} {job.done}/{job.total} after {seconds} s\n{tail}")
        time.sleep(0.2)
    return job


def _stored(session: Session) -> dict[str, Any]:
    """Every stored score of turns and conversations, keyed by the helpdesk's ids."""
    session.expire_all()
    turns = session.execute(
        select(
            Conversation.external_id,
            Message.sent_at,
            Message.negativity,
            Message.complaint,
            Message.feeling_level,
            Message.emotion,
            Message.abusive,
            Message.leaving,
            Message.signal_evidence,
            Message.signal_version,
        ).join(Conversation)
    ).all()
    conversations = session.execute(
        select(
            Conversation.external_id,
            Conversation.early_warning,
            Conversation.escalation_risk,
            Conversation.peak_negativity,
            Conversation.drifted,
            Conversation.drift_turn,
            Conversation.drift_score,
            Conversation.turnaround,
            Conversation.abusive,
            Conversation.leaving,
            Conversation.signal_trend,
            Conversation.signals_version,
        )
    ).all()
    return {
        "turns": {(r[0], r[1].isoformat()): tuple(r[2:]) for r in turns},
        "conversations": {r[0]: tuple(r[1:]) for r in conversations},
    }


@pytest.fixture(scope="module")
def in_process_results(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> dict[str, Any]:
    """The import of ``_csv(150)`` scored by the embedded default (no broker), in a database
    of its own: the same for every broker and database the workers run on, so made once."""
    import shutil

    folder = tmp_path_factory.mktemp("in-process")
    path = folder / "in-process.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        environment="test",
        data_dir=folder / "data",
        database_url=f"sqlite:///{path}",
        secret_key="test-secret-key-for-signing-sessions",
    )
    with TestClient(create_app(settings)) as client:
        maker = client.app.state.sessionmaker  # type: ignore[attr-defined]
        with maker() as session:
            job = _wait_done(session, _import(client, session, _csv(150)), None, 120)
            assert job.status == "done", job.detail
            return {"detail": job.detail, **_stored(session)}


def _customer_turns(session: Session) -> int:
    query = select(func.count(Message.id)).where(Message.author_role == "customer")
    return int(session.scalar(query) or 0)


def _writes(session: Session) -> tuple[int, int]:
    """``(writes, distinct messages written)`` of scores, from the trigger's table."""
    session.expire_all()
    row = session.execute(
        text("SELECT count(*), count(DISTINCT message_id) FROM score_writes")
    ).one()
    return int(row[0]), int(row[1])


def test_an_imports_scoring_on_a_worker_matches_the_in_process_path(
    broker_settings: Settings,
    session: Session,
    workers: Workers,
    score_writes: None,
    in_process_results: dict[str, Any],
) -> None:
    data = _csv(150)
    workers.start()
    with TestClient(create_app(broker_settings)) as client:
        job_id = _import(client, session, data)
        job = _wait_done(session, job_id, workers, 60)
    assert job.status == "done", job.detail
    chunks = session.scalars(select(JobChunk).where(JobChunk.job_id == job_id)).all()
    assert len(chunks) > 1 and all(chunk.status == "done" for chunk in chunks)
    turns = _customer_turns(session)
    assert job.done == job.total == turns == sum(chunk.size for chunk in chunks)
    assert _writes(session) == (turns, turns)

    expected = in_process_results
    assert job.detail == expected["detail"]  # scored … messages in … conversations; praise
    stored = _stored(session)
    assert stored["turns"] == expected["turns"]
    assert stored["conversations"] == expected["conversations"]


def test_a_worker_killed_mid_job_leaves_nothing_lost_or_done_twice(
    broker_settings: Settings, session: Session, workers: Workers, score_writes: None
) -> None:
    first = workers.start()
    with TestClient(create_app(broker_settings)) as client:
        job_id = _import(client, session, _csv(KILLED))
        deadline = time.monotonic() + 45
        while True:  # a chunk done and another under way: kill the worker in the middle
            session.expire_all()
            started = session.scalars(
                select(JobChunk).where(
                    JobChunk.job_id == job_id,
                    JobChunk.status == "pending",
                    JobChunk.attempts > 0,
                )
            ).first()
            done = session.scalar(
                select(func.count(JobChunk.id)).where(
                    JobChunk.job_id == job_id, JobChunk.status == "done"
                )
            )
            if started is not None and done:
                break
            assert time.monotonic() < deadline, f"no chunk started\n{workers.log_tail()}"
            time.sleep(0.05)
        workers.kill(first)
        interrupted = started.id
        session.expire_all()
        cut_short = session.get(JobChunk, interrupted).status == "pending"  # type: ignore[union-attr]
        assert _job(session, job_id).status == "running"
        if (broker_settings.broker_url or "").startswith("redis"):
            # Redis gives a task back once it has gone unacknowledged for the visibility
            # timeout, checking as a worker starts (and every ~100 s); RabbitMQ at once.
            time.sleep(VISIBILITY_SECONDS + 1)
        workers.start()
        job = _wait_done(session, job_id, workers, 60)

    assert job.status == "done", job.detail
    session.expire_all()
    redone = session.get(JobChunk, interrupted)
    assert redone is not None and redone.status == "done"
    if cut_short:  # (it may have committed just before the kill)
        assert redone.attempts == 2, "the killed worker's chunk was not delivered again"
    turns = _customer_turns(session)
    assert job.done == job.total == turns
    assert job.detail.startswith(f"scored {turns:,} messages in {KILLED:,} conversations")
    unscored = select(func.count(Message.id)).where(
        Message.author_role == "customer", Message.signal_version.is_(None)
    )
    assert session.scalar(unscored) == 0
    assert _writes(session) == (turns, turns)  # every score written once, none twice
