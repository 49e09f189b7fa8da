"""Background work: bulk scoring, embedding, mining, scheduled rituals.

Every job is recorded as a :class:`JobRun` row, so any web worker (or host) can show its
status and progress. By default jobs run in-process on a small pool of daemon threads; the
same ``JobRun`` protocol is what a Celery worker would update when ``POISE_BROKER_URL`` is set.

Jobs survive their process. Each row names its owner (``host:pid``) and when it last
reported; a server takes over a job whose owner is gone, at its start and every few minutes
while it runs (:meth:`InProcessJobs.take_over`): the job is resumed (its kind's work picks up
whatever is still pending) or, when its kind cannot resume, marked ``interrupted``. The same
turn keeps the heartbeat of the jobs its own pool runs, so a long step between two progress
reports is not taken for a dead host. A job handed to the
broker is owned by its queue (:data:`IN_THE_QUEUE`) until a worker takes it: no process's
start-up touches it, however long the queue. On shutdown no new job starts, the running one
stops at its next progress report, and both stay ``queued`` for the next start: the server
never waits for a long job to end.

Kinds of work that split (bulk scoring) are submitted with ``submit_split``: in process they
run whole on the pool; with ``POISE_BROKER_URL`` set, :mod:`poise.jobs.broker` cuts them into
chunks that Celery workers on any host share (see :mod:`poise.jobs.chunks`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime, timedelta
from functools import partial
from itertools import count
from typing import Any, Protocol

from sqlalchemy import Row, exists, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from poise.db.base import utcnow
from poise.errors import InvalidInput, NotFound
from poise.faults import fault_message, log_failure, new_error_id
from poise.jobs.chunks import Scope, SplitKind, failure_detail
from poise.jobs.models import JobChunk, JobRun
from poise.jobs.retries import DEFAULT_WAITS, RetrySchedule, driver_said
from poise.words import counted

__all__ = [
    "INTERRUPTED",
    "IN_THE_QUEUE",
    "STALE_AFTER",
    "InProcessJobs",
    "JobCancelledError",
    "JobChunk",
    "JobProgress",
    "JobRun",
    "JobStoppedError",
    "JobWork",
    "Resumer",
    "Scope",
    "SplitKind",
    "StopSignal",
    "abandoned",
    "cancel_job",
    "jobs_for",
    "owner_is_gone",
    "run_here",
    "run_job",
    "this_process",
]
log = logging.getLogger(__name__)


class JobProgress(Protocol):
    """A job's progress report: ``done`` of ``total`` units, and the step it is in.

    ``step`` names the part of the job it is in (mining's "grouping"): it is shown as the
    running job's detail, so a long step is not taken for a stuck job. The job's end replaces
    it with the summary. A job of steps that count different things gives each an explicit
    share of one bar (:class:`poise.jobs.steps.Steps`), so the bar never goes back.
    """

    def __call__(self, done: int, total: int, step: str = "") -> None: ...


JobWork = Callable[[Session, JobProgress], str]  # returns a one-line summary
Resumer = Callable[["JobRun"], JobWork]  # the work that finishes a job of one kind
Write = Callable[[], None]  # one write of a job's outcome
Recorder = Callable[[Write], None]  # runs a Write: once, or until the database takes it

ACTIVE = ("queued", "running")
CANCELLED = "cancelled"
STALE_AFTER = timedelta(minutes=15)  # another host's job silent this long has lost its owner
HEARTBEAT_SECONDS = 60.0  # how often a running job says it is alive (:func:`_pulse`)
SHUTDOWN_SECONDS = 2.0
# The owner of a job handed to the broker while it waits for a worker: the queue, not the
# process that queued it (which may stop long before a busy queue gets to the job).
IN_THE_QUEUE = "broker queue"
INTERRUPTED = "the process running it stopped; start it again"  # a takeover's verdict
RESUMED = "resumed: the process running it stopped"


class StopSignal(Protocol):
    """What a job's progress reports ask whether its process is stopping (a
    :class:`threading.Event`, or a worker's flag shared with its pool's processes)."""

    def is_set(self) -> bool: ...


class JobStoppedError(Exception):
    """Raised from a progress report while the server stops: the rest stays pending."""


class JobCancelledError(Exception):
    """Raised from a progress report once someone cancelled the job: the rest is not done."""


def this_process() -> str:
    """The owner name of jobs run here: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_gone(owner: str, heartbeat_at: datetime | None, now: datetime) -> bool:
    """True when the process named ``owner`` can no longer be running the job.

    On this host the pid is checked directly; another host's job counts as orphaned once it
    has been silent for :data:`STALE_AFTER`.
    """
    host, _, pid = owner.rpartition(":")
    if not host or not pid.isdecimal():
        return True  # written before owners were recorded
    if host != socket.gethostname():
        return heartbeat_at is None or now - heartbeat_at > STALE_AFTER
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by another user
    return False


def abandoned(session: Session, now: datetime) -> list[Row[tuple[int, str, str, datetime | None]]]:
    """The queued or running jobs whose owner is gone (:func:`owner_is_gone`): what a server
    takes over (:meth:`InProcessJobs.take_over`). Only whole jobs a process holds: a split
    job's chunks are the workers', and a job waiting in the broker's queue is the queue's,
    however long either takes."""
    active = session.execute(
        select(JobRun.id, JobRun.kind, JobRun.owner, JobRun.heartbeat_at).where(
            JobRun.status.in_(ACTIVE),
            ~exists().where(JobChunk.job_id == JobRun.id),
            JobRun.owner != IN_THE_QUEUE,
        )
    ).all()
    return [row for row in active if owner_is_gone(row.owner, row.heartbeat_at, now)]


def run_job(
    maker: sessionmaker[Session],
    job_id: int,
    work: JobWork,
    stop: StopSignal | None = None,
    *,
    retry_on: tuple[type[Exception], ...] = (),
    record: Recorder | None = None,
) -> None:
    """Run ``work`` for the recorded job, keeping its status and progress up to date.

    When ``stop`` is set the next progress report raises :class:`JobStoppedError`; the job goes
    back to ``queued`` with what it has committed so far, and the next start resumes it. A job
    cancelled (:func:`cancel_job`) stops at its next progress report the same way, and stays
    cancelled: work commits between reports, so what was written is whole and stays.

    An error of ``retry_on`` (a worker's: the database went away) is raised to the caller, who
    tries the job again, and the job is left as it is: it could not be written anyway.

    The job's end (done, failed, stopped) is written through ``record``; by default once, and
    the database's error is raised when that fails. The in-process pool's recorder keeps trying
    until the database answers, so the work is not run again only to say how it ended.
    """
    with _sessions(maker) as (status_session, work_session):
        started = status_session.get(JobRun, job_id)
        if started is None or started.status == CANCELLED:
            return
        claimed = status_session.execute(  # conditional: a cancel that came in meanwhile stays
            update(JobRun)
            .where(JobRun.id == job_id, JobRun.status != CANCELLED)
            .values(status="running", owner=this_process(), heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        status_session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return

        def progress(done: int, total: int, step: str = "") -> None:
            started.done, started.total, started.heartbeat_at = done, total, utcnow()
            started.detail = step
            status_session.commit()
            if status_session.scalar(select(JobRun.status).where(JobRun.id == job_id)) == CANCELLED:
                raise JobCancelledError
            if stop is not None and stop.is_set():
                raise JobStoppedError

        try:
            with _pulse(maker, job_id):
                detail, status = work(work_session, progress), "done"
        except JobCancelledError:
            work_session.rollback()
            return  # cancel_job wrote the status and the detail
        except JobStoppedError:
            work_session.rollback()
            detail, status = "stopped by a server shutdown; resumes on the next start", "queued"
        except retry_on:
            raise
        except Exception as exc:
            work_session.rollback()
            error_id = new_error_id()  # the status page shows no SQL or row data; the log does
            log_failure(
                log, "job %s (%s) failed: error %s", job_id, started.kind, error_id, exc=exc
            )
            reason = fault_message(exc) or "it failed; the server log has the detail"
            detail, status = f"{reason} (error {error_id})", "failed"
    (record or _once)(partial(_end_job, maker, job_id, status, detail))


@contextlib.contextmanager
def _pulse(maker: sessionmaker[Session], job_id: int) -> Iterator[None]:
    """Keep the job's heartbeat while its work runs, every :data:`HEARTBEAT_SECONDS`.

    Why: the heartbeat moved only at progress reports, and a step longer than
    :data:`STALE_AFTER` (a broker worker's whole job, which no server's takeover turn beats)
    let another host's takeover start the job a second time while it still ran."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            try:
                with maker() as session:
                    session.execute(
                        update(JobRun)
                        .where(
                            JobRun.id == job_id,
                            JobRun.owner == this_process(),
                            JobRun.status == "running",
                        )
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
                    session.commit()
            except Exception:  # a busy or unreachable database: the next beat tries again
                log.debug("job %s: heartbeat not written", job_id, exc_info=True)

    beating = threading.Thread(target=beat, name=f"poise-job-{job_id}-heartbeat", daemon=True)
    beating.start()
    try:
        yield
    finally:
        done.set()
        beating.join(timeout=10)  # a beat waiting on a lost database gives up on its own


@contextlib.contextmanager
def _sessions(maker: sessionmaker[Session]) -> Iterator[tuple[Session, Session]]:
    """A job's status session and its work's, closed quietly at the end: closing one whose
    connection is gone raised the database's error, and the job's end was never written."""
    status_session, work_session = maker(), maker()
    try:
        yield status_session, work_session
    finally:
        for session in (status_session, work_session):
            with contextlib.suppress(OperationalError):  # the pool replaces the connection
                session.close()


def _once(write: Write) -> None:
    write()


def _end_job(maker: sessionmaker[Session], job_id: int, status: str, detail: str) -> None:
    """Write how a job ended (or that it is ``queued`` again), unless it was cancelled: in a
    session of its own, as the work's and its progress's may have lost their connection."""
    with maker() as session:
        finished = session.get(JobRun, job_id)
        if finished is not None and finished.status != CANCELLED:
            finished.status, finished.detail = status, detail
            finished.finished_at = None if status == "queued" else utcnow()
            session.commit()


def run_here(
    maker: sessionmaker[Session], kind: str, work: JobWork, *, subject: str = ""
) -> tuple[str, str]:
    """Record a job and run it in this process to its end; its (status, detail).

    For a command that waits for its own work (``poise import`` scoring what it imported):
    recorded like a pooled job, it shows on the same status columns, can be cancelled there,
    and is resumed by the next server start when the command is killed halfway.
    """
    with maker() as session:
        job = JobRun(kind=kind, subject=subject, owner=this_process(), heartbeat_at=utcnow())
        session.add(job)
        session.commit()
        job_id = job.id
    run_job(maker, job_id, work)
    with maker() as session:
        finished = session.get(JobRun, job_id)
        return (finished.status, finished.detail) if finished else (CANCELLED, "")


_Item = tuple[int, JobWork, "Future[Any]"]


class InProcessJobs:
    """Runs jobs on daemon threads inside this process (the embedded default).

    ``resumable`` maps a job kind to the work that finishes it after a restart; the work
    must be idempotent (it does whatever is still pending).

    A job whose database cannot be used (unreachable, or busy) is tried again after each of
    ``retry_seconds`` (``POISE_JOB_RETRY_SECONDS``), then fails saying so; how it ended is
    written as soon as the database answers (see :meth:`_run`).
    """

    def __init__(
        self,
        maker: sessionmaker[Session],
        workers: int = 1,
        resumable: Mapping[str, Resumer] | None = None,
        splittable: Mapping[str, SplitKind] | None = None,
        retry_seconds: Sequence[float] = DEFAULT_WAITS,
    ) -> None:
        self._maker = maker
        self._retries = RetrySchedule(tuple(retry_seconds))
        self._resumable = dict(resumable or {})
        self._splittable = dict(splittable or {})
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._stopping = threading.Event()
        self._running: set[int] = set()  # job ids a worker thread is inside right now
        self._held: set[int] = set()  # job ids queued here or running: this process's to beat
        self._threads = [
            threading.Thread(target=self._worker, name=f"poise-job-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, kind: str, work: JobWork, *, subject: str = "") -> tuple[int, Future[Any]]:
        """Record a job and start it; returns its id and a future (tests may wait on it).

        While the server stops, the job is recorded ``queued`` and left for the next start.
        """
        with self._maker() as session:
            job = JobRun(kind=kind, subject=subject, owner=this_process(), heartbeat_at=utcnow())
            session.add(job)
            session.commit()
            job_id = job.id
        return job_id, self._enqueue(job_id, work)

    def submit_split(self, kind: str, scope: Scope, *, subject: str = "") -> int:
        """Start a job of a kind that workers can share; returns its id.

        In process there is one worker, so the whole job runs as one piece of work on the
        pool; :class:`poise.jobs.broker.BrokerJobs` splits it into chunks instead.
        """
        job_id, _ = self.submit(kind, self._splittable[kind].whole(scope), subject=subject)
        return job_id

    def _enqueue(self, job_id: int, work: JobWork) -> Future[Any]:
        future: Future[Any] = Future()
        if self._stopping.is_set():
            future.cancel()
        else:
            self._held.add(job_id)
            self._queue.put((job_id, work, future))
        return future

    def _worker(self) -> None:
        while (item := self._queue.get()) is not None:
            job_id, work, future = item
            if self._stopping.is_set() or not future.set_running_or_notify_cancel():
                self._held.discard(job_id)
                continue  # stays queued: the next start resumes it
            self._running.add(job_id)
            try:
                self._run(job_id, work)
            except BaseException as exc:  # the future carries it to whoever waits
                future.set_exception(exc)
            else:
                future.set_result(None)
            finally:
                self._running.discard(job_id)
                self._held.discard(job_id)

    def _run(self, job_id: int, work: JobWork) -> None:
        """Run a job; while its database cannot be used, try it again at the schedule's waits
        (its work does what is still pending: what it had committed stays), then fail it
        saying so. A job's end that cannot be written waits here until the database answers:
        before, the failure was lost with the connection, and the job showed ``running``
        until the server restarted (no start-up takes a live process's job).

        The pool's thread waits meanwhile, so the jobs queued behind run once the database
        answers rather than fail too; a server stopping ends the waits at once, leaving the job
        to the next start.
        """
        record = partial(self._until_written, job_id)
        for tries in count():
            try:
                run_job(
                    self._maker,
                    job_id,
                    work,
                    self._stopping,
                    retry_on=(OperationalError,),
                    record=record,
                )
                return
            except OperationalError as exc:
                if fault_message(exc) or tries == self._retries.retries:
                    self._fail(job_id, exc, record)  # a full disk, a read-only one: at once
                    return
                wait = self._retries.wait(tries)
                log.warning(
                    "job %s: the database cannot be used (%s); trying again in %s s",
                    *(job_id, driver_said(exc), wait),
                )
            if self._stopping.wait(wait):
                return  # stays as it is: the next start resumes it

    def _fail(self, job_id: int, exc: OperationalError, record: Recorder) -> None:
        """Fail a job whose database could not be used, saying why (logged with an id)."""
        reason = "" if fault_message(exc) else self._retries.unreachable(exc)
        detail = failure_detail(f"job {job_id}", exc, reason)
        record(partial(_end_job, self._maker, job_id, "failed", detail))

    def _until_written(self, job_id: int, write: Write) -> None:
        """Write a job's end, trying again while the database cannot be reached: the
        schedule's waits, then doubling up to every 30 s, until it answers or the server
        stops (the next start then resumes the job)."""
        for tries in count():
            try:
                write()
                return
            except OperationalError as exc:
                wait = self._retries.wait(tries)
                log.warning(
                    "job %s: how it ended cannot be written yet (%s); trying again in %s s",
                    *(job_id, driver_said(exc), wait),
                )
            if self._stopping.wait(wait):
                return

    def take_over(self) -> list[int]:
        """A running server's turn (every few minutes): keep this pool's jobs' heartbeat, then
        take over the jobs whose process died (:meth:`resume_orphans`). Before, only a start
        took them over: a dead job showed ``running`` until some server restarted."""
        self.beat()
        return self.resume_orphans()

    def beat(self) -> None:
        """Say that the jobs this pool holds, queued or running, are alive: a queued job's
        heartbeat is its submission's, so one waiting longer than :data:`STALE_AFTER` behind
        a long job would be taken over by another host's server, and then run twice."""
        held = list(self._held)
        if not held:
            return
        with self._maker() as session:
            session.execute(
                update(JobRun)
                .where(
                    JobRun.id.in_(held),
                    JobRun.owner == this_process(),
                    JobRun.status.in_(ACTIVE),
                )
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def resume_orphans(self) -> list[int]:
        """Take over jobs whose process died; returns the ids resumed (others are marked).

        Each is claimed by an UPDATE guarded by its old owner: of two servers that found it
        alike, one takes it, and the other leaves it."""
        resumed: list[int] = []
        now = utcnow()
        with self._maker() as session:
            for job_id, kind, owner, _ in abandoned(session, now):
                resumer = self._resumable.get(kind)
                claimed = session.execute(
                    update(JobRun)
                    .where(JobRun.id == job_id, JobRun.owner == owner, JobRun.status.in_(ACTIVE))
                    .values(
                        owner=this_process(),
                        heartbeat_at=now,
                        status="queued" if resumer else "interrupted",
                        finished_at=None if resumer else now,
                        detail=RESUMED if resumer else INTERRUPTED,
                    )
                    .execution_options(synchronize_session=False)
                )
                session.commit()
                if claimed.rowcount != 1 or resumer is None:  # type: ignore[attr-defined]
                    continue  # another process claimed it first, or it cannot resume
                job = session.get(JobRun, job_id)
                assert job is not None
                self._enqueue(job_id, resumer(job))
                resumed.append(job_id)
        if resumed:
            said = counted(len(resumed), "job")
            log.warning("resumed %s left by a stopped process: %s", said, resumed)
        return resumed

    def shutdown(self, timeout: float = SHUTDOWN_SECONDS) -> None:
        """Stop taking work; give the running job ``timeout`` seconds to reach a checkpoint.

        Jobs not finished stay ``queued`` and are resumed on the next start. A job whose
        thread is still inside one long step (a busy machine) is marked ``queued`` here: its
        uncommitted step is lost with the process, and the work is idempotent.
        """
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for job_id in list(self._running):
            try:
                self._leave_queued(job_id)
            except OperationalError as exc:  # the process ends: its start resumes the job
                log.warning("job %s stays as it is (%s)", job_id, driver_said(exc))

    def _leave_queued(self, job_id: int) -> None:
        with self._maker() as session:
            job = session.get(JobRun, job_id)
            if job is not None and job.status == "running":
                job.status = "queued"
                job.detail = "stopped by a server shutdown; resumes on the next start"
                session.commit()


def jobs_for(session: Session, subjects: list[str]) -> dict[str, JobRun]:
    """The newest job per subject (e.g. ``import:12``), for status columns."""
    found: dict[str, JobRun] = {}
    if not subjects:
        return found
    rows = session.scalars(select(JobRun).where(JobRun.subject.in_(subjects)).order_by(JobRun.id))
    for job in rows:
        found[job.subject] = job
    return found


def cancel_job(session: Session, job_id: int, *, by: str) -> JobRun:
    """Cancel a queued or running job (a lead's or an admin's request: the caller checks).

    Only the status changes here: the in-process pool stops the job at its next progress
    report, and workers skip the job's chunks not yet written, each chunk being written in
    one transaction. What was written before stays.
    """
    job = session.get(JobRun, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    cancelled = session.execute(
        update(JobRun)
        .where(JobRun.id == job_id, JobRun.status.in_(ACTIVE))
        .values(
            status=CANCELLED,
            finished_at=utcnow(),
            detail=f"cancelled by {by} at {job.done} of {job.total}; what was done stays",
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(f"job {job_id} has already ended ({job.status}): nothing to cancel")
    session.refresh(job)
    return job
