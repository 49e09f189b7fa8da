"""Jobs survive their process: resumed after a crash, stopped quickly by SIGTERM, scoped to
their own import, and re-started by a re-run of an import that a crash cut short."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from builders import conversation_record, make_user
from poise.auth.actions import create_api_token
from poise.conversations.models import Message
from poise.conversations.scoring import BATCH
from poise.conversations.writer import write_conversations
from poise.jobs import JobRun
from poise.settings import Settings
from support import free_port

POISE = Path(sys.executable).parent / "poise"
CSV_HEADER = "conversation_id,channel,author_role,body,sent_at\n"


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
