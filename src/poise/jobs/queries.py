"""Named reads of background work, for the operator's ``poise jobs`` commands.

They only read: listing or showing a job never takes it over, heartbeats it or marks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from poise.jobs.models import JobChunk, JobRun


def recent_jobs(
    session: Session, *, status: str | None = None, kind: str | None = None, limit: int = 20
) -> list[JobRun]:
    """The newest ``limit`` jobs, newest first, of one status and one kind when given."""
    query = select(JobRun).order_by(JobRun.created_at.desc(), JobRun.id.desc()).limit(limit)
    if status is not None:
        query = query.where(JobRun.status == status)
    if kind is not None:
        query = query.where(JobRun.kind == kind)
    return list(session.scalars(query))


def stored_kinds(session: Session) -> set[str]:
    """The kinds of job this database holds: an older Poise's kinds stay listable by name."""
    return set(session.scalars(select(JobRun.kind).distinct()))


@dataclass(frozen=True)
class ChunkTally:
    """The chunks of one status in a split job, and the units of progress they cover."""

    status: str
    chunks: int
    size: int
    attempts: int


def chunk_tallies(session: Session, job_id: int) -> list[ChunkTally]:
    """A split job's chunks summed by status (pending, done, failed); none for a whole job.

    A job can have thousands of chunks: a person reads how many are in each state, not each."""
    rows = session.execute(
        select(
            JobChunk.status,
            func.count(JobChunk.id),
            func.coalesce(func.sum(JobChunk.size), 0),
            func.coalesce(func.sum(JobChunk.attempts), 0),
        )
        .where(JobChunk.job_id == job_id)
        .group_by(JobChunk.status)
        .order_by(JobChunk.status)
    )
    return [ChunkTally(status, chunks, size, attempts) for status, chunks, size, attempts in rows]


def chunk_owners(session: Session, job_id: int) -> list[str]:
    """The workers (``host:pid``) that ran a chunk of the job, in name order."""
    query = (
        select(JobChunk.owner)
        .where(JobChunk.job_id == job_id, JobChunk.owner != "")
        .distinct()
        .order_by(JobChunk.owner)
    )
    return list(session.scalars(query))
