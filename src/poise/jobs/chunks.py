"""Jobs that split and survive: chunks of work that any worker may run, each exactly once.

A job of a splittable kind is planned into :class:`~poise.jobs.models.JobChunk` rows, each
covering a run of keys in key order (conversation ids for scoring), streamed from the database
so no job holds every pending row. A worker runs a chunk in two steps:

1. it computes the results reading only (the slow part: the models), holding no lock, so
   workers on several hosts compute side by side;
2. in one short transaction it takes the job's row lock, checks the chunk is still pending,
   writes the results, marks the chunk done and moves the job's progress on.

A chunk delivered twice (the broker hands a killed worker's task to another) either finds
itself done and writes nothing, or, if the first delivery died before its commit, writes the
same results the first would have: nothing is lost and nothing is written twice. When no chunk
is pending the job's ``finish`` runs (itself safe to re-run) and the job is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from poise.db.base import utcnow
from poise.faults import fault_message, log_failure, new_error_id
from poise.jobs.models import JobChunk, JobRun

if TYPE_CHECKING:
    from poise.jobs import JobWork

log = logging.getLogger(__name__)
Scope = list[int] | None  # the keys a job covers (e.g. an import's conversations), None: all
LOST_STARTS = 3  # a chunk whose worker died this often is given up: it would kill the next one


@dataclass
class ChunkResult:
    """What a chunk computed: a writer (which must not commit) and counts for the summary."""

    write: Callable[[Session], None]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SplitKind:
    """A kind of job that workers can share.

    ``whole`` is the job as one piece of in-process work; ``plan`` streams ``(keys, size)``
    pieces of at most about ``size`` units in key order; ``compute`` works out one chunk's
    results reading only; ``finish`` runs once no chunk is pending (it may run again after a
    crash, so it must be idempotent) and returns the job's one-line summary from the summed
    counts.
    """

    whole: Callable[[Scope], JobWork]
    plan: Callable[[Session, Scope, int], Iterable[tuple[list[int], int]]]
    compute: Callable[[Session, list[int]], ChunkResult]
    finish: Callable[[Session, dict[str, int]], str]


def plan_job(session: Session, job: JobRun, kind: SplitKind, scope: Scope, size: int) -> list[int]:
    """Split ``job`` into chunk rows and commit them; returns the chunk ids in key order."""
    total = 0
    rows: list[JobChunk] = []
    for seq, (keys, units) in enumerate(kind.plan(session, scope, size)):
        rows.append(JobChunk(job_id=job.id, seq=seq, keys=keys, size=units))
        total += units
    session.add_all(rows)
    job.total = total
    session.commit()
    return [row.id for row in rows]


def run_chunk(
    maker: sessionmaker[Session],
    chunk_id: int,
    kinds: dict[str, SplitKind],
    owner: str,
    *,
    ended: int = 0,
) -> str:
    """Run one chunk (at least once, written at most once); returns what happened, for logs.

    ``ended`` is how many of the chunk's starts ended in an error its worker handled (a retry);
    every other start that wrote nothing was a worker that died in it (SIGKILL, out of memory).
    The broker hands such a chunk back for ever, so after :data:`LOST_STARTS` the chunk and
    its job fail instead of killing one worker after another.
    """
    with maker() as session:
        chunk = session.get(JobChunk, chunk_id)
        if chunk is None:
            return "gone"  # its job was deleted, or the message is from another database
        job = session.get(JobRun, chunk.job_id)
        if job is None or job.kind not in kinds:
            return "unknown job"
        kind = kinds[job.kind]
        if job.status == "cancelled":
            return "cancelled"  # the chunks not written yet are left undone
        if chunk.status == "pending" and chunk.attempts - ended >= LOST_STARTS:
            _give_up(session, chunk, chunk.attempts - ended)
            return "given up"
        if chunk.status == "pending":
            _start(session, chunk, job, owner)
            result = kind.compute(session, list(chunk.keys))
            session.commit()  # end the read: no snapshot is held while waiting for the lock
            outcome = _write(session, chunk_id, job.id, result)
        else:
            outcome = f"already {chunk.status}"
        finish_if_complete(session, job.id, kind)
        return outcome


def _start(session: Session, chunk: JobChunk, job: JobRun, owner: str) -> None:
    chunk.attempts += 1
    chunk.owner, chunk.started_at = owner, utcnow()
    session.execute(  # conditional: a cancel that came in meanwhile stays
        update(JobRun)
        .where(JobRun.id == job.id, JobRun.status == "queued")
        .values(status="running")
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _give_up(session: Session, chunk: JobChunk, lost: int) -> None:
    """Fail a chunk whose workers kept dying in it, and its job, saying so."""
    error_id = new_error_id()
    log.error(
        "chunk %s: its worker died in it %s times; given up: error %s", chunk.id, lost, error_id
    )
    chunk.status, chunk.finished_at = "failed", utcnow()
    reason = (
        f"a worker stopped {lost} times in the middle of part {chunk.seq + 1} of this job "
        "(killed, or out of memory), so it was given up; what was done stays, and the worker "
        f"logs say more (error {error_id})"
    )
    session.execute(
        update(JobRun)
        .where(JobRun.id == chunk.job_id, JobRun.status.in_(("queued", "running")))
        .values(status="failed", detail=reason, finished_at=utcnow())
    )
    session.commit()


def _lock_job(session: Session, job_id: int) -> None:
    """Take the job's row lock (PostgreSQL) or the write lock (SQLite) as the first statement.

    Every chunk of a job writes its results behind this lock, so two deliveries of one chunk
    never both see it pending, and the job's progress is summed from settled chunk rows.
    """
    session.execute(update(JobRun).where(JobRun.id == job_id).values(heartbeat_at=utcnow()))


def _write(session: Session, chunk_id: int, job_id: int, result: ChunkResult) -> str:
    """Write a chunk's results and mark it done, in one transaction."""
    _lock_job(session, job_id)
    job = session.get(JobRun, job_id, populate_existing=True)
    if job is None or job.status == "cancelled":
        session.rollback()
        return "cancelled"  # at the chunk boundary: nothing of this chunk is written
    chunk = session.get(JobChunk, chunk_id, populate_existing=True)
    if chunk is None or chunk.status != "pending":
        session.rollback()
        return "done by another delivery"
    result.write(session)
    chunk.status, chunk.counts, chunk.finished_at = "done", dict(result.counts), utcnow()
    session.flush()
    done = session.scalar(
        select(func.coalesce(func.sum(JobChunk.size), 0)).where(
            JobChunk.job_id == job_id, JobChunk.status == "done"
        )
    )
    session.execute(update(JobRun).where(JobRun.id == job_id).values(done=int(done or 0)))
    session.commit()
    return "written"


def _pending_chunks(session: Session, job_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(JobChunk.id)).where(
                JobChunk.job_id == job_id, JobChunk.status != "done"
            )
        )
        or 0
    )


def finish_if_complete(session: Session, job_id: int, kind: SplitKind) -> bool:
    """Finish the job once every chunk is done (again, if a crash cut a finish short)."""
    _lock_job(session, job_id)
    job = session.get(JobRun, job_id, populate_existing=True)
    if job is None or job.status not in ("queued", "running") or _pending_chunks(session, job_id):
        session.rollback()
        return False
    detail = kind.finish(session, summed_counts(session, job_id))
    session.execute(
        update(JobRun)
        .where(JobRun.id == job_id)
        .values(status="done", detail=detail, done=JobRun.total, finished_at=utcnow())
    )
    session.commit()
    return True


def summed_counts(session: Session, job_id: int) -> dict[str, int]:
    """The counts of every done chunk of a job, added up."""
    totals: dict[str, int] = {}
    for counts in session.scalars(
        select(JobChunk.counts).where(JobChunk.job_id == job_id, JobChunk.status == "done")
    ):
        for name, value in (counts or {}).items():
            totals[name] = totals.get(name, 0) + int(value)
    return totals


def failure_detail(what: str, exc: BaseException, reason: str = "") -> str:
    """What the job of a chunk (or a whole job's task, ``what``) that cannot succeed says:
    ``reason`` (or a plain one for a full disk, a read-only database, anything else) and an
    error id, logged here with the error."""
    error_id = new_error_id()
    log_failure(log, "%s failed: error %s", what, error_id, exc=exc)
    reason = reason or fault_message(exc) or "it failed; the worker log has the detail"
    return f"{reason} (error {error_id})"


def fail_chunk(maker: sessionmaker[Session], chunk_id: int, detail: str) -> None:
    """Mark a chunk that cannot succeed, and its job, failed, saying ``detail``.

    Raises the database's error when it cannot be written (the caller tries again later).
    """
    with maker() as session:
        chunk = session.get(JobChunk, chunk_id)
        if chunk is None or chunk.status == "done":
            return
        chunk.status, chunk.finished_at = "failed", utcnow()
        session.execute(
            update(JobRun)
            .where(JobRun.id == chunk.job_id, JobRun.status.in_(("queued", "running")))
            .values(status="failed", detail=detail, finished_at=utcnow())
        )
        session.commit()


def group_keys(counted: Iterable[tuple[int, int]], size: int) -> Iterator[tuple[list[int], int]]:
    """Group ``(key, units)`` pairs, in order, into pieces of about ``size`` units.

    A key is never split: a conversation with more pending turns than ``size`` is one piece.
    """
    keys: list[int] = []
    units = 0
    for key, count in counted:
        keys.append(int(key))
        units += int(count)
        if units >= size:
            yield keys, units
            keys, units = [], 0
    if keys:
        yield keys, units
