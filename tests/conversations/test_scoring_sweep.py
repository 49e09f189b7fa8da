"""The sweep of unscored turns: a turn stored and then left unscored (the server died before
scoring it or queueing its job; its job was cancelled) is found and scored by one job, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from test_webhook import payload, stored_unscored
from typer.testing import CliRunner

from builders import signed_headers
from poise.cli import app as cli
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation, Message
from poise.conversations.scoring import live_scoring_work, live_subject
from poise.conversations.sweep import Sweep, find_unscored, queue_sweep
from poise.db import make_sessionmaker
from poise.db.base import utcnow
from poise.hooks import Hooks
from poise.jobs import STALE_AFTER, InProcessJobs, JobRun, cancel_job
from poise.jobs.kinds import SCORE
from poise.scheduler import SWEEP, queue_periodic
from poise.settings import Settings
from poise.signals import get_scorer
from support import ended_job

GRACE = timedelta(minutes=5)  # POISE_SCORING_SWEEP_GRACE_MINUTES's default


def _stored_unscored(
    session: Session, secret: str, key: str, minutes_ago: int, text: str = "My order never arrived."
) -> int:
    """A customer turn a webhook stored ``minutes_ago`` (sent then, in a conversation new
    then) and left unscored: the request's own action ran, then the server died. Its
    conversation's id."""
    then = utcnow() - timedelta(minutes=minutes_ago)
    sent = then.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = payload(f"{key}-1", text, sent, id=key)
    stored = stored_unscored(session, body, signed_headers(body, secret))
    conv_id = stored.conversation_id
    session.execute(update(Conversation).where(Conversation.id == conv_id).values(created_at=then))
    session.commit()
    return conv_id


def _unscored(session: Session) -> list[int]:
    """The conversations with a customer turn still waiting for a score."""
    session.expire_all()
    query = select(Message.conversation_id).where(
        Message.author_role == "customer", Message.signal_version.is_(None)
    )
    return sorted(session.scalars(query))


def _jobs(session: Session) -> list[tuple[str, str, str]]:
    session.expire_all()
    rows = session.execute(select(JobRun.kind, JobRun.status, JobRun.subject).order_by(JobRun.id))
    return [tuple(row) for row in rows]


def test_a_turn_left_unscored_is_swept_into_one_scoring_job_once(
    settings: Settings, engine: Engine, session: Session
) -> None:
    """A server died after storing a delivered turn, before scoring it or queueing its job:
    nothing scored it unless its sender replayed it. The periodic sweep queues one scoring
    job for it, and a second sweep while that job waits queues nothing. Its job cancelled
    for good, the next sweep queues another, which scores the turn and refreshes the
    conversation's signals; a sweep after that finds nothing."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    conv_id = _stored_unscored(session, secret, "T-1", minutes_ago=10)
    maker = make_sessionmaker(engine)
    idle = InProcessJobs(maker, workers=0)  # a pool that runs nothing: its jobs stay queued
    try:
        (job_id,) = queue_periodic(maker, idle, settings, SWEEP)
        assert queue_periodic(maker, idle, settings, SWEEP) == []  # the queued job covers it
    finally:
        idle.shutdown()
    assert _jobs(session) == [(SCORE, "queued", f"sweep:{conv_id}")]
    assert _unscored(session) == [conv_id]

    cancel_job(session, job_id, by="an admin")
    jobs = InProcessJobs(maker)
    try:
        (again,) = queue_periodic(maker, jobs, settings, SWEEP)
        job = ended_job(session, again)
        assert (job.status, job.subject) == ("done", f"sweep:{conv_id}"), job.detail
        assert job.detail.startswith("scored 1 message in 1 conversation")
        assert queue_periodic(maker, jobs, settings, SWEEP) == []
    finally:
        jobs.shutdown()
    assert _unscored(session) == []
    conv = session.get(Conversation, conv_id)
    assert conv is not None and conv.signals_version is not None and conv.signal_trend
    assert [status for _, status, _ in _jobs(session)] == ["cancelled", "done"]


def test_the_sweep_leaves_young_turns_history_and_turns_a_job_will_score(
    settings: Settings, engine: Engine, session: Session
) -> None:
    """A turn stored a minute ago may still be scored by its webhook's request; one sent
    three days ago is history (an import with ``--no-score``: ``poise signals score``'s);
    one whose webhook's scoring job is still queued is that job's. Only the rest is swept.
    While a job that may score anything is under way (an import's), the sweep waits."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    young = _stored_unscored(session, secret, "T-young", minutes_ago=1)
    history = _stored_unscored(session, secret, "T-history", minutes_ago=3 * 24 * 60)
    covered = _stored_unscored(session, secret, "T-covered", minutes_ago=10)
    left = _stored_unscored(session, secret, "T-left", minutes_ago=10)
    maker = make_sessionmaker(engine)
    idle = InProcessJobs(maker, workers=0)
    try:
        work = live_scoring_work([covered], hooks=Hooks())
        idle.submit(SCORE, work, subject=live_subject([covered]))  # the webhook's own job
        found = find_unscored(session, grace=GRACE, days=2, now=utcnow())
        assert (found.conversation_ids, found.turns, found.waiting) == ([left], 1, 1)
        said = "swept 1 unscored customer message in 1 conversation"
        assert str(found) == f"{said} (1 more left to a scoring job under way)"

        (job_id,) = queue_periodic(maker, idle, settings, SWEEP)
        assert _jobs(session)[-1] == (SCORE, "queued", f"sweep:{left}")
        idle.submit(SCORE, work, subject="import:1")  # an import's scoring, whatever it holds
        waiting = find_unscored(session, grace=GRACE, days=2, now=utcnow())
        assert (waiting.conversation_ids, waiting.turns, waiting.waiting) == ([], 0, 2)
        assert str(waiting) == "2 unscored customer messages left to a scoring job under way"
    finally:
        idle.shutdown()
    assert _unscored(session) == sorted([young, history, covered, left])
    swept = session.get(JobRun, job_id)
    assert swept is not None and swept.subject == f"sweep:{left}"


def test_poise_signals_sweep_scores_what_was_left_and_says_how_many(
    cli_env: Settings, session: Session
) -> None:
    """The operator's command: it sweeps as the server does, scores in a job of its own
    (shown by ``poise jobs``), prints the count; run again it finds none."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    conv_id = _stored_unscored(session, secret, "T-1", minutes_ago=10)
    _stored_unscored(session, secret, "T-young", minutes_ago=1)
    result = CliRunner().invoke(cli, ["signals", "sweep"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Sweep: swept 1 unscored customer message in 1 conversation." in said
    assert "Signals: scored 1 message in 1 conversation" in said
    assert _jobs(session) == [(SCORE, "done", f"sweep:{conv_id}")]
    again = CliRunner().invoke(cli, ["signals", "sweep"])
    assert again.exit_code == 0, again.output
    assert "Sweep: no unscored customer message to sweep." in " ".join(again.output.split())
    assert len(_jobs(session)) == 1


UNREADABLE = "The box came empty, the parcel was never there."


def _model_fails_on(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """The feeling model raises on every batch holding ``text``, and only on those: a fault of
    the model on one input, which no retry mends (the database and the jobs stay real)."""
    scorer = get_scorer("negativity")
    real = scorer.score_batch

    def score_batch(texts: Sequence[str]) -> object:
        if text in texts:
            raise RuntimeError("the model cannot read this input")
        return real(texts)

    monkeypatch.setattr(scorer, "score_batch", score_batch)


def _sweep_at(session: Session, jobs: InProcessJobs, now: datetime) -> Sweep:
    """A sweep's turn at ``now`` (the server's clock later on), its job ended when it queued one."""
    swept = queue_sweep(session, jobs, hooks=Hooks(), grace=GRACE, days=2, now=now)
    if swept.job_id is not None:
        ended_job(session, swept.job_id)
    return swept


def _failed_at(session: Session, job_id: int | None) -> datetime:
    assert job_id is not None
    job = ended_job(session, job_id)
    assert job.status == "failed" and job.finished_at is not None, job.detail
    return job.finished_at


def test_a_conversation_whose_scoring_keeps_failing_waits_longer_after_each_failure(
    cli_env: Settings, engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model that raises on one text failed the sweep's job at every turn, every 10
    minutes for the 2 days of the window (288 failed jobs on the jobs page), and that text
    kept every conversation swept with it unscored. Now the job scores the others one at a
    time; the failing conversation is swept again 20 minutes after its failed job, then 40
    minutes after the next, and so on. An operator's ``poise signals sweep`` does not wait."""
    _model_fails_on(monkeypatch, UNREADABLE)
    secret = create_integration(session, actor=None, name="helpdesk").secret
    unreadable = _stored_unscored(session, secret, "T-bad", minutes_ago=10, text=UNREADABLE)
    readable = _stored_unscored(session, secret, "T-good", minutes_ago=10)
    jobs = InProcessJobs(make_sessionmaker(engine))
    try:
        first = _sweep_at(session, jobs, utcnow())
        assert first.conversation_ids == sorted([unreadable, readable])
        failed = _failed_at(session, first.job_id)
        assert _unscored(session) == [unreadable]  # the other one scored alone

        for wait in (timedelta(minutes=20), timedelta(minutes=40)):
            early = _sweep_at(session, jobs, failed + wait - timedelta(minutes=1))
            assert early.job_id is None, f"swept again {wait} after a failure, less a minute"
            said = "1 unscored customer message waiting to be retried after their scoring failed"
            assert str(early) == said
            retried = _sweep_at(session, jobs, failed + wait + timedelta(minutes=1))
            assert retried.conversation_ids == [unreadable]
            failed = _failed_at(session, retried.job_id)
    finally:
        jobs.shutdown()
    assert [status for _, status, _ in _jobs(session)] == ["failed"] * 3

    result = CliRunner().invoke(cli, ["signals", "sweep"])  # at once: no wait for an operator
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "Sweep: swept 1 unscored customer message in 1 conversation." in said
    assert _jobs(session)[-1] == (SCORE, "failed", f"sweep:{unreadable}")


def test_a_job_whose_host_fell_silent_leaves_its_conversations_to_the_sweep(
    settings: Settings, engine: Engine, session: Session
) -> None:
    """A job whose process died stays ``running`` under its owner's name until a server's
    start takes it over, and a host that died may never start again: its conversations were
    left unscored, and a dead import's job stopped every sweep. A job whose host has been
    silent longer than the jobs' limit (15 minutes) now covers nothing; one heard from a
    minute ago still does. The sweep leaves the dead job's row to the takeover."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    abandoned = _stored_unscored(session, secret, "T-abandoned", minutes_ago=30)
    covered = _stored_unscored(session, secret, "T-covered", minutes_ago=30)
    silent = utcnow() - STALE_AFTER - timedelta(minutes=1)
    dead, alive = "poise-dead-host:4242", "poise-busy-host:4242"
    ghosts = [
        JobRun(kind=SCORE, subject=f"sweep:{abandoned}", owner=dead, heartbeat_at=silent),
        JobRun(kind=SCORE, subject="import:7", owner=dead, heartbeat_at=silent),
    ]
    heard = utcnow() - timedelta(minutes=1)
    live = JobRun(kind=SCORE, subject=f"webhook:{covered}", owner=alive, heartbeat_at=heard)
    for job in [*ghosts, live]:
        job.status = "running"
    session.add_all([*ghosts, live])
    session.commit()

    found = find_unscored(session, grace=GRACE, days=2, now=utcnow())
    assert (found.conversation_ids, found.turns, found.waiting) == ([abandoned], 1, 1)
    jobs = InProcessJobs(make_sessionmaker(engine))
    try:
        (job_id,) = queue_periodic(make_sessionmaker(engine), jobs, settings, SWEEP)
        job = ended_job(session, job_id)
        assert (job.status, job.subject) == ("done", f"sweep:{abandoned}"), job.detail
    finally:
        jobs.shutdown()
    assert _unscored(session) == [covered]
    assert [(j.status, j.owner) for j in ghosts] == [("running", dead)] * 2
