"""Background work: bulk scoring, embedding, mining, scheduled rituals.

Every job is recorded as a :class:`JobRun` row, so any web worker (or host) can show its
status and progress. By default jobs run in-process on a small thread pool; the same
``JobRun`` protocol is what a Celery worker would update when ``POISE_BROKER_URL`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from poise.db.base import Base, UTCDateTime, utcnow

log = logging.getLogger(__name__)
JobProgress = Callable[[int, int], None]
JobWork = Callable[[Session, JobProgress], str]  # returns a one-line summary


class JobRun(Base):
    """One run of background work with its progress, for status pages and the API."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def run_job(maker: sessionmaker[Session], job_id: int, work: JobWork) -> None:
    """Run ``work`` for the recorded job, keeping its status and progress up to date."""
    with maker() as status_session, maker() as work_session:
        started = status_session.get(JobRun, job_id)
        if started is None:
            return
        started.status = "running"
        status_session.commit()

        def progress(done: int, total: int) -> None:
            started.done, started.total = done, total
            status_session.commit()

        try:
            detail, status = work(work_session, progress), "done"
        except Exception as exc:
            work_session.rollback()
            log.exception("job %s (%s) failed", job_id, started.kind)
            detail, status = f"{type(exc).__name__}: {exc}"[:2000], "failed"
        status_session.rollback()  # a progress write may have failed; start clean
        finished = status_session.get(JobRun, job_id)
        if finished is not None:
            finished.status, finished.detail, finished.finished_at = status, detail, utcnow()
            status_session.commit()


class InProcessJobs:
    """Runs jobs on a thread pool inside this process (the embedded default)."""

    def __init__(self, maker: sessionmaker[Session], workers: int = 1) -> None:
        self._maker = maker
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poise-job")

    def submit(self, kind: str, work: JobWork, *, subject: str = "") -> tuple[int, Future[Any]]:
        """Record a job and start it; returns its id and a future (tests may wait on it)."""
        with self._maker() as session:
            job = JobRun(kind=kind, subject=subject)
            session.add(job)
            session.commit()
            job_id = job.id
        return job_id, self._pool.submit(run_job, self._maker, job_id, work)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def jobs_for(session: Session, subjects: list[str]) -> dict[str, JobRun]:
    """The newest job per subject (e.g. ``import:12``), for status columns."""
    found: dict[str, JobRun] = {}
    if not subjects:
        return found
    rows = session.scalars(select(JobRun).where(JobRun.subject.in_(subjects)).order_by(JobRun.id))
    for job in rows:
        found[job.subject] = job
    return found
