"""A scoring job of live turns (a webhook's, the sweep's) outlives the process that queued it:
the next start scores the turns and raises their alerts, as the request or the first run
would have. A resumed job scored every pending turn and told nobody, so an unhappy VIP
opening stored just before a restart never alerted its team."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from conversations.test_webhook import payload, stored_unscored
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from builders import signed_headers
from connectors.alerts.alert_builders import ON_PREMISES, make_crew, make_rule, offline_dns
from connectors.alerts.conftest import Receiver
from poise.app import create_app
from poise.background import make_jobs
from poise.connectors.alerts.models import AlertDelivery
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation, Message
from poise.conversations.queries import job_conversation_ids, subject_cut
from poise.conversations.scoring import score_live_turns
from poise.conversations.sweep import find_unscored, queue_sweep
from poise.db import make_sessionmaker
from poise.db.base import utcnow
from poise.hooks import Hooks
from poise.jobs import InProcessJobs, JobRun
from poise.settings import Settings
from poise.signals import get_scorer
from support import ended_job, fails_once

ANGRY = "This is absolutely unacceptable. I am furious, your service is a disgrace!"
CALM = "Hello, could you tell me how to change the paper size on my printer?"
GRACE = timedelta(minutes=5)


def _stored(session: Session, secret: str, key: str, text: str, **conv: object) -> int:
    """A customer turn a webhook's request stored ten minutes ago and left unscored (the
    request's own action ran; its scoring did not). Its conversation's id."""
    then = utcnow() - timedelta(minutes=10)
    body = payload(f"{key}-1", text, then.strftime("%Y-%m-%dT%H:%M:%SZ"), id=key, **conv)
    stored = stored_unscored(session, body, signed_headers(body, secret))
    conv_id = stored.conversation_id
    session.execute(update(Conversation).where(Conversation.id == conv_id).values(created_at=then))
    session.commit()
    return conv_id


def _dead_owner() -> str:
    """The owner name of a process of this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}"


def _process_stopped(session: Session, job_id: int) -> None:
    """The process that queued the job has exited, leaving it ``queued`` under its name."""
    session.execute(update(JobRun).where(JobRun.id == job_id).values(owner=_dead_owner()))
    session.commit()


def _webhook_job_left_queued(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch, conv_id: int
) -> int:
    """The webhook's request failed to score its turn and queued the job; its server stopped
    before the job ran (a pool that runs nothing), and its process exited."""
    idle = InProcessJobs(make_sessionmaker(engine), workers=0)
    fails_once(monkeypatch, get_scorer("negativity"), "score_batch", RuntimeError("no memory"))
    try:
        job_id = score_live_turns(session, [conv_id], hooks=Hooks(), jobs=idle)
    finally:
        idle.shutdown()
    assert job_id is not None
    job = session.get(JobRun, job_id)
    assert job is not None and (job.status, job.subject) == ("queued", f"webhook:{conv_id}")
    _process_stopped(session, job_id)
    return job_id


def _scored(session: Session, conv_id: int) -> bool:
    session.expire_all()
    turns = session.scalars(
        select(Message.signal_version).where(Message.conversation_id == conv_id)
    )
    return all(version is not None for version in turns)


def _vip_alerts(session: Session, receiver: Receiver) -> tuple[str, dict[str, object]]:
    """A team whose rule posts its VIP alerts to ``receiver``, and a webhook sender: the
    sender's secret, and the fields of a VIP conversation of the team's agent."""
    crew = make_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    secret = create_integration(session, actor=None, name="helpdesk").secret
    return secret, {"tags": ["vip"], "assignee_email": crew.agent.email}


def _alerts(session: Session) -> list[tuple[int | None, str, str]]:
    session.expire_all()
    rows = session.scalars(select(AlertDelivery).order_by(AlertDelivery.id))
    return [(row.conversation_id, row.event, row.status) for row in rows]


@pytest.mark.on_premises
def test_a_webhook_job_resumed_by_the_next_server_start_alerts_the_team(
    settings: Settings,
    engine: Engine,
    session: Session,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret, vip = _vip_alerts(session, receiver)
    conv_id = _stored(session, secret, "T-1", ANGRY, **vip)
    job_id = _webhook_job_left_queued(session, engine, monkeypatch, conv_id)

    app = create_app(settings)
    app.state.alert_resolver = offline_dns
    with TestClient(app):  # ``poise serve`` starts again and takes the job over
        job = ended_job(session, job_id)
        (got,) = receiver.wait_for(1)
    assert job.status == "done" and job.detail.startswith("scored 1 message in 1 conversation")
    assert _scored(session, conv_id)
    conv = session.get(Conversation, conv_id)
    assert conv is not None and conv.early_warning and conv.signal_trend
    assert [(cid, event) for cid, event, _ in _alerts(session)] == [(conv_id, "early_warning")]
    assert got.json()["text"].startswith("Early warning: Where is my order?")


@pytest.mark.on_premises
def test_a_webhook_job_taken_over_where_no_server_runs_records_the_alert(
    settings: Settings,
    engine: Engine,
    session: Session,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process without the server's alert thread (the jobs a worker or a command makes)
    records the alert row; a server's dispatcher sends it."""
    secret, vip = _vip_alerts(session, receiver)
    conv_id = _stored(session, secret, "T-1", ANGRY, **vip)
    calm = _stored(session, secret, "T-2", CALM, **vip)  # another's turn: not this job's
    job_id = _webhook_job_left_queued(session, engine, monkeypatch, conv_id)

    jobs = make_jobs(settings, make_sessionmaker(engine))
    try:
        assert jobs.resume_orphans() == [job_id]
        job = ended_job(session, job_id)
    finally:
        jobs.shutdown()
    assert job.status == "done" and job.detail.startswith("scored 1 message in 1 conversation")
    assert _scored(session, conv_id)
    assert not _scored(session, calm)  # left to the sweep, which alerts too
    assert _alerts(session) == [(conv_id, "early_warning", "pending")]
    assert receiver.requests == []


def test_a_resumed_sweep_whose_subject_was_cut_scores_its_listed_conversations(
    settings: Settings, engine: Engine, session: Session, receiver: Receiver
) -> None:
    """A sweep of many conversations names as many as its subject holds. Resumed, it scores
    and alerts those; the rest it leaves to the next sweep (which alerts them too), rather
    than score them where no alert would ever be raised."""
    crew = make_crew(session)
    make_rule(session, crew.lead, target="https://chat.example.com/hook", tag="")
    secret = create_integration(session, actor=None, name="helpdesk").secret
    mine = {"assignee_email": crew.agent.email}
    angry = _stored(session, secret, "T-0", ANGRY, **mine)
    rest = [_stored(session, secret, f"T-{n}", CALM, **mine) for n in range(1, 50)]
    maker = make_sessionmaker(engine)
    idle = InProcessJobs(maker, workers=0)
    try:
        swept = queue_sweep(session, idle, hooks=Hooks(), grace=GRACE, days=2)
    finally:
        idle.shutdown()
    assert swept.job_id is not None and len(swept.conversation_ids) == 50
    job = session.get(JobRun, swept.job_id)
    assert job is not None and subject_cut(job.subject)
    listed = job_conversation_ids(job.subject)
    left = sorted(set(rest) - set(listed))
    assert angry in listed and left
    _process_stopped(session, swept.job_id)

    jobs = make_jobs(settings, maker)
    try:
        assert jobs.resume_orphans() == [swept.job_id]
        done = ended_job(session, swept.job_id)
    finally:
        jobs.shutdown()
    assert done.status == "done", done.detail
    assert all(_scored(session, cid) for cid in listed)
    assert not any(_scored(session, cid) for cid in left)
    assert _alerts(session) == [(angry, "early_warning", "pending")]
    found = find_unscored(session, grace=GRACE, days=2, now=utcnow())
    assert found.conversation_ids == left  # the next sweep's
