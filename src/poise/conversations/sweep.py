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
second sweep while the first one's job is queued or running queues nothing. A job whose owner
is gone (its process died, or its host has been silent past ``jobs.STALE_AFTER``) covers
nothing: a server's next takeover turn (every few minutes) resumes it, and a sweep meanwhile
need not wait for that. It also
leaves history alone: turns sent before its window (an import made with ``--no-score``) are
for ``poise signals score``, which alerts nobody.

It backs off from scoring that keeps failing (a model that raises on one text): a
conversation listed by failed scoring jobs (a webhook's or a sweep's) since its oldest
unscored turn was sent is swept again only once :func:`retry_wait` has passed since the last
of them, a wait that doubles with each failure (20 minutes, 40, 80… at most a day). Such a
text costs a few failed jobs over the window rather than one every turn, and holds back no
other conversation: a job of several conversations whose scoring fails scores them one at a
time (:func:`~poise.conversations.scoring.live_scoring_work`). The failures are the state:
the failed jobs' subjects and end times say it, so nothing else is stored.

A conversation whose turns were scored but whose signals were not recomputed cannot be left
behind: the scores and the signals are committed together
(:func:`~poise.conversations.scoring.score_messages`), so a failure between the two leaves the
turns pending, for the sweep to find.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, Message
from poise.conversations.queries import job_conversation_ids, subject_cut
from poise.conversations.scoring import live_scoring_work
from poise.db.base import utcnow
from poise.hooks import Hooks
from poise.jobs import ACTIVE, InProcessJobs, JobRun, abandoned
from poise.jobs.kinds import CONNECTOR_SYNC, RESCORE, SCORE
from poise.jobs.models import SUBJECT_LENGTH
from poise.words import counted

SWEEP_PREFIX = "sweep:"
# Jobs that score what they store or find: a connector sync scores its turns once all are stored
SCORING_KINDS = (SCORE, RESCORE, CONNECTOR_SYNC)
RETRY_WAIT = timedelta(minutes=10)  # the sweep's turn: after n failures it waits 2**n of them
RETRY_WAIT_MAX = timedelta(days=1)


@dataclass(frozen=True)
class Sweep:
    """What one sweep found: the conversations whose unscored turns it queues (and how many
    turns), the turns it left to a scoring job already under way, and those it left to wait
    for a retry after their scoring failed."""

    conversation_ids: list[int] = field(default_factory=list)
    turns: int = 0
    waiting: int = 0
    job_id: int | None = None
    held: int = 0

    def __str__(self) -> str:
        """``swept 3 unscored customer messages in 2 conversations``, or that none was; and
        how many it left to a scoring job under way, or to a later retry."""
        asides = [
            (n, what)
            for n, what in (
                (self.waiting, "left to a scoring job under way"),
                (self.held, "waiting to be retried after their scoring failed"),
            )
            if n
        ]
        if self.turns:
            messages = counted(self.turns, "unscored customer message")
            conversations = counted(len(self.conversation_ids), "conversation")
            said = f"swept {messages} in {conversations}"
            more = "; ".join(f"{counted(n, 'more')} {what}" for n, what in asides)
            return f"{said} ({more})" if more else said
        if not asides:
            return "no unscored customer message to sweep"
        (first, what), *rest = asides
        said = f"{counted(first, 'unscored customer message')} {what}"
        return "".join([said, *(f"; {counted(n, 'more')} {w}" for n, w in rest)])


def find_unscored(
    session: Session, *, grace: timedelta, days: int, now: datetime, retries_wait: bool = True
) -> Sweep:
    """Unscored customer turns sent in the last ``days`` and stored longer ago than ``grace``
    (the turn sent and its conversation created before it), less those an active scoring
    job covers and, unless ``retries_wait`` is off (an operator's sweep), those of a
    conversation whose retry after failed scoring is not due; nothing is queued here."""
    cutoff = now - grace
    rows = session.execute(
        select(Message.conversation_id, func.count(), func.min(Message.sent_at))
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
    total = sum(n for _, n, _ in rows)
    covered = _covered(session, now)
    if covered is None:
        return Sweep(waiting=total)
    free = [row for row in rows if row[0] not in covered]
    not_due = _not_due(session, free, now, days) if retries_wait else set()
    left = [(cid, n) for cid, n, _ in free if cid not in not_due]
    turns = sum(n for _, n in left)
    held = sum(n for cid, n, _ in free if cid in not_due)
    return Sweep([cid for cid, _ in left], turns, total - turns - held, held=held)


def retry_wait(failures: int) -> timedelta:
    """How long after its last failed scoring job a conversation waits for the next sweep:
    20 minutes after one failure, doubling with each (40, 80…), never more than a day. So
    a turn whose scoring always fails costs about 8 failed jobs over a 2-day window, not one
    every 10 minutes, and a passing fault (a model file being replaced) delays it little."""
    return min(RETRY_WAIT * (1 << failures), RETRY_WAIT_MAX)


def _not_due(
    session: Session, rows: Sequence[Row[tuple[int, int, datetime]]], now: datetime, days: int
) -> set[int]:
    """The conversations whose retry is not due: failed by scoring jobs (a webhook's or a
    sweep's, as their subjects list them) since their oldest unscored turn was sent, the
    last of them less than :func:`retry_wait` ago. A failure before that turn was about
    other turns, since scored."""
    failed = _failures(session, since=now - timedelta(days=days))
    held: set[int] = set()
    for cid, _, oldest in rows:
        ends = [end for end in failed.get(cid, ()) if end >= oldest]
        if ends and now < max(ends) + retry_wait(len(ends)):
            held.add(cid)
    return held


def _failures(session: Session, *, since: datetime) -> dict[int, list[datetime]]:
    """When each conversation's failed scoring jobs (those whose subject lists it) ended."""
    failed: dict[int, list[datetime]] = {}
    rows = session.execute(
        select(JobRun.subject, JobRun.finished_at).where(
            JobRun.kind == SCORE, JobRun.status == "failed", JobRun.finished_at > since
        )
    )
    for subject, finished_at in rows:
        for cid in job_conversation_ids(subject):
            failed.setdefault(cid, []).append(finished_at)
    return failed


def _covered(session: Session, now: datetime) -> set[int] | None:
    """The conversations an active scoring job will score; None when one may score any (an
    import's, a re-score, a connector's sync, or one whose subject's list was cut short). A
    webhook's or a sweep's job resumed after its process died scores what its subject lists,
    as its first run would have (``scoring.resumed_scoring_work``). A job whose owner is gone
    covers nothing: a takeover turn resumes it, and a host that died may never start again."""
    covered: set[int] = set()
    gone = {row.id for row in abandoned(session, now)}
    jobs = session.execute(
        select(JobRun.id, JobRun.subject).where(
            JobRun.kind.in_(SCORING_KINDS), JobRun.status.in_(ACTIVE)
        )
    )
    for job_id, subject in jobs:
        if job_id in gone:
            continue
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
    return Sweep(ids, found.turns, found.waiting, job_id, found.held)
