"""The in-process pool (``poise serve`` without POISE_BROKER_URL) when PostgreSQL goes away in
the middle of a job: the job is tried again, and ends ``done`` or ``failed`` as soon as the
database answers, never ``running`` until the server restarts. The server reaches the database
through a link the test cuts and restores (a real TCP relay, as the workers' tests use); the
test reads the rows directly."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from jobs.test_jobs_survive import _csv, _job, _pending, _upload
from sqlalchemy.orm import Session

from brokers import SHORT_FIGURES, SHORT_RETRIES, DatabaseLink
from builders import make_user
from poise.app import create_app
from poise.auth.actions import create_api_token
from poise.conversations.scoring import BATCH
from poise.jobs import JobProgress
from poise.settings import Settings
from support import POSTGRES_URL, ended_job

pytestmark = [
    pytest.mark.skipif(not POSTGRES_URL, reason="set POISE_TEST_DATABASE_URL: its link is cut"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
PENDING = 8 * BATCH  # eight batches of scoring: the link is cut after the first


@pytest.fixture
def link(settings: Settings) -> Iterator[DatabaseLink]:
    relay = DatabaseLink(settings.resolved_database_url)
    yield relay
    relay.cut()


@contextlib.contextmanager
def _server_behind(settings: Settings, link: DatabaseLink) -> Iterator[TestClient]:
    """The web server, its pool included, reaching the database only through ``link``."""
    linked = settings.model_copy(
        update={"database_url": link.url, "job_retry_seconds": SHORT_RETRIES}
    )
    with TestClient(create_app(linked)) as client:
        yield client


def _cut_in_the_scoring(
    client: TestClient, session: Session, link: DatabaseLink
) -> tuple[int, str]:
    """Upload turns to score, and cut the link once their scoring job has written a batch;
    the job's id and the lead's API token."""
    token = create_api_token(session, actor=None, user=make_user(session, role="lead"))
    job_id = int(str(_upload(client, token, _csv("p", PENDING))["scoring_job_id"]))
    deadline = time.monotonic() + 30
    while not _job(session, job_id).done:
        assert time.monotonic() < deadline, "the scoring never wrote a batch"
        time.sleep(0.01)
    link.cut()
    assert _pending(session) > 0, "the scoring ended before the cut"
    return job_id, token


def _wait_logged(caplog: pytest.LogCaptureFixture, pattern: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not any(re.search(pattern, record.getMessage()) for record in caplog.records):
        assert time.monotonic() < deadline, f"nothing logged like {pattern!r}"
        time.sleep(0.02)


def test_a_job_whose_database_stays_away_fails_saying_so_once_it_answers(
    settings: Settings, session: Session, link: DatabaseLink, caplog: pytest.LogCaptureFixture
) -> None:
    # Its failure could not be written to the database that had gone away, and the job showed
    # "running" until the server restarted: no start-up takes over a live process's job.
    with _server_behind(settings, link) as client:
        job_id, token = _cut_in_the_scoring(client, session, link)
        _wait_logged(caplog, rf"^job {job_id}\b.* failed: error", 15)  # its tries are spent
        time.sleep(0.5)
        assert _job(session, job_id).status == "running"  # nothing can be written meanwhile
        link.restore()
        job = ended_job(session, job_id, 10)
        shown = client.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"})
    assert job.status == "failed" and job.finished_at is not None
    assert job.detail.startswith(
        f"the database could not be reached (or stayed busy) for {SHORT_FIGURES}: "
    ), job.detail
    assert "Connection refused" in job.detail  # psycopg's reason, without the statement
    assert shown.json()["status"] == "failed"
    assert 0 < _pending(session) < PENDING  # what was written stays


def test_a_job_whose_database_comes_back_during_its_retries_ends_done(
    settings: Settings, session: Session, link: DatabaseLink, caplog: pytest.LogCaptureFixture
) -> None:
    with _server_behind(settings, link) as client:
        job_id, _ = _cut_in_the_scoring(client, session, link)
        _wait_logged(caplog, rf"^job {job_id}: .*trying again", 10)  # its first try ended
        link.restore()  # before its last: the next try picks up what is still pending
        job = ended_job(session, job_id, 30)
    assert job.status == "done", job.detail
    assert job.detail.startswith("scored ")
    assert _pending(session) == 0


def test_a_job_whose_end_cannot_be_written_at_once_ends_done_once_it_can(
    settings: Settings, session: Session, link: DatabaseLink
) -> None:
    # Its work had ended, and writing so failed: the job showed "running" for ever.
    runs: list[int] = []

    def work(session: Session, progress: JobProgress) -> str:
        runs.append(1)
        progress(1, 1)
        link.cut()  # the database goes away as the work ends
        threading.Timer(1.0, link.restore).start()  # and comes back a second later
        return "all done"

    with _server_behind(settings, link) as client:
        job_id, _ = client.app.state.jobs.submit("kb-mine", work)  # type: ignore[attr-defined]
        job = ended_job(session, job_id, 10)
    assert job.status == "done" and job.detail == "all done"
    assert job.finished_at is not None
    assert len(runs) == 1  # its end is written, the work not run again to say so


def test_the_server_stops_at_once_while_a_job_waits_for_its_database(
    settings: Settings, session: Session, link: DatabaseLink, caplog: pytest.LogCaptureFixture
) -> None:
    with _server_behind(settings, link) as client:
        job_id, _ = _cut_in_the_scoring(client, session, link)
        _wait_logged(caplog, rf"^job {job_id}: .*trying again", 10)
        stopping = time.monotonic()
    took = time.monotonic() - stopping
    assert took < 5, f"the server took {took:.1f} s to stop"
    assert _job(session, job_id).status == "running"  # left for the next start to resume
