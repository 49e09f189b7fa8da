"""Jobs survive their process: resumed after a crash, stopped quickly by SIGTERM, scoped to
their own import, and re-started by a re-run of an import that a crash cut short."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from builders import conversation_record, make_user
from poise import jobs
from poise.auth.actions import create_api_token
from poise.connectors.client import Seam
from poise.conversations.models import Message
from poise.conversations.scoring import BATCH
from poise.conversations.writer import write_conversations
from poise.db.base import utcnow
from poise.db.engine import make_sessionmaker
from poise.jobs import (
    INTERRUPTED,
    STALE_AFTER,
    InProcessJobs,
    JobProgress,
    JobRun,
    JobWork,
    Resumer,
    owner_is_gone,
)
from poise.settings import Settings
from support import free_port

POISE = Path(sys.executable).parent / "poise"
CSV_HEADER = "conversation_id,channel,author_role,body,sent_at\n"


def resumers_for(settings: Settings) -> dict[str, Resumer]:
    """What a server's pool resumes (alerts recorded only)."""
    from poise.background import record_only_hooks, resumers

    return resumers(settings, Seam(), record_only_hooks(settings))


def _dead_owner() -> str:
    """An owner name naming a process of this host that has exited."""
    import socket

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}"


def _store_pending(session: Session, count: int, *, source: str = "helpdesk") -> None:
    """``count`` conversations whose customer turn (each a different text) is unscored."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    records = [
        conversation_record(
            customer_text=f"Order {n} arrived broken after {n % 13} days, no answer {n * 7}",
            start=start + timedelta(minutes=n),
        )
        for n in range(count)
    ]
    write_conversations(session, source, records)
    session.commit()


def _pending(session: Session, source: str | None = None) -> int:
    from poise.conversations.models import Conversation

    query = select(func.count(Message.id)).where(
        Message.author_role == "customer", Message.signal_version.is_(None)
    )
    if source:
        query = query.join(Conversation).where(Conversation.source == source)
    session.expire_all()
    return int(session.scalar(query) or 0)


def _job(session: Session, job_id: int) -> JobRun:
    session.expire_all()
    job = session.get(JobRun, job_id)
    assert job is not None
    return job


def _wait_for(session: Session, job_id: int, status: str, seconds: float = 60) -> JobRun:
    deadline = time.monotonic() + seconds
    while (job := _job(session, job_id)).status != status:
        assert time.monotonic() < deadline, f"job stayed {job.status}: {job.detail}"
        time.sleep(0.1)
    return job


def _orphan(session: Session, kind: str, status: str) -> int:
    job = JobRun(kind=kind, subject="import:1", status=status, done=8, total=100)
    job.owner = _dead_owner()
    session.add(job)
    session.commit()
    return job.id


def test_a_job_left_running_by_a_dead_process_is_resumed_at_start_up(
    settings: Settings, session: Session
) -> None:
    _store_pending(session, 30)
    scoring = _orphan(session, "score", "running")
    mining = _orphan(session, "kb-mine", "running")
    from poise.app import create_app

    with TestClient(create_app(settings)):
        job = _wait_for(session, scoring, "done")
    assert "resumed" not in job.detail and job.detail.startswith("scored 30 messages")
    assert _pending(session) == 0
    cannot_resume = _job(session, mining)
    assert cannot_resume.status == "interrupted"
    assert "start it again" in cannot_resume.detail


def test_a_running_server_takes_over_a_dead_processs_job_without_a_restart(
    settings: Settings, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job whose process died while the servers stay up is taken over by a server's own
    takeover turn (every 5 minutes; shortened here): another host's job silent past
    ``STALE_AFTER`` is resumed, a dead pid's job of a kind that cannot resume is marked as a
    start marks it. Before, both stayed ``running`` until some server restarted."""
    monkeypatch.setattr("poise.scheduler.LOCAL_ROLLUP_SECONDS", 0.05)
    monkeypatch.setattr("poise.scheduler.LOCAL_TAKEOVER_SECONDS", 0.2, raising=False)
    _store_pending(session, 30)
    from poise.app import create_app

    with TestClient(create_app(settings)):
        silent = utcnow() - STALE_AFTER - timedelta(minutes=1)
        scoring = JobRun(kind="score", subject="import:1", status="running", done=8, total=100)
        scoring.owner, scoring.heartbeat_at = "a-host-that-died.example:4242", silent
        session.add(scoring)
        session.commit()
        mining = _orphan(session, "kb-mine", "running")  # started after the server: no start
        job = _wait_for(session, scoring.id, "done", seconds=30)  # sees them
        cannot_resume = _wait_for(session, mining, "interrupted", seconds=30)
    assert job.detail.startswith("scored 30 messages"), job.detail
    assert _pending(session) == 0
    assert cannot_resume.detail == INTERRUPTED


def test_two_servers_racing_take_an_abandoned_job_once(
    settings: Settings, session: Session, engine: Engine
) -> None:
    """Two pools (two servers) whose takeover turns find the same dead job: the claim is
    guarded by the old owner, so one of them resumes it and the other leaves it."""
    _store_pending(session, 5)
    job_id = _orphan(session, "score", "running")
    pools = [
        InProcessJobs(make_sessionmaker(engine), resumable=resumers_for(settings)) for _ in "ab"
    ]
    start = threading.Barrier(len(pools))
    taken: list[list[int]] = []

    def turn(pool: InProcessJobs) -> None:
        start.wait()
        taken.append(pool.take_over())

    threads = [threading.Thread(target=turn, args=(pool,)) for pool in pools]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(taken) == [[], [job_id]]
        assert _wait_for(session, job_id, "done").detail.startswith("scored 5 messages")
    finally:
        for pool in pools:
            pool.shutdown()


def _long_step() -> tuple[threading.Event, threading.Event, JobWork]:
    """A job's work in one step, with no progress report, until ``release`` is set; ``inside``
    is set as it begins."""
    inside, release = threading.Event(), threading.Event()

    def long_step(session: Session, progress: JobProgress) -> str:
        inside.set()
        release.wait(30)
        return "done at last"

    return inside, release, long_step


def _fell_silent(session: Session, job_id: int) -> None:
    """The job last said it was alive longer ago than ``STALE_AFTER``."""
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    session.execute(update(JobRun).where(JobRun.id == job_id).values(heartbeat_at=long_ago))
    session.commit()


def test_the_takeover_turn_keeps_the_heartbeat_of_its_own_pools_long_step(
    session: Session, engine: Engine
) -> None:
    """A job in one step longer than ``STALE_AFTER`` reports no progress: the takeover turn
    of its own server says it is alive, so another host's server does not take it over."""
    pool = InProcessJobs(make_sessionmaker(engine))
    inside, release, long_step = _long_step()
    job_id, finished = pool.submit("kb-mine", long_step)
    try:
        assert inside.wait(30)
        _fell_silent(session, job_id)
        assert pool.take_over() == []
        job = _job(session, job_id)
        assert job.status == "running"
        assert not owner_is_gone("another-host.example:1", job.heartbeat_at, utcnow())
    finally:
        release.set()
        finished.result(30)
        pool.shutdown()


def test_a_job_queued_behind_a_long_one_is_not_taken_from_its_server(
    session: Session, engine: Engine
) -> None:
    """A job waiting in a server's pool behind a long one keeps its submission's heartbeat:
    past ``STALE_AFTER``, another host's takeover turn would have started it too, and the
    pool would then run it a second time. The takeover turn beats for it as it waits."""
    pool = InProcessJobs(make_sessionmaker(engine))
    inside, release, long_step = _long_step()
    _, first = pool.submit("kb-mine", long_step)
    try:
        assert inside.wait(30)
        waiting, second = pool.submit("kb-mine", lambda session, progress: "done too")
        _fell_silent(session, waiting)
        pool.take_over()
        job = _job(session, waiting)
        assert job.status == "queued"
        assert not owner_is_gone("another-host.example:1", job.heartbeat_at, utcnow())
    finally:
        release.set()
        first.result(30)
        second.result(30)
        pool.shutdown()
    assert _job(session, waiting).status == "done"


def test_a_job_says_it_is_alive_through_a_long_step_without_progress(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker worker's whole job runs with no server's takeover turn to beat for it: its
    heartbeat moved only at progress reports, so a step longer than ``STALE_AFTER`` let
    another host take it over while it still ran. The job now beats while its work runs."""
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    maker = make_sessionmaker(engine)
    job = JobRun(kind="kb-mine", status="queued", owner=jobs.IN_THE_QUEUE)
    session.add(job)
    session.commit()
    inside, release = threading.Event(), threading.Event()
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)

    def long_step(work_session: Session, progress: JobProgress) -> str:
        with maker() as other:  # as the worker's step begins, the job reads long silent
            other.execute(update(JobRun).where(JobRun.id == job.id).values(heartbeat_at=long_ago))
            other.commit()
        inside.set()
        release.wait(30)
        return "mined"

    worker = threading.Thread(target=jobs.run_job, args=(maker, job.id, long_step))
    worker.start()
    try:
        assert inside.wait(30)
        deadline = time.monotonic() + 20
        while owner_is_gone("another-host.example:1", _job(session, job.id).heartbeat_at, utcnow()):
            assert time.monotonic() < deadline, "the job's heartbeat never moved in its step"
            time.sleep(0.05)
    finally:
        release.set()
        worker.join(30)
    assert _job(session, job.id).status == "done"


def test_a_live_process_keeps_its_jobs(settings: Settings, session: Session) -> None:
    """Another server process of this host still running a job is left alone."""
    import socket

    job = JobRun(kind="score", status="running", owner=f"{socket.gethostname()}:{os.getppid()}")
    session.add(job)
    session.commit()
    from poise.app import create_app

    with TestClient(create_app(settings)):
        assert _job(session, job.id).status == "running"


def _wait_until_serving(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "the server exited at start-up"
        assert time.monotonic() < deadline, "the server did not start"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)


# Five batches of the scoring job (``BATCH``): SIGTERM follows the first commit, so the server
# stops within a batch or two and work is left; the next start scores only what is left.
PENDING = 5 * BATCH


def test_sigterm_ends_the_server_within_5_seconds_leaving_the_work_pending(
    settings: Settings, session: Session
) -> None:
    _store_pending(session, PENDING)
    job_id = _orphan(session, "score", "queued")  # the server resumes it as it starts
    port = free_port()
    env = {
        **os.environ,
        "POISE_DATABASE_URL": settings.resolved_database_url,
        "POISE_DATA_DIR": str(settings.data_dir),
        "POISE_ENVIRONMENT": "test",
        "POISE_SECRET_KEY": settings.secret_key,
    }
    log = settings.data_dir.parent / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(POISE), "serve", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    try:
        _wait_until_serving(server, port)
        deadline = time.monotonic() + 60
        while _pending(session) == PENDING:  # the orphan's own "8%" is no progress of this run
            assert time.monotonic() < deadline, "the resumed job never committed a batch"
            time.sleep(0.1)
        sent = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert took < 5, f"SIGTERM took {took:.1f} s"
    stopped = _job(session, job_id)
    assert stopped.status == "queued", stopped.detail
    left = _pending(session)
    assert 0 < left < PENDING

    from poise.app import create_app

    with TestClient(create_app(settings)):  # the next start finishes it
        finished = _wait_for(session, job_id, "done", seconds=120)
    assert finished.detail.startswith(f"scored {left:,} messages")
    assert _pending(session) == 0


def _csv(prefix: str, count: int) -> bytes:
    rows = [
        f"{prefix}{n},chat,customer,My parcel {n} never came,2026-11-0{1 + n % 9}T10:00:00Z"
        for n in range(count)
    ]
    return (CSV_HEADER + "\n".join(rows) + "\n").encode()


def _upload(client: TestClient, token: str, data: bytes) -> dict[str, object]:
    response = client.post(
        "/api/v1/imports",
        headers={"Authorization": f"Bearer {token}"},
        data={"format": "csv", "source": "upload"},
        files={"file": ("file.csv", data, "text/csv")},
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _wait_api(client: TestClient, token: str, job_id: object) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, object] = client.get(
            f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        if body["status"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_an_upload_scores_only_its_own_messages(client: TestClient, session: Session) -> None:
    _store_pending(session, 5, source="elsewhere")  # e.g. imported with --no-score
    token = create_api_token(session, actor=None, user=make_user(session, role="lead"))
    report = _upload(client, token, _csv("a", 4))
    job = _wait_api(client, token, report["scoring_job_id"])
    assert job["status"] == "done" and str(job["detail"]).startswith("scored 4 messages")
    assert _pending(session, "upload") == 0
    assert _pending(session, "elsewhere") == 5


def test_rerunning_an_import_after_a_crash_scores_what_is_unscored(
    client: TestClient, session: Session
) -> None:
    """A re-run stores nothing new; with no scoring job under way its waiting turns are
    scored (the sweep looks back two days, an import's history is older). A file sent again
    while a job waits queues none (``test_import``)."""
    token = create_api_token(session, actor=None, user=make_user(session, role="lead"))
    data = _csv("b", 6)
    first = _upload(client, token, data)
    _wait_api(client, token, first["scoring_job_id"])
    session.execute(  # as if the process died before its scoring job ran
        update(Message).values(signal_version=None, negativity=None)
    )
    session.commit()
    again = _upload(client, token, data)
    assert again["messages_created"] == 0 and again["scoring_job_id"] is not None
    job = _wait_api(client, token, again["scoring_job_id"])
    assert str(job["detail"]).startswith("scored 6 messages")
    assert _pending(session) == 0
    third = _upload(client, token, data)  # nothing left to score: no job
    assert third["scoring_job_id"] is None
