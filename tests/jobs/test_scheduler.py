"""`poise scheduler`: the periodic work queued as jobs, each at most once while one is active.

The schedule's logic runs on a fixed clock (``tick``) against a real local broker; a real
`poise worker` then runs what it queued.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from knowledge.kb_manual import publish_manual
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from brokers import Workers
from builders import make_conversation, make_user
from poise.auth.models import User
from poise.conversations.models import Conversation, ImportRun, Message
from poise.conversations.rejected import rejected_rows_path
from poise.db import make_engine, make_sessionmaker
from poise.db.base import utcnow
from poise.db.meta import get_fact, set_fact
from poise.files import write_atomically
from poise.insights.models import InsightFact
from poise.jobs import STALE_AFTER, JobRun
from poise.jobs.broker import PERIODIC as PERIODIC_TASK
from poise.jobs.broker import make_celery
from poise.knowledge.vectors import ENCODER_FACT, ENCODER_VERSION
from poise.morale.models import KudosRound
from poise.scheduler import beat_schedule, queue_periodic, scheduled_jobs, tick
from poise.settings import Settings

MONDAY_FIRST = datetime(2026, 6, 1, 7, 45, tzinfo=UTC)  # a Monday and the 1st: every entry due
BEFORE = datetime(2026, 6, 1, 5, 50, tzinfo=UTC)


def test_beat_sends_each_entry_to_the_workers_queue(settings: Settings) -> None:
    schedule = beat_schedule(settings.model_copy(update={"broker_queue": "q1"}))
    assert set(schedule) == {
        "training-reminders",
        "kudos-prepare",
        "insights-digest",
        "alerts-digest",
        "alerts-hotspots",
        "rescore",
        "kb-reembed",
        "insights-rollup",
        "rejected-rows",
        "signals-sweep",
        "jobs-takeover",
        "connector-syncs",
    }
    for name, entry in schedule.items():
        assert entry["task"] == PERIODIC_TASK
        assert entry["args"] == (name,)
        assert entry["options"] == {"queue": "q1"}
    quiet = beat_schedule(settings.model_copy(update={"connector_sync_minutes": 0}))
    assert "connector-syncs" not in quiet


def _queued(session: Session) -> dict[str, str]:
    session.expire_all()
    return {job.kind: job.status for job in session.scalars(select(JobRun).order_by(JobRun.id))}


def _statuses(session: Session, query: Select[tuple[str]]) -> list[str]:
    session.expire_all()
    return list(session.scalars(query))


def test_a_tick_queues_each_due_job_once_and_a_worker_runs_them(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    make_user(session, role="lead", team="Care")  # a team to open a kudos round for
    conversation = make_conversation(session)  # an import: queued for the insights rollup
    turn = session.scalars(
        select(Message).where(Message.conversation_id == conversation.id)
    ).first()
    assert turn is not None
    turn.signal_version = "an-older-model"  # scored before an upgrade: rescoring is due
    lead = session.scalars(select(User).where(User.role == "lead")).one()
    manual = publish_manual(session, lead)
    set_fact(session, ENCODER_FACT, "an-older-encoder")  # its vectors too: re-embedding is due
    expired = _expired_rejected_rows(session, broker_settings)  # rows kept past their 30 days
    session.commit()
    engine = make_engine(broker_settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    jobs = scheduled_jobs(maker, broker_settings)
    try:
        first = tick(maker, jobs, broker_settings, now=MONDAY_FIRST, since=BEFORE)
        # No SMTP: reminders and the e-mailed digest have nothing to do; no connector either.
        assert {name for name, ids in first.items() if ids} == {
            "kudos-prepare",
            "alerts-digest",
            "alerts-hotspots",
            "rescore",
            "kb-reembed",
            "insights-rollup",
            "rejected-rows",
        }
        assert set(first) == set(beat_schedule(broker_settings))
        assert set(_queued(session).values()) == {"queued"}  # no worker yet
        again = tick(maker, jobs, broker_settings, now=MONDAY_FIRST, since=BEFORE)
        assert not any(again.values())  # each is still queued: nothing queued twice
        assert session.scalar(select(func.count(JobRun.id))) == 7
        quiet = tick(maker, jobs, broker_settings, now=MONDAY_FIRST, since=MONDAY_FIRST)
        assert quiet == {}  # nothing came due

        workers.start()
        deadline = time.monotonic() + 120
        while set(_queued(session).values()) & {"queued", "running"}:
            assert time.monotonic() < deadline, workers.log_tail()
            time.sleep(0.3)
        assert set(_queued(session).values()) == {"done"}, _queued(session)
        assert session.scalar(select(func.count(KudosRound.id))) == 1
        assert session.get(InsightFact, conversation.id) is not None  # counted by the rollup
        session.expire_all()
        assert session.get(Message, turn.id).signal_version != "an-older-model"  # type: ignore[union-attr]
        assert get_fact(session, ENCODER_FACT) == ENCODER_VERSION
        assert not expired.exists()  # deleted by the worker, from the data directory
        assert len(manual) == 4
        beat = make_celery(broker_settings)  # what beat sends: an entry's name to a worker
        beat.send_task(PERIODIC_TASK, args=["kudos-prepare"], queue=broker_settings.broker_queue)
        beat.close()
        kudos = select(JobRun.status).where(JobRun.kind == "kudos-prepare")
        while (statuses := _statuses(session, kudos)) != ["done", "done"]:
            assert time.monotonic() < deadline, f"{statuses}\n{workers.log_tail()}"
            time.sleep(0.3)
        assert session.scalar(select(func.count(KudosRound.id))) == 1  # already open: left alone
        later = tick(maker, jobs, broker_settings, now=MONDAY_FIRST, since=BEFORE)
        assert later["kudos-prepare"] and not later["rescore"]  # nothing outdated is left
        assert not later["kb-reembed"] and not later["rejected-rows"]  # nothing left to delete
    finally:
        jobs.shutdown()
        engine.dispose()


# One broker: the way a periodic turn travels is each broker's in the test above; this one
# is about what the sweep's turn does once a worker has it.
@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_beats_sweep_turn_has_a_worker_score_a_turn_left_unscored(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    """With workers, beat's ``signals-sweep`` turn reaches a worker, which queues one scoring
    job for a customer turn stored half an hour ago and never scored (its server died), and
    runs it; a second turn finds nothing left."""
    then = utcnow() - timedelta(minutes=30)
    conversation = make_conversation(session, start=then)  # unscored, as a dead server left it
    session.execute(
        update(Conversation).where(Conversation.id == conversation.id).values(created_at=then)
    )
    session.commit()
    workers.start()
    beat = make_celery(broker_settings)
    scoring = select(JobRun.status).where(JobRun.kind == "score")
    deadline = time.monotonic() + 120
    try:
        beat.send_task(PERIODIC_TASK, args=["signals-sweep"], queue=broker_settings.broker_queue)
        while (statuses := _statuses(session, scoring)) != ["done"]:
            assert time.monotonic() < deadline, f"{statuses}\n{workers.log_tail()}"
            time.sleep(0.3)
        beat.send_task(PERIODIC_TASK, args=["signals-sweep"], queue=broker_settings.broker_queue)
        time.sleep(3)  # a second job would be queued by now
    finally:
        beat.close()
    job = session.scalars(select(JobRun).where(JobRun.kind == "score")).one()
    assert job.subject == f"sweep:{conversation.id}", job.detail
    customer = select(Message.signal_version).where(
        Message.conversation_id == conversation.id, Message.author_role == "customer"
    )
    assert None not in _statuses(session, customer)


def _expired_rejected_rows(session: Session, settings: Settings) -> Path:
    """The rows an import set aside 31 days ago, still on disk (no commit)."""
    run = ImportRun(
        filename="old.csv",
        format="csv",
        source="csv",
        sha256="0" * 64,
        status="partial",
        rows_total=2,
        rows_rejected=1,
        created_at=utcnow() - timedelta(days=31),
    )
    session.add(run)
    session.flush()
    path = rejected_rows_path(settings.data_dir, run.id)
    write_atomically(path, b"conversation_id,channel\nIMP-2,pigeon\n")
    return path


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_the_takeover_turn_resumes_a_job_whose_worker_host_died(
    broker_settings: Settings, session: Session
) -> None:
    """With workers, beat's ``jobs-takeover`` turn (what a worker does on receiving it) takes
    over a whole job whose host fell silent past ``STALE_AFTER``: a webhook's scoring job is
    resumed, scoring its conversation, rather than stay ``running`` until a server starts."""
    then = utcnow() - timedelta(minutes=30)
    conversation = make_conversation(session, start=then)  # unscored, as the dead host left it
    silent = utcnow() - STALE_AFTER - timedelta(minutes=1)
    job = JobRun(kind="score", subject=f"webhook:{conversation.id}", status="running")
    job.owner, job.heartbeat_at = "a-host-that-died.example:4242", silent
    session.add(job)
    session.commit()
    engine = make_engine(broker_settings.resolved_database_url)
    jobs = scheduled_jobs(make_sessionmaker(engine), broker_settings)
    try:
        assert queue_periodic(
            make_sessionmaker(engine), jobs, broker_settings, "jobs-takeover"
        ) == [job.id]
        deadline = time.monotonic() + 60
        while _statuses(session, select(JobRun.status).where(JobRun.id == job.id)) != ["done"]:
            assert time.monotonic() < deadline, "the resumed job did not end"
            time.sleep(0.1)
    finally:
        jobs.shutdown()
        engine.dispose()
    customer = select(Message.signal_version).where(
        Message.conversation_id == conversation.id, Message.author_role == "customer"
    )
    assert None not in _statuses(session, customer)
