"""A job can be cancelled from its status (the import page): in process, the work stops at its
next progress report; on Celery workers, at the next chunk. What was written stays whole."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokers import Workers
from builders import conversation_record, csrf_from, make_user, sign_in
from poise.app import create_app
from poise.auth.actions import create_api_token, team_by_name
from poise.auth.models import Team
from poise.background import record_only_hooks, split_kinds
from poise.conversations.models import ImportRun, Message
from poise.conversations.writer import write_conversations
from poise.db import make_engine, make_sessionmaker
from poise.jobs import InProcessJobs, JobChunk, JobProgress, JobRun
from poise.jobs.broker import BrokerJobs
from poise.settings import Settings


def _store_pending(session: Session, count: int) -> None:
    """``count`` conversations whose customer turn (each a different text) is unscored."""
    texts = [
        f"Order {n} arrived broken after {n % 13} days, no answer {n * 7}" for n in range(count)
    ]
    write_conversations(session, "helpdesk", [conversation_record(customer_text=t) for t in texts])
    session.commit()


def _import_run(session: Session) -> str:
    """An import of team Care on the import page, whose scoring job the test's job plays;
    its subject."""
    care = team_by_name(session, "Care", create=True).id
    run = ImportRun(
        filename="f.csv",
        format="csv",
        source="upload",
        sha256="0" * 64,
        status="imported",
        team_id=care,
    )
    session.add(run)
    session.commit()
    return f"import:{run.id}"


def _job(session: Session, job_id: int) -> JobRun:
    session.expire_all()
    job = session.get(JobRun, job_id)
    assert job is not None
    return job


def _cancel_on_the_page(client: TestClient, job_id: int) -> str:
    """Press the job's Cancel button on the import page, as a lead; the page after."""
    page = client.get("/import")
    assert f'action="/jobs/{job_id}/cancel"' in page.text
    response = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 200, response.text[:300]  # followed to /import
    return response.text


def test_a_lead_cancels_a_running_job_which_stops_at_its_next_report(
    settings: Settings, session: Session, client: TestClient
) -> None:
    sign_in(client, make_user(session, role="lead", team="Care"))
    engine = make_engine(settings.resolved_database_url)
    jobs = InProcessJobs(make_sessionmaker(engine))
    first_written, go_on = threading.Event(), threading.Event()

    def work(work_session: Session, progress: JobProgress) -> str:
        for n in range(4):  # each step its own transaction, as scoring's batches are
            work_session.add(Team(name=f"Step {n}"))
            work_session.commit()
            first_written.set()
            go_on.wait(30)
            progress(n + 1, 4)
        return "all four written"

    try:
        job_id, future = jobs.submit("steps", work, subject=_import_run(session))
        assert first_written.wait(30)
        assert "cancelled" in _cancel_on_the_page(client, job_id)
        go_on.set()
        future.result(timeout=30)
    finally:
        go_on.set()
        jobs.shutdown()
        engine.dispose()
    job = _job(session, job_id)
    assert job.status == "cancelled" and job.finished_at is not None
    assert "cancelled by" in job.detail
    steps = session.scalars(select(Team.name).where(Team.name.like("Step %"))).all()
    assert steps == ["Step 0"]  # the step before the cancel stays; nothing after it
    again = client.post(
        f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_from(client.get("/import").text)}
    )
    assert again.status_code == 400 and "already ended" in again.text


def test_an_agent_cannot_cancel_a_lead_cancels_through_the_api_once(
    session: Session, client: TestClient
) -> None:
    job = JobRun(kind="score", subject=_import_run(session), status="queued")
    session.add(job)
    session.commit()
    sign_in(client, make_user(session, role="agent", team="Care"))
    token = csrf_from(client.get("/account").text)
    refused = client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token})
    assert refused.status_code == 403
    assert _job(session, job.id).status == "queued"
    lead = make_user(session, role="lead", team="Care")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    cancelled = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    ended = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers)
    assert ended.status_code == 400 and "already ended" in ended.json()["detail"]


def test_a_job_cancelled_on_the_workers_stops_at_a_chunk_boundary(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    # Many small chunks, and the page opened before the workers start, so that the cancel
    # lands within a chunk or two of the first one on a fast machine too (CI's is faster).
    settings = broker_settings.model_copy(update={"job_chunk_size": 2})
    _store_pending(session, 400)
    engine = make_engine(settings.resolved_database_url)
    kinds = split_kinds(record_only_hooks(settings))
    jobs = BrokerJobs(make_sessionmaker(engine), settings, splittable=kinds)
    try:
        job_id = jobs.submit_split("score", None, subject=_import_run(session))
        with TestClient(create_app(settings)) as client:
            sign_in(client, make_user(session, role="lead", team="Care"))
            page = client.get("/import")
            assert f'action="/jobs/{job_id}/cancel"' in page.text
            workers.start()
            deadline = time.monotonic() + 90
            while not _job(session, job_id).done:  # a chunk written: cancel in the middle
                assert time.monotonic() < deadline, workers.log_tail()
                time.sleep(0.01)
            response = client.post(
                f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_from(page.text)}
            )
            assert response.status_code == 200, response.text[:300]  # followed to /import
        written = _done_chunks(session, job_id)
        time.sleep(3)  # the workers take the remaining chunks and leave them
        assert _done_chunks(session, job_id) == written
    finally:
        jobs.shutdown()
        engine.dispose()
    chunks = session.scalars(select(JobChunk).where(JobChunk.job_id == job_id)).all()
    assert len(written) < len(chunks)  # it stopped before the end
    scored = session.scalar(
        select(func.count(Message.id)).where(
            Message.author_role == "customer", Message.signal_version.is_not(None)
        )
    )
    assert scored == sum(c.size for c in chunks if c.id in written)  # whole chunks only
    assert _job(session, job_id).status == "cancelled"


def _done_chunks(session: Session, job_id: int) -> set[int]:
    session.expire_all()
    done = select(JobChunk.id).where(JobChunk.job_id == job_id, JobChunk.status == "done")
    return set(session.scalars(done))
