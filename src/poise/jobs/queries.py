"""Named reads of background work, for the operator's ``poise jobs`` commands and the admin
Jobs page.

They only read: listing or showing a job never takes it over, heartbeats it or marks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from poise.jobs.models import JobChunk, JobRun
from poise.pagination import Page, paginate

DETAIL_WIDTH = 48  # a list's detail column; a job's own view shows it whole
FAILED_CHUNKS_SHOWN = 50  # a job's view lists at most this many failed chunks, first first


def newest_jobs(*, status: str | None = None, kind: str | None = None) -> Select[tuple[JobRun]]:
    """Jobs newest first (the id breaks a tie of one second), of one status and one kind
    when given: the one order of the command's list and the admin page's."""
    query = select(JobRun).order_by(JobRun.created_at.desc(), JobRun.id.desc())
    if status is not None:
        query = query.where(JobRun.status == status)
    if kind is not None:
        query = query.where(JobRun.kind == kind)
    return query


def recent_jobs(
    session: Session, *, status: str | None = None, kind: str | None = None, limit: int = 20
) -> list[JobRun]:
    """The newest ``limit`` jobs, newest first, of one status and one kind when given."""
    return list(session.scalars(newest_jobs(status=status, kind=kind).limit(limit)))


def job_page(
    session: Session,
    *,
    status: str | None = None,
    kind: str | None = None,
    page: int,
    page_size: int,
) -> Page[JobRun]:
    """One page of :func:`newest_jobs`: a busy server runs thousands of jobs a week, and an
    older failed one must still be found."""
    return paginate(session, newest_jobs(status=status, kind=kind), page=page, page_size=page_size)


def short_detail(detail: str, width: int = DETAIL_WIDTH) -> str:
    """The first line of a job's ``detail``, cut to a list's column."""
    first = (detail.splitlines() or [""])[0]
    return first if len(first) <= width else first[: width - 1] + "…"


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


def failed_chunks(
    session: Session, job_id: int, limit: int | None = FAILED_CHUNKS_SHOWN
) -> list[JobChunk]:
    """The first ``limit`` failed chunks of a split job (every one when None), in order: what
    a person looks at to learn which keys (conversations) a failed job did not get through."""
    query = (
        select(JobChunk)
        .where(JobChunk.job_id == job_id, JobChunk.status == "failed")
        .order_by(JobChunk.seq)
        .limit(limit)
    )
    return list(session.scalars(query))
