"""The tables of background work: one row per job, and one per chunk of a job split up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from poise.db.base import Base, UTCDateTime, utcnow

# Every status a job passes through: queued and running while active; done, failed or
# cancelled when it ended; interrupted when its owner died and its kind cannot resume.
JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
CHUNK_STATUSES = ("pending", "done", "failed")
SUBJECT_LENGTH = 128  # what a job is for, e.g. ``import:12``; a longer one is cut


class JobRun(Base):
    """One run of background work with its progress, for status pages and the API."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(128), default="", server_default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class JobChunk(Base):
    """One piece of a job split for workers: the keys it covers and whether it is done.

    A chunk is marked ``done`` in the same transaction that writes its results, so a chunk
    delivered twice (a killed worker's task comes back) finds itself done and writes nothing.
    The job's progress is the sum of its done chunks' sizes.
    """

    __tablename__ = "job_chunks"
    __table_args__ = (
        UniqueConstraint("job_id", "seq", name="uq_job_chunks_job_seq"),
        Index("ix_job_chunks_job_status", "job_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    keys: Mapped[list[int]] = mapped_column(JSON)  # e.g. conversation ids, in key order
    size: Mapped[int] = mapped_column(Integer)  # units of progress, e.g. messages to score
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner: Mapped[str] = mapped_column(String(128), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
