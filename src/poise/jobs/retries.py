"""When a job whose database could not be used is tried again, and what it says once it fails.

Shared by the in-process pool (:class:`poise.jobs.InProcessJobs`) and the Celery workers
(:mod:`poise.jobs.broker`), so a job meets the same waits and the same message wherever it runs.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from poise.settings import Settings

RECORD_MAX_SECONDS = 30  # the longest wait between tries to record a failure
# POISE_JOB_RETRY_SECONDS's default, for a pool made without settings (tests, commands).
DEFAULT_WAITS: tuple[float, ...] = tuple(Settings.model_fields["job_retry_seconds"].default)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


@dataclass(frozen=True)
class RetrySchedule:
    """When a job (or a chunk) whose database could not be used (unreachable, or busy: locked,
    a deadlock) is tried again: ``waits`` seconds apart (``POISE_JOB_RETRY_SECONDS``), then it
    fails."""

    waits: Sequence[float] = DEFAULT_WAITS

    @property
    def retries(self) -> int:
        """Tries after the first: one per wait."""
        return len(self.waits)

    def wait(self, retries: int) -> float:
        """Seconds before the next try after ``retries`` of them: the schedule's, then
        doubling up to 30 s (a failure waiting to be recorded, for as long as it takes)."""
        if retries < len(self.waits):
            return self.waits[retries]
        last = self.waits[-1]
        doubled = last * (1 << min(16, retries - len(self.waits) + 1))  # no overflow, ever
        return min(max(RECORD_MAX_SECONDS, last), doubled)

    def unreachable(self, exc: OperationalError) -> str:
        """What a job says when its chunk's (or its own) database could not be used for all
        its attempts: the driver's first line (where it was and why, never the statement) and
        what to do."""
        return (
            f"the database could not be reached (or stayed busy) for {self.retries + 1} "
            f"attempts over {_seconds(sum(self.waits))} seconds: {driver_said(exc)}; what was "
            "done stays: start the work again once the database answers"
        )


def driver_said(exc: OperationalError) -> str:
    """The database driver's first line: where it was and why, never the statement.

    The one message :mod:`poise.faults` lets into a log: PostgreSQL's first line of an
    operational error names the host, a lock or a timeout, its values being on the lines cut
    (DETAIL); SQLite's quotes only a token, which may be a search's words (``fts5: syntax
    error near "..."``), so what it quotes is left out."""
    line = (str(exc.orig or exc).strip().splitlines() or ["no reason given"])[0][:300]
    return _QUOTED.sub('"…"', line) if isinstance(exc.orig, sqlite3.Error) else line


def _seconds(total: float) -> str:
    """``31`` for 31.0, ``3.1`` for 3.1000000000000001."""
    return f"{round(total, 1):g}"
