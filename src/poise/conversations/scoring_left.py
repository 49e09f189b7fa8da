"""The conversations a scoring job that did not end well left unscored.

The admin Jobs page links them and the jobs API counts them: one rule for both, so the page
and an API client never disagree about what a failed scoring covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.conversations.queries import job_conversation_ids
from poise.conversations.visibility import openable_conversations
from poise.jobs import ACTIVE
from poise.jobs.kinds import RESCORE, SCORE
from poise.jobs.models import JobChunk, JobRun
from poise.jobs.queries import FAILED_CHUNKS_SHOWN, failed_chunks

COVERED_SHOWN = 100  # a failed scoring's conversations linked on its page; the rest counted
SCORING = (SCORE, RESCORE)  # kinds whose chunks' keys are conversation ids


@dataclass(frozen=True)
class Left:
    """The conversation ids a scoring job did not get through, and where they were read from
    (its failed chunks, or its subject)."""

    ids: list[int]
    source: str


@dataclass(frozen=True)
class Covered:
    """The conversations a scoring job did not get through: ``linked`` (the first
    :data:`COVERED_SHOWN` the reader may open) of ``total``; ``source`` says where they were
    read from (its failed chunks, or its subject)."""

    linked: list[int]
    total: int
    source: str


def _scoring_cut_short(job: JobRun) -> bool:
    """A scoring job that ended without finishing: failed, cancelled or interrupted."""
    return job.kind in SCORING and job.status not in (*ACTIVE, "done")


def left_conversations(job: JobRun, failed: Sequence[JobChunk]) -> Left | None:
    """For a scoring job that did not end well, the conversations its ``failed`` chunks held
    (a split job) or its subject names (delivered turns, the sweep); None for any other job,
    or one whose chunks and subject name no conversation (an import's scoring cancelled)."""
    if not _scoring_cut_short(job):
        return None
    if failed:
        ids = sorted({key for chunk in failed for key in chunk.keys})
        cut = len(failed) >= FAILED_CHUNKS_SHOWN  # more may have failed: say which were read
        source = f"its first {len(failed)} failed chunks" if cut else "its failed chunks"
    else:
        ids = job_conversation_ids(job.subject)
        source = "its subject"
    return Left(ids, source) if ids else None


def covered_conversations(
    session: Session, actor: User, job: JobRun, failed: Sequence[JobChunk]
) -> Covered | None:
    """:func:`left_conversations` for a page: the ones ``actor`` may open, as links."""
    left = left_conversations(job, failed)
    if left is None:
        return None
    openable = openable_conversations(session, actor, left.ids)
    linked = [i for i in left.ids if i in openable][:COVERED_SHOWN]
    return Covered(linked, len(left.ids), left.source)


def conversations_left(session: Session, actor: User, job: JobRun) -> int | None:
    """:func:`left_conversations` for the jobs API: how many, read from every failed chunk
    (not a page's first ones); for a reader who is not an admin, those they may open."""
    if not _scoring_cut_short(job):
        return None  # no chunk to read
    left = left_conversations(job, failed_chunks(session, job.id, limit=None))
    if left is None:
        return None
    if actor.is_admin:
        return len(left.ids)
    return len(openable_conversations(session, actor, left.ids))
