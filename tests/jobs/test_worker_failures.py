"""What a team running workers on several machines meets when something breaks, against real
brokers and real `poise worker` processes (nothing about the queue is faked): the broker down
when the web queues work, a chunk that kills its worker every time, the database out of the
workers' reach, a deploy's SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobs.test_celery_worker import (  # noqa: F401
    KILLED,
    _csv,
    _customer_turns,
    _import,
    _job,
    _wait_done,
    _writes,
    score_writes,
)
from knowledge.kb_manual import publish_manual
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from brokers import (
    PRODUCTION_FIGURES,
    SHORT_FIGURES,
    SHORT_RETRIES,
    DatabaseLink,
    Workers,
    other_host_reason,
    queue_here,
    wait_for_redis_to_give_back,
)
from builders import make_user, sign_in
from poise.app import create_app
from poise.conversations.models import Message
from poise.db import make_engine, make_sessionmaker
from poise.db.base import utcnow
from poise.db.meta import get_fact, set_fact
from poise.jobs import IN_THE_QUEUE, STALE_AFTER, JobChunk, JobRun, this_process
from poise.jobs.broker import _fail_job
from poise.jobs.chunks import LOST_STARTS
from poise.knowledge.models import Phrasing
from poise.knowledge.vectors import ENCODER_FACT, ENCODER_VERSION
from poise.scheduler import queue_periodic, scheduled_jobs
from poise.settings import Settings
from support import POSTGRES_URL

STOP_WAIT = 90  # seconds a stopped worker may take to finish what it had begun

NO_POSTGRES = "set POISE_TEST_DATABASE_URL: a database reached over the network is cut"

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


def _the_chunk(session: Session, job_id: int) -> JobChunk:
    session.expire_all()
    return session.scalars(select(JobChunk).where(JobChunk.job_id == job_id)).one()


# Once, on SQLite: the redelivery is the broker's and the pool's doing; a worker's process
# takes seconds to start again after each kill.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_chunk_that_kills_its_worker_every_time_is_given_up_not_run_for_ever(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    # One chunk; its worker's process is SIGKILLed each time it starts it (as the kernel's
    # out-of-memory killer would, every time): the pool starts a new process, and the broker
    # hands the chunk back (acks_late, reject on worker lost), which without a bound is for ever.
    settings = broker_settings.model_copy(update={"job_chunk_size": 5000})
    workers.start()
    with TestClient(create_app(settings)) as client:
        job_id = _import(client, session, _csv(120))
    deadline = time.monotonic() + 60
    killed = 0
    while _job(session, job_id).status in ("queued", "running"):
        chunk = _the_chunk(session, job_id)
        if chunk.status == "pending" and chunk.attempts > killed:
            os.kill(int(chunk.owner.rpartition(":")[2]), signal.SIGKILL)  # the pool's process
            killed = chunk.attempts
        assert time.monotonic() < deadline, workers.log_tail()
        time.sleep(0.02)

    job, chunk = _job(session, job_id), _the_chunk(session, job_id)
    assert killed == chunk.attempts == LOST_STARTS  # not started a fourth time
    assert chunk.status == "failed" and job.status == "failed"
    assert f"a worker stopped {LOST_STARTS} times in the middle of part 1" in job.detail
    scored = select(func.count(Message.id)).where(Message.signal_version.is_not(None))
    assert session.scalar(scored) == 0  # nothing half written
    time.sleep(1)
    assert _the_chunk(session, job_id).attempts == LOST_STARTS  # and no hot loop after


ON_POSTGRESQL = [  # a database the workers reach over the network, cut in between
    pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES))
]


def on_rabbitmq_and_postgresql(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` once, on RabbitMQ and PostgreSQL: a real link to cut, and Celery's retries
    (not Redis's: these tests' visibility timeout is shorter than the later retries' waits)."""
    on_postgresql = pytest.mark.parametrize("database_url", ON_POSTGRESQL, indirect=True)
    return pytest.mark.parametrize("broker", ["rabbitmq"], indirect=True)(on_postgresql(test))


@contextlib.contextmanager
def _cut_off_workers(
    settings: Settings, logs: Path, retries: list[float] | None = None
) -> Iterator[tuple[DatabaseLink, Workers]]:
    """Workers that reach the database only through a link the test cuts and restores, with
    ``retries`` as their POISE_JOB_RETRY_SECONDS (production's when None); each is killed at
    the end, and the link is cut for good."""
    link = DatabaseLink(settings.resolved_database_url)
    update: dict[str, object] = {"database_url": link.url}
    if retries is not None:
        update["job_retry_seconds"] = retries
    workers = Workers(settings.model_copy(update=update), logs)
    try:
        yield link, workers
    finally:
        workers.stop_all()
        link.cut()


def _spend_a_chunks_attempts(
    settings: Settings, session: Session, link: DatabaseLink, workers: Workers
) -> int:
    """Start a worker, cut it off its database and queue a job of one chunk; return the job's
    id once the chunk has spent its attempts (a retry after each wait of the schedule, then
    the last) and its worker could not record the job's failure either."""

    def queue() -> int:
        with TestClient(create_app(settings)) as client:
            return _import(client, session, _csv(12))  # one chunk

    return _spend_attempts(session, link, workers, "run_chunk", queue)


def _spend_attempts(
    session: Session, link: DatabaseLink, workers: Workers, task: str, queue: Callable[[], int]
) -> int:
    """The same for the job ``queue`` queues, whose ``task`` spends its attempts."""
    workers.start()
    deadline = time.monotonic() + 60
    while "models loaded" not in workers.log_tail():
        assert time.monotonic() < deadline, workers.log_tail()
        time.sleep(0.1)
    link.cut()  # the database host goes away for the workers (not for the web process)
    job_id = queue()
    _wait_attempts_spent(workers, task)
    assert _job(session, job_id).status == "queued"  # nothing could be written meanwhile
    return job_id


def _wait_attempts_spent(workers: Workers, task: str) -> None:
    """Wait until ``task`` has ended in the database's error once per wait of the workers'
    schedule, and once more: its last attempt, whose failure could not be recorded."""
    waits = len(json.loads(workers.env["POISE_JOB_RETRY_SECONDS"]))
    ended = re.compile(rf"poise\.{task}\[[^]]+\] (retry|raised unexpected)")
    deadline = time.monotonic() + 90
    while len(ended.findall(workers.log_tail(10**6))) <= waits:
        assert time.monotonic() < deadline, workers.log_tail()
        time.sleep(0.2)


def _failed_saying_the_database_was_unreachable(
    session: Session, job_id: int, figures: str
) -> JobRun:
    job = _job(session, job_id)
    assert job.status == "failed" and job.finished_at is not None
    assert job.detail.startswith(
        f"the database could not be reached (or stayed busy) for {figures}: "
    ), job.detail
    assert "Connection refused" in job.detail  # psycopg's reason, without the statement
    return job


def _the_chunk_never_ran(session: Session, job_id: int) -> None:
    chunk = _the_chunk(session, job_id)
    assert chunk.status == "failed" and chunk.attempts == 0  # never started, not run again
    scored = select(func.count(Message.id)).where(Message.signal_version.is_not(None))
    assert session.scalar(scored) == 0


# Once, on PostgreSQL and RabbitMQ: the retries are Celery's. Not on Redis: these tests'
# visibility timeout (6 s) is shorter than production's later retries' countdowns (8 and
# 16 s), so Redis hands the waiting retry on as a second copy, which runs the chunk once the
# database is back (the job ended "done", CI 2026-12-07); with production's timeout no copy
# is made. This test keeps production's schedule: 31 seconds of retries.
@on_rabbitmq_and_postgresql
def test_a_chunk_whose_database_stays_unreachable_fails_its_job_once_it_can_say_so(
    broker_settings: Settings, session: Session, tmp_path: Path
) -> None:
    with _cut_off_workers(broker_settings, tmp_path) as (link, workers):
        job_id = _spend_a_chunks_attempts(broker_settings, session, link, workers)
        link.restore()
        _wait_done(session, job_id, workers, 30)  # not queued or running for ever
    _failed_saying_the_database_was_unreachable(session, job_id, PRODUCTION_FIGURES)
    _the_chunk_never_ran(session, job_id)


# Once, on PostgreSQL and RabbitMQ: a dead worker's task goes back to the queue at once.
@on_rabbitmq_and_postgresql
def test_a_failure_a_killed_worker_could_not_record_is_recorded_by_the_next_one(
    broker_settings: Settings, session: Session, tmp_path: Path
) -> None:
    with _cut_off_workers(broker_settings, tmp_path, SHORT_RETRIES) as (link, workers):
        job_id = _spend_a_chunks_attempts(broker_settings, session, link, workers)
        time.sleep(1)  # its task is sent again, waiting to record the failure
        workers.kill(workers.started[0])  # and its worker is gone, as in a host's crash
        link.restore()
        workers.start()  # the broker hands the chunk's task to this one
        _wait_done(session, job_id, workers, 60)
        recorded = re.compile(r"poise\.run_chunk\[[^]]+\] succeeded in [\d.]+s: 'failed'")
        assert recorded.search(workers.log_tail()), workers.log_tail()  # by the second worker
    _failed_saying_the_database_was_unreachable(session, job_id, SHORT_FIGURES)
    _the_chunk_never_ran(session, job_id)


# Once, on PostgreSQL and RabbitMQ: the retries are Celery's, as for a chunk.
@on_rabbitmq_and_postgresql
def test_a_whole_job_whose_database_stays_unreachable_fails_once_it_can_say_so(
    broker_settings: Settings, session: Session, tmp_path: Path
) -> None:
    # A scheduled job's task whose first read of the job failed was acknowledged and lost, and
    # the job stayed queued for ever: the broker's queue owns it, so no web start-up takes it.
    engine = make_engine(broker_settings.resolved_database_url)  # the web's, never cut
    maker = make_sessionmaker(engine)
    jobs = scheduled_jobs(maker, broker_settings)

    def queue() -> int:
        (job_id,) = queue_periodic(maker, jobs, broker_settings, "kudos-prepare")
        return job_id

    try:
        with _cut_off_workers(broker_settings, tmp_path, SHORT_RETRIES) as (link, workers):
            job_id = _spend_attempts(session, link, workers, "run_job", queue)
            link.restore()
            _wait_done(session, job_id, workers, 30)
    finally:
        jobs.shutdown()
        engine.dispose()
    job = _failed_saying_the_database_was_unreachable(session, job_id, SHORT_FIGURES)
    assert job.done == 0  # its work never began


def _cut_in_the_work(
    settings: Settings, session: Session, link: DatabaseLink, workers: Workers
) -> int:
    """Queue a long re-embedding for a worker, and cut the worker off its database once the
    job is under way (a batch written); the job's id."""
    workers.start()  # its start-up overlaps the set-up
    _long_reembedding(session)
    job_id = queue_here(settings, "kb-reembed")
    _under_way(session, job_id, workers)
    link.cut()
    return job_id


@on_rabbitmq_and_postgresql
def test_a_whole_job_whose_database_goes_away_in_its_work_fails_once_it_can_say_so(
    broker_settings: Settings, session: Session, tmp_path: Path
) -> None:
    # Its task ended in the database's error and was acknowledged: the job stayed "running"
    # under its worker's live process, until a worker on another host took it over once it
    # had been silent for STALE_AFTER (15 minutes), and for ever on the worker's own host.
    with _cut_off_workers(broker_settings, tmp_path, SHORT_RETRIES) as (link, workers):
        job_id = _cut_in_the_work(broker_settings, session, link, workers)
        _wait_attempts_spent(workers, "run_job")
        assert _job(session, job_id).status == "running"  # nothing could be written meanwhile
        link.restore()
        _wait_done(session, job_id, workers, 30)
    job = _failed_saying_the_database_was_unreachable(session, job_id, SHORT_FIGURES)
    assert 0 < job.done < job.total  # what was written stays
    assert get_fact(session, ENCODER_FACT) != ENCODER_VERSION


@on_rabbitmq_and_postgresql
def test_a_whole_job_whose_database_comes_back_during_its_retries_ends_done(
    broker_settings: Settings, session: Session, tmp_path: Path
) -> None:
    with _cut_off_workers(broker_settings, tmp_path, SHORT_RETRIES) as (link, workers):
        job_id = _cut_in_the_work(broker_settings, session, link, workers)
        retried = re.compile(r"poise\.run_job\[[^]]+\] retry")
        deadline = time.monotonic() + 60
        while not retried.search(workers.log_tail(10**6)):  # its first try ended in the error
            assert time.monotonic() < deadline, workers.log_tail()
            time.sleep(0.05)
        link.restore()  # before its last attempt: a retry takes the job back and resumes it
        job = _wait_done(session, job_id, workers, 60)
    assert job.status == "done", job.detail
    assert job.done == job.total
    assert get_fact(session, ENCODER_FACT) == ENCODER_VERSION


# On each database: which worker may fail the job is read from its row.
def test_a_job_left_running_by_an_earlier_try_of_its_task_is_failed_by_any_later_one(
    engine: Engine, session: Session
) -> None:
    # The try whose database went away in the work left the job "running" under its process,
    # alive on another host: the retry that got the task there took it for the job's runner,
    # and left the job to be taken over once it had been silent for 15 minutes.
    first_try = "poise-other-host:4242"
    job = JobRun(kind="kb-reembed", status="running", owner=first_try, heartbeat_at=utcnow())
    session.add(job)
    session.commit()
    maker = make_sessionmaker(engine)
    _fail_job(maker, job.id, "not this task's", [this_process()])
    assert _job(session, job.id).status == "running"  # another task's: its runner may be alive

    _fail_job(maker, job.id, "the database could not be reached", [first_try, this_process()])
    job = _job(session, job.id)
    assert job.status == "failed" and job.detail == "the database could not be reached"


def _stop_as_systemd_does(pid: int) -> None:
    """Send SIGTERM as the worker's unit in docs/deploy.md has systemd send it: to the main
    process only (``KillMode=mixed``), or to every process of the unit (the default)."""
    deploy = (Path(__file__).parents[2] / "docs" / "deploy.md").read_text()
    unit = deploy.split("# /etc/systemd/system/poise-worker.service", 1)[1].split("```", 1)[0]
    mode = re.search(r"^KillMode=(\S+)", unit, re.MULTILINE)
    if mode is not None and mode.group(1) in ("mixed", "process"):
        os.kill(pid, signal.SIGTERM)
    else:
        os.killpg(pid, signal.SIGTERM)  # control-group: the pool's processes get it as well


# Once, on SQLite: what a warm shutdown does is Celery's and the broker's.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("score_writes")
def test_a_deploys_sigterm_lets_the_worker_finish_its_chunk_and_hand_back_the_rest(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    first = workers.start()
    with TestClient(create_app(broker_settings)) as client:
        job_id = _import(client, session, _csv(KILLED))  # six chunks of 60 turns
    deadline = time.monotonic() + 45
    while (started := _started_chunk(session, job_id)) is None:
        assert time.monotonic() < deadline, f"no chunk started\n{workers.log_tail()}"
        time.sleep(0.02)
    _stop_as_systemd_does(first.pid)
    first.wait(timeout=STOP_WAIT)
    session.expire_all()
    stopped = session.get(JobChunk, started)
    assert stopped is not None and stopped.status == "done" and stopped.attempts == 1
    chunks = session.scalars(select(JobChunk).where(JobChunk.job_id == job_id)).all()
    assert any(chunk.status == "pending" for chunk in chunks)  # the rest was handed back
    assert _job(session, job_id).status == "running"

    workers.start()
    job = _wait_done(session, job_id, workers, 60)
    assert job.status == "done", job.detail
    turns = _customer_turns(session)
    assert job.done == job.total == turns
    assert _writes(session) == (turns, turns)  # every score written once


def _started_chunk(session: Session, job_id: int) -> int | None:
    session.expire_all()
    return session.scalar(
        select(JobChunk.id).where(
            JobChunk.job_id == job_id, JobChunk.status == "pending", JobChunk.attempts > 0
        )
    )


def _long_reembedding(session: Session) -> None:
    """A re-embedding of the manual due, long enough to be killed in the middle (600 texts)."""
    article = next(iter(publish_manual(session, make_user(session, role="lead")).values()))
    session.add_all(
        Phrasing(article_id=article.id, text=f"where is parcel {n}") for n in range(600)
    )
    set_fact(session, ENCODER_FACT, "an-older-encoder")
    session.commit()


def _under_way(session: Session, job_id: int, workers: Workers) -> tuple[JobRun, float]:
    """Wait until a worker has the job under way (a batch written); the job, and when it was
    first seen taken (a ``time.monotonic()`` at or after its task's delivery)."""
    deadline = time.monotonic() + 60
    taken_by: float | None = None
    while not (job := _job(session, job_id)).done:
        if taken_by is None and job.status == "running":
            taken_by = time.monotonic()
        assert time.monotonic() < deadline, workers.log_tail()
        time.sleep(0.02)
    return job, taken_by or time.monotonic()


# Once, on SQLite: the hand-back is the worker's and the broker's doing.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_deploys_sigterm_hands_a_whole_job_back_to_the_next_worker(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    # A whole job (not split into chunks) may run for longer than systemd waits for a stop
    # (TimeoutStopSec), and its SIGKILL then left it "running" under a dead owner: another
    # host's worker took it over only once it had been silent for STALE_AFTER (15 minutes).
    first = workers.start()  # its start-up overlaps the set-up
    _long_reembedding(session)
    job_id = queue_here(broker_settings, "kb-reembed")
    job, _ = _under_way(session, job_id, workers)
    stopped_owner = job.owner
    _stop_as_systemd_does(first.pid)
    # It stops at the job's next progress report, one batch of embeddings away: 12-14 s in
    # all on an idle two-core machine, over 30 s beside a second test worker and another
    # process (CI, 2026-12-07). The stop has no bound of its own; the wait only ends the test.
    first.wait(timeout=STOP_WAIT)

    job = _job(session, job_id)
    assert job.status == "queued", f"{job.status}: {job.detail}\n{workers.log_tail()}"
    assert job.owner == IN_THE_QUEUE  # no web start-up takes it for an orphan meanwhile
    assert job.done < job.total  # stopped at its next progress report, not run to the end
    assert job.detail.startswith("handed back by a worker that was stopping")
    assert get_fact(session, ENCODER_FACT) != ENCODER_VERSION

    workers.start()  # the next worker gets the job's task at once, not in 15 minutes
    job = _wait_done(session, job_id, workers, 60)
    assert job.status == "done", job.detail
    assert job.owner not in (stopped_owner, IN_THE_QUEUE)
    assert get_fact(session, ENCODER_FACT) == ENCODER_VERSION


# Once, on SQLite: whether the job is taken over is the workers' doing.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_scheduled_job_whose_worker_died_on_another_host_is_taken_over(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    if reason := other_host_reason():
        pytest.skip(reason)
    elsewhere = workers.start(host="poise-other-host")  # its start-up overlaps the set-up
    _long_reembedding(session)
    job_id = queue_here(broker_settings, "kb-reembed")
    job, delivered_by = _under_way(session, job_id, workers)
    assert job.status == "running" and job.owner.startswith("poise-other-host:")
    workers.kill(elsewhere)  # that machine is gone; its pid means nothing here
    wait_for_redis_to_give_back(broker_settings, delivered_by)
    deadline = time.monotonic() + 60
    workers.start()  # here: the broker hands it the job's task again
    answered = re.compile(r"poise\.run_job\[[^]]+\] (succeeded|retry)")
    while not answered.search(workers.log_tail()):
        assert time.monotonic() < deadline, workers.log_tail()
        time.sleep(0.1)
    assert _job(session, job_id).status == "running"  # its owner might be alive
    session.execute(  # … until it has been silent as long as a live job never is
        update(JobRun)
        .where(JobRun.id == job_id)
        .values(heartbeat_at=utcnow() - STALE_AFTER - timedelta(minutes=1))
    )
    session.commit()
    job = _wait_done(session, job_id, workers, 30)
    assert job.status == "done", job.detail
    assert job.owner.split(":")[0] != "poise-other-host"
    assert get_fact(session, ENCODER_FACT) == ENCODER_VERSION


# On each database: two hosts' workers meet at the job's row lock (PostgreSQL) or the write lock.
@pytest.mark.usefixtures("score_writes")
def test_two_workers_share_a_job_whose_progress_only_grows_and_which_ends_once(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    settings = broker_settings.model_copy(update={"job_chunk_size": 30})
    workers.start()
    workers.start()
    with TestClient(create_app(settings)) as client:
        job_id = _import(client, session, _csv(KILLED))  # about eleven chunks of 30 turns
        seen: list[tuple[int, int]] = []
        deadline = time.monotonic() + 60
        while (job := _job(session, job_id)).status in ("queued", "running"):
            chunks = session.scalars(select(JobChunk).where(JobChunk.job_id == job_id)).all()
            seen.append((job.done, sum(c.size for c in chunks if c.status == "done")))
            assert time.monotonic() < deadline, workers.log_tail()
            time.sleep(0.05)
    assert job.status == "done", job.detail
    turns = _customer_turns(session)
    assert job.done == job.total == turns
    shown = [done for done, _ in seen]
    assert shown == sorted(shown) and all(0 <= done <= turns for done in shown)
    assert all(done <= settled for done, settled in seen)  # never ahead of what is written
    chunks = session.scalars(select(JobChunk).where(JobChunk.job_id == job_id)).all()
    assert all(chunk.status == "done" and chunk.attempts == 1 for chunk in chunks)
    assert len({chunk.owner for chunk in chunks}) == 2  # both workers took part
    assert _writes(session) == (turns, turns)  # no turn scored by both
    assert job.detail.startswith(f"scored {turns:,} messages in {KILLED:,} conversations")


# On each database and broker: the web server's start-up and the worker read the same row.
def test_a_scheduled_job_waiting_in_the_queue_still_runs_after_the_web_server_restarts(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    # Beat's turn queued the job from a worker process that has since ended; every worker is
    # busy (here: none runs yet), so its task waits in the queue while the web server restarts.
    job_id = workers.queue_and_end("kudos-prepare")
    with TestClient(create_app(broker_settings)):
        pass  # start-up takes over jobs left by processes that died: not the broker's
    assert _job(session, job_id).status == "queued"

    workers.start()  # the backlog clears: a worker gets the task
    job = _wait_done(session, job_id, workers, 60)
    assert job.status == "done", job.detail
    assert job.detail.endswith("opened")


# Once, on SQLite: the row's verdict and the redelivery are the same on each database.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_whose_worker_died_still_runs_when_a_web_restart_marked_it_interrupted(
    broker_settings: Settings, session: Session, workers: Workers
) -> None:
    if reason := other_host_reason():
        pytest.skip(reason)
    elsewhere = workers.start(host="poise-other-host")  # its start-up overlaps the set-up
    _long_reembedding(session)
    job_id = queue_here(broker_settings, "kb-reembed")
    _, delivered_by = _under_way(session, job_id, workers)
    workers.kill(elsewhere)  # that machine is gone; its task goes back to the broker
    session.execute(  # and has been silent as long as a live job never is
        update(JobRun)
        .where(JobRun.id == job_id)
        .values(heartbeat_at=utcnow() - STALE_AFTER - timedelta(minutes=1))
    )
    session.commit()
    with TestClient(create_app(broker_settings)):
        pass  # the web server starts before any worker gets the task again
    assert _job(session, job_id).status == "interrupted"  # it cannot run a re-embedding itself
    wait_for_redis_to_give_back(broker_settings, delivered_by)

    workers.start()  # the broker hands the task again: the job's only way to run
    deadline = time.monotonic() + 60
    while (job := _job(session, job_id)).status != "done":
        assert time.monotonic() < deadline, f"{job.status}: {job.detail}\n{workers.log_tail()}"
        time.sleep(0.2)
    assert get_fact(session, ENCODER_FACT) == ENCODER_VERSION
