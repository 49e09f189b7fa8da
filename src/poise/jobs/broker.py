"""Celery as the distributed engine: split jobs' chunks travel over Redis or RabbitMQ.

The web process plans a job into chunk rows and sends one task per chunk; ``poise worker``
processes on any host run them. Tasks are acknowledged only when they end (``acks_late``), so
a task whose worker is killed goes back to the queue: RabbitMQ redelivers it as soon as the
dead worker's connection drops, Redis once ``POISE_BROKER_VISIBILITY_TIMEOUT`` has passed.
Chunks make the redelivery harmless (see :mod:`poise.jobs.chunks`). Models load after the
fork, once per worker process. A worker stopped with SIGTERM lets its chunk under way finish,
and a whole job under way stop at its next progress report and go back to the queue.
"""

from __future__ import annotations

import importlib.util
import logging
import mmap
import os
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from poise.db import make_engine, make_sessionmaker
from poise.db.base import utcnow
from poise.faults import log_failure, new_error_id, withheld
from poise.jobs import (
    ACTIVE,
    IN_THE_QUEUE,
    INTERRUPTED,
    InProcessJobs,
    JobWork,
    Resumer,
    owner_is_gone,
    run_job,
    this_process,
)
from poise.jobs.chunks import (
    Scope,
    SplitKind,
    fail_chunk,
    failure_detail,
    finish_if_complete,
    plan_job,
    run_chunk,
)
from poise.jobs.models import JobRun
from poise.jobs.retries import RetrySchedule
from poise.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)
RUN_CHUNK = "poise.run_chunk"
RUN_JOB = "poise.run_job"  # a whole job a worker rebuilds from its row (scheduled work)
PERIODIC = "poise.periodic"  # Celery beat's turn of one periodic job (see poise.scheduler)
WORKER_CONNECTIONS = 2
RECHECK_SECONDS = 5  # a job delivered again while it runs is looked at again after this,
RECHECK_MAX_SECONDS = 60  # doubling up to this (below any sane visibility timeout)
HANDED_BACK = "handed back by a worker that was stopping; the next worker resumes it"
NEEDS_CELERY = (
    "POISE_BROKER_URL is set but Celery is not installed: install the workers extra "
    "(pip install 'poise[workers]'), or unset POISE_BROKER_URL to run jobs inside poise serve"
)


def celery_installed() -> bool:
    """Celery comes with the ``workers`` extra; a single host without a broker never needs it."""
    return importlib.util.find_spec("celery") is not None


Periodic = Callable[[sessionmaker[Session], str], object]  # queues one periodic job by name


def make_celery(
    settings: Settings,
    kinds: Mapping[str, SplitKind] | None = None,
    *,
    runnable: Mapping[str, Resumer] | None = None,
    periodic: Periodic | None = None,
) -> Celery:
    """The Celery app for ``settings``; with ``kinds`` it also runs tasks (a worker).

    A worker runs chunks of ``kinds``, whole jobs of the ``runnable`` kinds (rebuilt from
    their rows), and beat's periodic turns through ``periodic``.
    """
    if not settings.broker_url:
        raise ValueError("POISE_BROKER_URL is not set")
    if not celery_installed():
        raise RuntimeError(NEEDS_CELERY)
    from celery import Celery

    app = Celery("poise", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.broker_queue,
        task_acks_late=True,  # a task whose worker dies goes back to the queue
        task_reject_on_worker_lost=True,  # also when only the pool's child process dies
        worker_prefetch_multiplier=1,  # a worker holds one chunk besides the running one
        task_ignore_result=True,  # progress lives in the database, not a result backend
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    if kinds is not None:
        _register_worker(app, settings, dict(kinds))
        _register_jobs(app, settings, dict(runnable or {}), periodic)
    return app


class _ProcessDatabase:
    """One engine per worker process, made after the fork (a pool's sockets do not fork)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._made: tuple[int, sessionmaker[Session]] | None = None

    def maker(self) -> sessionmaker[Session]:
        if self._made is None or self._made[0] != os.getpid():
            engine = make_engine(self._settings.resolved_database_url, pool_size=WORKER_CONNECTIONS)
            self._made = (os.getpid(), make_sessionmaker(engine))
        return self._made[1]


def _load_models() -> None:
    """Load the scorers once per worker process, before its first chunk."""
    from poise.signals import get_scorer

    get_scorer("negativity")
    get_scorer("drift")


def _register_worker(app: Celery, settings: Settings, kinds: dict[str, SplitKind]) -> None:
    from celery.signals import worker_process_init

    database = _ProcessDatabase(settings)
    schedule = RetrySchedule(tuple(settings.job_retry_seconds))

    @worker_process_init.connect(weak=False)  # type: ignore[untyped-decorator,unused-ignore]
    def _after_fork(**_: Any) -> None:
        database.maker()
        _load_models()
        log.info("worker process %s: models loaded", os.getpid())

    @app.task(name=RUN_CHUNK, bind=True, max_retries=None)  # type: ignore[untyped-decorator,unused-ignore]
    def run_chunk_task(task: Any, chunk_id: int, failure: str = "") -> str:
        maker = database.maker()
        if failure:  # its attempts are spent: only its job's failure is left to record
            recorded = {"failure": failure}
            return _record_failure(
                task, schedule, lambda: fail_chunk(maker, chunk_id, failure), recorded
            )
        retries = task.request.retries  # each retry is a start that ended in a handled error
        try:
            outcome = run_chunk(maker, chunk_id, kinds, owner=this_process(), ended=retries)
        except (OperationalError, IntegrityError) as exc:  # busy database, a racing duplicate
            if retries < schedule.retries:
                raise task.retry(exc=withheld(exc), countdown=schedule.wait(retries)) from exc
            reason = schedule.unreachable(exc) if isinstance(exc, OperationalError) else ""
            detail = failure_detail(f"chunk {chunk_id}", exc, reason)
        except Exception as exc:
            detail = failure_detail(f"chunk {chunk_id}", exc)
        else:
            log.info("chunk %s: %s", chunk_id, outcome)
            return outcome
        recorded = {"failure": detail}
        return _record_failure(
            task, schedule, lambda: fail_chunk(maker, chunk_id, detail), recorded
        )


def _record_failure(
    task: Any, schedule: RetrySchedule, fail: Callable[[], None], carry: dict[str, Any]
) -> str:
    """``fail`` the task's chunk and its job (or its whole job). While the database cannot be
    written either, the task is retried with the keyword arguments ``carry`` (the failure's
    detail; the schedule's waits, then up to 30 s apart, for as long as it takes): whichever
    worker gets it records the failure as soon as the database answers, and never runs the
    work again."""
    try:
        fail()
    except OperationalError as exc:
        wait = schedule.wait(max(0, task.request.retries - schedule.retries))
        log.warning(
            "%s%s: its failure cannot be recorded yet; again in %s s",
            task.name,
            list(task.request.args or []),
            wait,
        )
        raise task.retry(kwargs=carry, exc=withheld(exc), countdown=wait) from exc
    return "failed"


class _Stopping:
    """Whether this worker is stopping: set by its main process as a SIGTERM begins its warm
    shutdown, read by its pool's processes at a whole job's progress reports (one byte of
    memory made before the pool forks, and shared with it)."""

    def __init__(self) -> None:
        self._flag = mmap.mmap(-1, 1)  # anonymous and shared: each fork sees the same byte

    def set(self) -> None:
        self._flag[0] = 1

    def is_set(self) -> bool:
        return self._flag[0] == 1


def _register_jobs(
    app: Celery, settings: Settings, runnable: dict[str, Resumer], periodic: Periodic | None
) -> None:
    from celery.exceptions import Reject
    from celery.signals import worker_shutting_down

    database = _ProcessDatabase(settings)
    schedule = RetrySchedule(tuple(settings.job_retry_seconds))
    stopping = _Stopping()

    @worker_shutting_down.connect(weak=False)  # type: ignore[untyped-decorator,unused-ignore]
    def _on_shutdown(**_: Any) -> None:
        stopping.set()  # in the main process's SIGTERM handler: only sets the byte

    @app.task(name=RUN_JOB, bind=True, max_retries=None)  # type: ignore[untyped-decorator,unused-ignore]
    def run_job_task(
        task: Any, job_id: int, failure: str = "", unreached: int = 0, tried_by: Sequence[str] = ()
    ) -> str:
        maker = database.maker()
        ours = tuple(dict.fromkeys((*tried_by, this_process())))  # owners its tries wrote
        if failure:  # its attempts are spent: only the job's failure is left to record
            recorded = {"failure": failure, "tried_by": ours}
            return _record_failure(
                task, schedule, lambda: _fail_job(maker, job_id, failure, ours), recorded
            )
        try:
            with maker() as session:
                job = session.get(JobRun, job_id)
                if job is None or job.kind not in runnable:
                    return "unknown job"
                if job.status == "running" and _runs_elsewhere(job, ours):
                    # Delivered again while it runs: its worker may have died on another host,
                    # where no pid can be checked. Look again until it ends, or falls silent.
                    wait = min(RECHECK_MAX_SECONDS, RECHECK_SECONDS * 2**task.request.retries)
                    log.info("job %s runs on %s; checking again in %s s", job_id, job.owner, wait)
                    raise task.retry(kwargs={}, countdown=wait)
                if job.status not in ACTIVE and not _interrupted_by_a_start(job):
                    return f"already {job.status}"  # a redelivery of a job done or cancelled
                if not _take(session, job):
                    return "taken by another delivery"
                work = runnable[job.kind](job)
            # The database going away in the work leaves the job running under this process:
            # the retry takes it back (its work resumes from what was committed) or fails it.
            run_job(maker, job_id, work, stopping, retry_on=(OperationalError,))
            if stopping.is_set() and _hand_back(maker, job_id):
                raise Reject("its worker is stopping", requeue=True)  # the task: to the queue
        except OperationalError as exc:  # a busy or unreachable database, before or in the work
            if unreached < schedule.retries:  # counted apart from the checks on a running job
                kwargs = {"unreached": unreached + 1, "tried_by": ours}
                wait = schedule.wait(unreached)
                raise task.retry(kwargs=kwargs, exc=withheld(exc), countdown=wait) from exc
            detail = failure_detail(f"job {job_id}", exc, schedule.unreachable(exc))
            recorded = {"failure": detail, "tried_by": ours}
            return _record_failure(
                task, schedule, lambda: _fail_job(maker, job_id, detail, ours), recorded
            )
        return "ran"

    @app.task(name=PERIODIC)  # type: ignore[untyped-decorator,unused-ignore]
    def periodic_task(name: str) -> str:
        if periodic is None:
            return "no schedule"
        return str(periodic(database.maker(), name))


def _interrupted_by_a_start(job: JobRun) -> bool:
    """Whether a server's start-up marked the job interrupted while its task was still with
    the broker (its worker died; or queued before jobs in the queue were the queue's): the
    task is the job's only way to run, so the worker runs it rather than lose it."""
    return job.status == "interrupted" and job.detail == INTERRUPTED


def _runs_elsewhere(job: JobRun, ours: Collection[str]) -> bool:
    """Whether a running job's owner may still run it. Not when that is one of ``ours``: this
    process, or another that ran an earlier try of this very task (a process runs one task at
    a time, and the task is retried only once its try has ended), so the row is left from a
    try whose database went away, before the work began or in it. Its process may be alive
    on any host: without this the job waited to be silent for 15 minutes."""
    return job.owner not in ours and not owner_is_gone(job.owner, job.heartbeat_at, utcnow())


def _fail_job(
    maker: sessionmaker[Session], job_id: int, detail: str, ours: Collection[str]
) -> None:
    """Mark a whole job whose task cannot run failed, saying ``detail``: unless it has ended
    meanwhile, or runs under an owner that may be alive and is not one of ``ours`` (a worker
    that reached the database: see :func:`_runs_elsewhere`).

    Raises the database's error when it cannot be written (the caller tries again later).
    """
    with maker() as session:
        job = session.get(JobRun, job_id)
        if job is None or job.status not in ACTIVE:
            return
        if job.status == "running" and _runs_elsewhere(job, ours):
            return
        session.execute(
            update(JobRun)
            .where(JobRun.id == job_id, JobRun.status == job.status, JobRun.owner == job.owner)
            .values(status="failed", detail=detail, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _take(session: Session, job: JobRun) -> bool:
    """Claim a queued job, or one whose owner is gone, for this process: of two deliveries
    that read it alike, one wins, and the other then finds it running under a live owner."""
    taken = session.execute(
        update(JobRun)
        .where(JobRun.id == job.id, JobRun.status == job.status, JobRun.owner == job.owner)
        .values(status="running", owner=this_process(), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def _hand_back(maker: sessionmaker[Session], job_id: int) -> bool:
    """Give a job that stopped at a progress report (its worker is stopping) back to the queue:
    it waits there as a queued job does, and the next worker resumes it from its row."""
    with maker() as session:
        handed = session.execute(
            update(JobRun)
            .where(JobRun.id == job_id, JobRun.status == "queued", JobRun.owner == this_process())
            .values(owner=IN_THE_QUEUE, detail=HANDED_BACK)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(handed.rowcount == 1)  # type: ignore[attr-defined]


class BrokerJobs(InProcessJobs):
    """Jobs for a web process when ``POISE_BROKER_URL`` is set.

    Split kinds go to the workers as chunks; other work (not split yet) still runs on this
    process's pool, as with :class:`InProcessJobs`.
    """

    def __init__(
        self,
        maker: sessionmaker[Session],
        settings: Settings,
        resumable: Mapping[str, Resumer] | None = None,
        splittable: Mapping[str, SplitKind] | None = None,
        remote: Collection[str] = (),
    ) -> None:
        super().__init__(
            maker,
            resumable=resumable,
            splittable=splittable,
            retry_seconds=settings.job_retry_seconds,
        )
        self._settings = settings
        self._celery = make_celery(settings)
        self._remote = frozenset(remote)

    def submit(self, kind: str, work: JobWork, *, subject: str = "") -> tuple[int, Future[Any]]:
        """Jobs of the ``remote`` kinds go to the workers (which rebuild the work from the
        job's row: the returned future is already done); others run on this process's pool."""
        if kind not in self._remote:
            return super().submit(kind, work, subject=subject)
        with self._maker() as session:  # the queue's until a worker takes it (see IN_THE_QUEUE)
            job = JobRun(kind=kind, subject=subject, owner=IN_THE_QUEUE, heartbeat_at=utcnow())
            session.add(job)
            session.commit()
            job_id = job.id
        self._hand_over(job_id, RUN_JOB, [job_id])
        handed: Future[Any] = Future()
        handed.set_result(None)
        return job_id, handed

    def submit_split(self, kind: str, scope: Scope, *, subject: str = "") -> int:
        """Record the job and its chunks in one transaction, then send a task per chunk."""
        split = self._splittable[kind]
        with self._maker() as session:
            job = JobRun(kind=kind, subject=subject, owner=this_process(), heartbeat_at=utcnow())
            session.add(job)
            session.flush()
            chunk_ids = plan_job(session, job, split, scope, self._settings.job_chunk_size)
            job_id = job.id
            if not chunk_ids:
                finish_if_complete(session, job_id, split)  # nothing pending: done at once
        self._hand_over(job_id, RUN_CHUNK, chunk_ids)
        return job_id

    def _hand_over(self, job_id: int, task: str, args: list[int]) -> None:
        """Send one ``task`` per argument; when the broker cannot be reached, fail the job
        saying so, rather than leave it queued for ever (no worker would ever hear of it) or
        fail the request that queued it (its own writes, an import, are already stored).

        Tasks sent before the broker went away still run; what they write is whole.
        """
        from kombu.exceptions import OperationalError as BrokerUnreachable  # type: ignore[import-untyped]

        try:
            for arg in args:
                self._celery.send_task(task, args=[arg], queue=self._settings.broker_queue)
        except BrokerUnreachable as exc:
            error_id = new_error_id()
            log_failure(
                log, "job %s: the broker cannot be reached: error %s", job_id, error_id, exc=exc
            )
            with self._maker() as session:
                session.execute(
                    update(JobRun)
                    .where(JobRun.id == job_id, JobRun.status.in_(ACTIVE))
                    .values(
                        status="failed",
                        finished_at=utcnow(),
                        detail=f"{broker_unreachable(self._settings)} (error {error_id})",
                    )
                    .execution_options(synchronize_session=False)
                )
                session.commit()

    def shutdown(self, timeout: float = 2.0) -> None:
        super().shutdown(timeout)
        self._celery.close()  # its broker connections live in kombu's pool, shared in-process


def broker_unreachable(settings: Settings) -> str:
    """What a job handed to no worker says: where the broker was (never its password), and
    what to do."""
    parts = urlsplit(settings.broker_url or "")
    return (
        f"the broker at {parts.hostname}:{parts.port} could not be reached, so the workers "
        "did not get this job, or not all of it; what was done stays: start it again once the "
        "broker answers (an import's scoring: import the file again, or poise signals score)"
    )


def run_beat(settings: Settings, schedule: Mapping[str, Mapping[str, Any]], loglevel: str) -> None:
    """Run Celery beat: it sends each periodic turn in ``schedule`` to the workers.

    Beat keeps when each entry last ran in a file under the data directory, so a restart
    neither repeats nor skips a turn. Run exactly one scheduler per deployment.
    """
    app = make_celery(settings)
    app.conf.beat_schedule = dict(schedule)
    app.conf.timezone = "UTC"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    state = settings.data_dir / "celerybeat-schedule"
    app.Beat(schedule=str(state), loglevel=loglevel, quiet=True).run()


class BrokerHealth:
    """The broker's and the workers' liveness for ``/healthz``, asked at most every few seconds.

    A load balancer polls the health endpoint often, and asking the workers takes up to
    ``timeout``; the answer is kept ``ttl`` seconds, and while one request asks, others get the
    last answer. A worker counts when it consumes this deployment's queue.
    """

    def __init__(self, settings: Settings, *, ttl: float = 5.0, timeout: float = 1.0) -> None:
        self._settings = settings
        self._ttl, self._timeout = ttl, timeout
        self._celery = make_celery(settings)
        self._lock = threading.Lock()
        self._last: tuple[float, dict[str, Any]] | None = None

    def check(self) -> dict[str, Any]:
        """``{"broker": "ok" | "down", "workers": N}``, at most ``ttl`` seconds old."""
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self._ttl:
            return self._last[1]
        if not self._lock.acquire(blocking=self._last is None):
            return self._last[1] if self._last else {"broker": "down", "workers": 0}
        try:
            answer = self._ask()
            self._last = (time.monotonic(), answer)
            return answer
        finally:
            self._lock.release()

    def _ask(self) -> dict[str, Any]:
        try:
            with self._celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=self._timeout)
                replies = self._celery.control.inspect(
                    timeout=self._timeout, connection=connection
                ).active_queues()
        except Exception as exc:  # whatever the transport raises: the broker cannot be used
            log_failure(log, "health: the broker does not answer", exc=exc, level=logging.WARNING)
            return {"broker": "down", "workers": 0}
        queue = self._settings.broker_queue
        alive = sum(
            1
            for queues in (replies or {}).values()
            if any(q.get("name") == queue for q in queues or [])
        )
        return {"broker": "ok", "workers": alive}

    def close(self) -> None:
        self._celery.close()  # the control's producer stays in kombu's pool, shared in-process
