"""The sweep of unscored turns: what no webhook, sync or job will ever score, queued for scoring.

A webhook scores its new turns in the request, or queues a job when that fails
(:func:`~poise.conversations.scoring.score_live_turns`). Two gaps stayed: a server that died
after storing a turn and before scoring it or queueing its job, and a scoring job cancelled
or failed for good. Either left the turn unscored (calm on every page, no alert) until its
sender replayed it or someone ran ``poise signals score``. The sweep finds such turns and
queues one scoring job for them, the job a webhook's failure queues: ``poise serve`` (or the
scheduler) runs it every few minutes, and ``poise signals sweep`` on demand.

It leaves alone what another path is about to score: turns younger than the grace period (a
webhook may still be scoring them) and conversations an active scoring job covers. So a
second sweep while the first one's job is queued or running queues nothing. It also leaves
history alone: turns sent before its window (an import made with ``--no-score``) are for
``poise signals score``, which alerts nobody.

A conversation whose turns were scored but whose signals were not recomputed cannot be left
behind: the scores and the signals are committed together
(:func:`~poise.conversations.scoring.score_messages`), so a failure between the two leaves the
turns pending, for the sweep to find.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, Message
from poise.conversations.queries import job_conversation_ids, subject_cut
from poise.conversations.scoring import live_scoring_work
from poise.db.base import utcnow
from poise.hooks import Hooks
from poise.jobs import ACTIVE, InProcessJobs, JobRun
from poise.jobs.kinds import CONNECTOR_SYNC, RESCORE, SCORE
from poise.jobs.models import SUBJECT_LENGTH
from poise.words import counted

SWEEP_PREFIX = "sweep:"
# Jobs that score what they store or find: a connector sync scores its turns once all are stored
SCORING_KINDS = (SCORE, RESCORE, CONNECTOR_SYNC)


@dataclass(frozen=True)
class Sweep:
    """What one sweep found: the conversations whose unscored turns it queues (and how many
    turns), and the turns it left to a scoring job already under way."""

    conversation_ids: list[int] = field(default_factory=list)
    turns: int = 0
    waiting: int = 0
    job_id: int | None = None

    def __str__(self) -> str:
        """``swept 3 unscored customer messages in 2 conversations``, or that none was; and
        how many it left to a scoring job under way."""
        under_way = "left to a scoring job under way"
        if not self.turns:
            if self.waiting:
                return f"{counted(self.waiting, 'unscored customer message')} {under_way}"
            return "no unscored customer message to sweep"
        messages = counted(self.turns, "unscored customer message")
        conversations = counted(len(self.conversation_ids), "conversation")
        said = f"swept {messages} in {conversations}"
        if self.waiting:
            said += f" ({counted(self.waiting, 'more')} {under_way})"
        return said


def find_unscored(session: Session, *, grace: timedelta, days: int, now: datetime) -> Sweep:
    """Unscored customer turns sent in the last ``days`` and stored longer ago than ``grace``
    (the turn sent and its conversation created before it), less those an active scoring
    job covers; nothing is queued here."""
    cutoff = now - grace
    rows = session.execute(
        select(Message.conversation_id, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.author_role == "customer",
            Message.signal_version.is_(None),
            Message.sent_at > now - timedelta(days=days),
            Message.sent_at <= cutoff,
            Conversation.created_at <= cutoff,
        )
        .group_by(Message.conversation_id)
        .order_by(Message.conversation_id)
    ).all()
    total = sum(n for _, n in rows)
    covered = _covered(session)
    if covered is None:
        return Sweep(waiting=total)
    left = [(cid, n) for cid, n in rows if cid not in covered]
    turns = sum(n for _, n in left)
    return Sweep([cid for cid, _ in left], turns, total - turns)


def _covered(session: Session) -> set[int] | None:
    """The conversations an active scoring job will score; None when one may score any (an
    import's, a re-score, a connector's sync, or one whose subject's list was cut short). A
    webhook's or a sweep's job resumed after a restart scores what its subject lists, as its
    first run would have (``scoring.resumed_scoring_work``)."""
    covered: set[int] = set()
    subjects = session.scalars(
        select(JobRun.subject).where(JobRun.kind.in_(SCORING_KINDS), JobRun.status.in_(ACTIVE))
    )
    for subject in subjects:
        listed = _listed(subject)
        if listed is None:
            return None
        covered |= listed
    return covered


def _listed(subject: str) -> set[int] | None:
    """The conversation ids a ``webhook:1,2`` or ``sweep:1,2`` subject names; None for any
    other subject, or one as long as the column (its list may have been cut)."""
    ids = job_conversation_ids(subject)
    return set(ids) if ids and not subject_cut(subject) else None


def sweep_subject(conversation_ids: Sequence[int]) -> str:
    """The subject of a sweep's job: ``sweep:12,15`` (ids only, no text), cut to the column."""
    return f"{SWEEP_PREFIX}{','.join(str(cid) for cid in conversation_ids)}"[:SUBJECT_LENGTH]


def queue_sweep(
    session: Session,
    jobs: InProcessJobs,
    *,
    hooks: Hooks,
    grace: timedelta,
    days: int,
    now: datetime | None = None,
) -> Sweep:
    """Find the unscored turns and queue one scoring job for them on ``jobs``; the sweep,
    with its job's id (none when nothing was found)."""
    found = find_unscored(session, grace=grace, days=days, now=now or utcnow())
    if not found.conversation_ids:
        return found
    ids = found.conversation_ids
    job_id, _ = jobs.submit(SCORE, live_scoring_work(ids, hooks=hooks), subject=sweep_subject(ids))
    return Sweep(ids, found.turns, found.waiting, job_id)
