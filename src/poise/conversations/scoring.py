"""Signals in the product: every customer turn scored, every conversation's signals current.

Scoring picks up whatever is pending (customer turns without a score, or, on a re-score,
scored by another model version), so it is idempotent and survives a crash: the next run
finishes the job. Imports hand it to a background job; webhooks score their new turns at once,
and hand them to a background job when that fails (:func:`score_live_turns`).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.conversations.changes import queue_for_rollup
from poise.conversations.models import Conversation, Message
from poise.conversations.queries import job_conversation_ids
from poise.faults import where
from poise.hooks import Hooks
from poise.jobs import (
    ACTIVE,
    InProcessJobs,
    JobCancelledError,
    JobProgress,
    JobStoppedError,
    JobWork,
    jobs_for,
)
from poise.jobs.kinds import SCORE
from poise.jobs.models import SUBJECT_LENGTH, JobRun
from poise.signals import ConversationSignals, Turn, get_scorer
from poise.signals.conversation import DEFAULT_EARLY_LEVEL, SignalsRequest, signals_batch
from poise.signals.purpose import given_purpose
from poise.words import counted

log = logging.getLogger(__name__)
BATCH = 256
CHUNK = 200
EVIDENCE_KEPT = 8
ScoreProgress = Callable[[int, int], None]


@dataclass
class ScoreCounts:
    messages: int = 0
    conversations: int = 0
    version: str = ""

    def __str__(self) -> str:
        """``scored 1 message in 1 conversation (version)``, thousands grouped ("10,205"): it
        read "1 messages in 1 conversations" after a re-score of one turn."""
        messages = counted(self.messages, "message")
        conversations = counted(self.conversations, "conversation")
        version = f" ({self.version})" if self.version else ""  # none when nothing was scored
        return f"scored {messages} in {conversations}{version}"


def _pending(version: str, rescore: bool) -> Select[Any]:
    query = select(Message.id, Message.conversation_id, Message.body).where(
        Message.author_role == "customer"
    )
    if rescore:
        return query.where((Message.signal_version.is_(None)) | (Message.signal_version != version))
    return query.where(Message.signal_version.is_(None))


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def score_messages(
    session: Session,
    *,
    conversation_ids: Sequence[int] | None = None,
    rescore: bool = False,
    progress: ScoreProgress | None = None,
) -> ScoreCounts:
    """Score pending customer turns (all, or of some conversations), committing each batch.

    Turns go conversation by conversation, and each batch's conversations get their signals
    refreshed as soon as their turns are all scored, in the transaction that stores the
    batch's scores. So a run stopped anywhere (a crash, a shutdown raising from
    ``progress``, a failing signal) leaves nothing half done: the next run scores what is
    still pending. The scores were committed first: a failure computing the signals left the
    turns scored and their conversation's early warning and risk as before, with nothing
    pending for a retry, the sweep or a replay to find.
    """
    scorer = get_scorer("negativity")
    query = _pending(scorer.version, rescore).order_by(Message.conversation_id, Message.id)
    rows: list[Any] = []
    if conversation_ids is None:
        rows = list(session.execute(query))
    else:
        for chunk in _chunks(sorted(set(conversation_ids)), CHUNK):
            rows.extend(session.execute(query.where(Message.conversation_id.in_(chunk))))
    counts = ScoreCounts(version=scorer.version)
    carried: list[int] = []  # a conversation whose turns continue in the next batch
    for batch in _chunks(rows, BATCH):
        _score_batch(session, scorer, batch)
        counts.messages += len(batch)
        ready = sorted(set(carried) | {row.conversation_id for row in batch})
        last = batch[-1].conversation_id
        more = counts.messages < len(rows) and rows[counts.messages].conversation_id == last
        carried = [last] if more else []
        finished = [cid for cid in ready if cid not in carried]
        for chunk in _chunks(finished, CHUNK):
            _refresh_chunk(session, chunk)
        session.commit()  # the batch's scores with its finished conversations' signals
        counts.conversations += len(finished)
        if progress:
            progress(counts.messages, len(rows))
    if rescore:
        refreshed = {row.conversation_id for row in rows}
        stale = [cid for cid in _stale_drift(session, conversation_ids) if cid not in refreshed]
        counts.conversations += refresh_conversation_signals(session, stale)
    return counts


def drift_outdated(session: Session) -> bool:
    """Whether a conversation's drift was measured by another drift model (after an upgrade):
    the scheduler's hourly re-score then has work though every turn is scored."""
    return session.scalar(_other_drift(get_scorer("drift").version).limit(1)) is not None


def _other_drift(current: str) -> Select[Any]:
    """Conversations whose stored versions name a drift model, not ``current`` (the text
    test is a first cut: :func:`_stale_drift` checks the versions one by one)."""
    return select(Conversation.id, Conversation.signals_version).where(
        Conversation.signals_version.like("%drift-%"),
        ~Conversation.signals_version.contains(current, autoescape=True),
    )


def _stale_drift(session: Session, conversation_ids: Sequence[int] | None) -> list[int]:
    """Conversations whose drift another drift model measured. A re-score after a drift
    model change refreshes them, though none of their turns needs a new score: ``poise
    signals rescore`` left their drift flag (the list's filter, the Signals page's count) to
    the old model, while the assist panel worked drift out afresh."""
    current = get_scorer("drift").version
    query = _other_drift(current)
    found: list[int] = []
    chunks = [None] if conversation_ids is None else _chunks(sorted(set(conversation_ids)), CHUNK)
    for chunk in chunks:
        rows = session.execute(query if chunk is None else query.where(Conversation.id.in_(chunk)))
        found += [cid for cid, versions in rows if current not in versions.split("+")]
    return sorted(found)


def _score_batch(session: Session, scorer: Any, batch: Sequence[Any]) -> None:
    """Score one batch of turns (the caller commits them with their conversations' signals).
    The model runs before the write, so SQLite's single writer is held only to store."""
    results = scorer.score_batch([row.body for row in batch])
    session.execute(
        update(Message),
        [_message_values(row.id, r) for row, r in zip(batch, results, strict=True)],
    )


def _message_values(message_id: int, r: Any) -> dict[str, Any]:
    """One turn's stored signal columns from its scorer result."""
    return {
        "id": message_id,
        "negativity": round(r.score, 4),
        "complaint": round(r.complaint, 4),
        "feeling_level": r.level,
        "emotion": r.emotion,
        "abusive": r.abusive,
        "leaving": bool(r.leaving),
        "signal_evidence": r.evidence[:EVIDENCE_KEPT],
        "signal_version": r.version,
    }


def has_pending(session: Session, conversation_ids: Sequence[int]) -> bool:
    """Whether any customer turn of these conversations still waits for a score."""
    for chunk in _chunks(sorted(set(conversation_ids)), CHUNK):
        query = _pending("", False).where(Message.conversation_id.in_(chunk)).limit(1)
        if session.execute(query).first() is not None:
            return True
    return False


def import_scoring_ids(session: Session, added: Sequence[int], touched: Sequence[int]) -> list[int]:
    """The conversations an import's scoring job scores: those it added a turn to.

    A file that added nothing (imported again) scores its conversations' waiting turns only
    when no scoring job is queued or running: one sent again while its first import's job
    waits started a second job for the same turns, while a re-run after a crash whose job
    was never queued or failed must still score them (the sweep looks back two days, an
    import's history is older). A queued or running import job left by a crash is resumed
    at the next start and scores whatever waits (:func:`resumed_scoring_work`)."""
    if added or not touched:
        return list(added)
    if _scoring_under_way(session) or not has_pending(session, touched):
        return []
    return list(touched)


def _scoring_under_way(session: Session) -> bool:
    query = select(JobRun.id).where(JobRun.kind == SCORE, JobRun.status.in_(ACTIVE)).limit(1)
    return session.execute(query).first() is not None


def any_pending(session: Session) -> bool:
    """Whether any customer turn anywhere waits for a score (read from the small index of
    unscored turns)."""
    return session.execute(_pending("", False).limit(1)).first() is not None


def scoring_work(
    conversation_ids: Sequence[int] | None, *, hooks: Hooks, rescore: bool = False
) -> JobWork:
    """Score what is pending (of these conversations, or anywhere), then tell ``hooks`` (the
    praise the new scores reveal is collected there)."""

    def work(session: Session, progress: JobProgress) -> str:
        scored = score_messages(
            session, conversation_ids=conversation_ids, rescore=rescore, progress=progress
        )
        return scored_and_after(session, scored, hooks)

    return work


TRANSIENT = frozenset({"40P01", "40001"})  # PostgreSQL: deadlock detected, serialization failure
SCORING_TRIES = 3


def score_live_turns(
    session: Session, conversation_ids: Sequence[int], *, hooks: Hooks, jobs: InProcessJobs
) -> int | None:
    """Score the turns a webhook just stored and tell ``hooks`` (alerts on a live
    conversation); when that fails, hand them to a background job. The job's id, or None when
    they were scored at once.

    The turns are committed by now, so a failure here must not fail the delivery: a 500 made
    the sender retry, the retry was a 409 replay ("received before: nothing stored"), and the
    turn stayed unscored until someone ran ``poise signals score``.
    """
    ids = sorted(set(conversation_ids))
    try:
        _score_now(session, hooks, ids)
        return None
    except Exception as exc:
        _roll_back(session)
        return _score_later(jobs, hooks, ids, exc)


def _score_now(session: Session, hooks: Hooks, conversation_ids: Sequence[int]) -> None:
    """Score delivered turns and tell the hooks, trying again when PostgreSQL ends the
    transaction as a deadlock's victim.

    Eight turns of one new conversation delivered at once each scored it beside the others,
    and two of them updating the same emotion tallies in another order deadlocked (CI,
    2026-12-07). Scoring what is pending again is safe: a scored turn is not scored twice."""
    for attempt in range(1, SCORING_TRIES + 1):
        try:
            score_messages(session, conversation_ids=conversation_ids)
            hooks.scored(session, conversation_ids)
            return
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in TRANSIENT or attempt == SCORING_TRIES:
                raise
            session.rollback()


def _score_later(
    jobs: InProcessJobs, hooks: Hooks, conversation_ids: list[int], exc: Exception
) -> int | None:
    """Queue the scoring the request could not do, and log why: the conversations and where
    the error was raised, never its message, which may quote the customer's text (a model's
    error on its input, a database error's parameters)."""
    try:
        work = live_scoring_work(conversation_ids, hooks=hooks)
        job_id, _ = jobs.submit(SCORE, work, subject=live_subject(conversation_ids))
        then = f"job {job_id} scores them"
    except Exception as queueing:  # the turns are stored all the same: say so, answer so
        job_id, then = None, f"queueing a job failed too ({where(queueing)}): "
        then += "`poise signals score` scores them"
    log.error(
        "scoring the new turns of %s failed (%s); %s",
        _conversations(conversation_ids),
        where(exc),
        then,
    )
    return job_id


def score_left_turns(
    session: Session, conversation_ids: Sequence[int], *, hooks: Hooks, jobs: InProcessJobs
) -> int | None:
    """Queue the scoring of a replayed delivery's turns when they still wait for one and no
    job is scoring them; that job's id, or None.

    The replay is refused all the same (409: it stores nothing), but it is the one sign that
    a server died after storing the turns, before scoring or queueing them (its sender got
    no answer and sent them again). Scoring them here in the request could kill this server
    too; a job also survives a restart. Never fails the answer: it is logged instead.
    """
    ids = sorted(set(conversation_ids))
    try:
        if not ids or not has_pending(session, ids):
            return None
        subject = live_subject(ids)
        current = jobs_for(session, [subject]).get(subject)
        if current is not None and current.status in ACTIVE:
            return current.id
        job_id, _ = jobs.submit(SCORE, live_scoring_work(ids, hooks=hooks), subject=subject)
    except Exception as exc:
        _roll_back(session)
        log.error(
            "a replay of %s found turns unscored; queueing their scoring failed (%s)",
            _conversations(ids),
            where(exc),
        )
        return None
    log.warning(
        "a replay of %s found turns unscored; job %s scores them", _conversations(ids), job_id
    )
    return job_id


def live_scoring_work(conversation_ids: Sequence[int], *, hooks: Hooks) -> JobWork:
    """What a webhook's request would have done: score the conversations' pending turns,
    refresh their signals (a failure may have come after the turns' scores, before the
    conversation's), then tell ``hooks`` that live turns were scored (alerts).

    When scoring several conversations together fails (a model that raises on one text),
    they are scored one at a time, so that text holds back only its own conversation; the
    job still fails, and the sweep backs off from the conversations left unscored."""
    ids = sorted(set(conversation_ids))

    def work(session: Session, progress: JobProgress) -> str:
        try:
            scored = _score_live(session, ids, progress)
        except _PASSED_ON:
            raise
        except Exception:
            if len(ids) == 1:
                raise
            session.rollback()
            return _one_at_a_time(session, ids, hooks, progress)
        hooks.scored(session, ids)
        return str(scored)

    return work


# What a job's work passes on as it is: the database going away (the pool tries again), a
# server's shutdown or a cancel (raised from a progress report)
_PASSED_ON = (OperationalError, JobStoppedError, JobCancelledError)


class ConversationsUnscoredError(Exception):
    """Some conversations of a scoring job could not be scored (the log has each cause)."""


def _score_live(session: Session, ids: Sequence[int], progress: JobProgress | None) -> ScoreCounts:
    """Score the conversations' pending turns and refresh their signals (without the hooks)."""
    scored = score_messages(session, conversation_ids=ids, progress=progress)
    if scored.conversations < len(ids):
        scored.conversations = refresh_conversation_signals(session, ids)
    return scored


def _one_at_a_time(
    session: Session, ids: Sequence[int], hooks: Hooks, progress: JobProgress
) -> str:
    """Score each conversation alone, tell ``hooks`` of those scored, then fail the job
    naming how many were not (each cause logged: where it was raised, never its message)."""
    total = ScoreCounts()
    done: list[int] = []
    failed: list[int] = []
    for n, cid in enumerate(ids, start=1):
        try:
            scored = _score_live(session, [cid], None)
        except _PASSED_ON:
            raise
        except Exception as exc:
            session.rollback()
            failed.append(cid)
            log.error("scoring conversation %s failed (%s)", cid, where(exc))
        else:
            done.append(cid)
            total.messages += scored.messages
            total.conversations += scored.conversations
            total.version = scored.version or total.version
        progress(n, len(ids))
    if done:
        hooks.scored(session, done)
    if failed:
        unscored = f"{counted(len(failed), 'conversation')} could not be scored"
        raise ConversationsUnscoredError(f"{unscored} ({_conversations(failed)}); {total}")
    return str(total)


def resumed_scoring_work(subject: str, *, hooks: Hooks) -> JobWork:
    """The work of a scoring job taken over from a process that stopped (a restart, another
    host), rebuilt from the job's subject: the first run's closure is gone with its process.

    A job of live turns (``webhook:12,13``, ``sweep:12,13``) does what its first run would
    have (:func:`live_scoring_work`), hooks included: resumed as a plain scoring job, it
    scored every pending turn and told nobody, so alerts for those turns were never raised.
    A subject cut at its column names only its first conversations: those are scored and
    told, the rest are left unscored. The sweep waits while a job with a cut subject is under
    way, then queues them with alerts; scoring them here would score them where no alert
    could ever be raised (nor could it tell them from history imported with ``--no-score``).

    Any other scoring job (an import's) scores whatever is pending anywhere, as before.
    """
    ids = job_conversation_ids(subject)
    if ids:
        return live_scoring_work(ids, hooks=hooks)
    return scoring_work(None, hooks=hooks)


def live_subject(conversation_ids: Sequence[int]) -> str:
    """The subject of the job scoring delivered turns: ``webhook:12`` (ids only, no text).
    Who may read the job is read from it (``queries.job_conversation_ids``)."""
    return f"webhook:{','.join(str(cid) for cid in conversation_ids)}"[:SUBJECT_LENGTH]


def _conversations(conversation_ids: Sequence[int]) -> str:
    ids = ", ".join(str(cid) for cid in conversation_ids[:20])
    more = f" and {len(conversation_ids) - 20} more" if len(conversation_ids) > 20 else ""
    return f"conversation{'s' if len(conversation_ids) > 1 else ''} {ids}{more}"


def _roll_back(session: Session) -> None:
    """End the failed transaction; a dead connection is the pool's to replace."""
    try:
        session.rollback()
    except Exception:
        log.warning("rolling back after a failed scoring failed too")


def scored_and_after(session: Session, scored: ScoreCounts, hooks: Hooks) -> str:
    """The report of a scoring job: its counts, then what the reactions to it did."""
    return "; ".join([str(scored), *hooks.finished_scoring(session)])


def import_scoring_subject(run_id: int) -> str:
    """The subject of the job that scores an import: the import page's Signals column finds
    the job by it, whether the upload page or ``poise import`` started it."""
    return f"import:{run_id}"


def refresh_conversation_signals(session: Session, conversation_ids: Sequence[int]) -> int:
    """Recompute early warning, escalation, drift and turnaround from the stored scores."""
    for chunk in _chunks(list(conversation_ids), CHUNK):
        _refresh_chunk(session, chunk)
        session.commit()
    return len(conversation_ids)


def _refresh_chunk(session: Session, chunk: Sequence[int]) -> None:
    """Recompute one chunk of conversations and queue them for the insights rollup (the
    caller commits)."""
    turns = _turns(session, chunk)
    session.execute(update(Conversation), _conversation_values(turns, _choices(session, chunk)))
    queue_for_rollup(session, chunk)


_NO_CHOICE = (None, DEFAULT_EARLY_LEVEL)


def _turns(session: Session, chunk: Sequence[int]) -> dict[int, list[Any]]:
    """Every turn of these conversations, in order, with its stored scores."""
    turns: dict[int, list[Any]] = {cid: [] for cid in chunk}
    rows = session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.author_role,
            Message.body,
            Message.negativity,
            Message.abusive,
            Message.leaving,
            Message.signal_version,
        )
        .where(Message.conversation_id.in_(chunk))
        .order_by(Message.conversation_id, Message.sent_at, Message.id)
    )
    for row in rows:
        turns[row.conversation_id].append(row)
    return turns


def _choices(session: Session, chunk: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    """Each conversation's given purpose and its assignee's team's early-warning level."""
    return {
        row.id: (row.purpose or None, row.early_warning_level or DEFAULT_EARLY_LEVEL)
        for row in session.execute(
            select(Conversation.id, Conversation.purpose, Team.early_warning_level)
            .outerjoin(User, User.id == Conversation.assignee_id)
            .outerjoin(Team, Team.id == User.team_id)
            .where(Conversation.id.in_(chunk))
        )
    }


def _conversation_values(
    turns: dict[int, list[Any]], choices: dict[int, tuple[str | None, str]]
) -> list[dict[str, Any]]:
    """Each conversation's signal columns from its turns (unscored turns are scored here),
    the conversations of a chunk computed together (drift embeds their sentences at once).

    ``choices`` holds each one's given purpose and its assignee's team's early-warning level.
    """
    requests = [
        _signals_request(rows, *choices.get(cid, _NO_CHOICE)) for cid, rows in turns.items()
    ]
    signals = signals_batch(requests)
    return [
        _signal_columns(cid, rows, s) for (cid, rows), s in zip(turns.items(), signals, strict=True)
    ]


def _signals_request(rows: list[Any], purpose: str | None, early_level: str) -> SignalsRequest:
    """What conversation signals read of one conversation: its turns, the purpose given for it
    (if it says more than the first customer turn) and how unhappy an opening must be."""
    customer = [r for r in rows if r.author_role == "customer"]
    return SignalsRequest(
        [Turn(r.author_role, r.body, r.negativity) for r in rows],
        given_purpose(purpose, customer[0].body if customer else ""),
        early_level,
    )


def _signal_columns(cid: int, rows: list[Any], signals: ConversationSignals) -> dict[str, Any]:
    """One conversation's stored signal columns."""
    customer = [r for r in rows if r.author_role == "customer"]
    return {
        "id": cid,
        "early_warning": signals.early_warning,
        "escalation_risk": round(signals.escalation_risk, 4),
        "peak_negativity": round(max(signals.trend), 4) if signals.trend else None,
        "drifted": signals.drift.drifted,
        "drift_turn": signals.drift.turn_index,
        "drift_score": round(signals.drift.score, 4),
        "drift_sentence": signals.drift.sentence or None,
        "stated_purpose": signals.drift.purpose or None,
        "turnaround": signals.turnaround,
        "abusive": any(r.abusive for r in customer),
        "leaving": any(r.leaving for r in customer),
        "signal_trend": [round(v, 3) for v in signals.trend],
        "signals_version": _versions(signals.versions, rows),
    }


def _versions(used: list[str], rows: list[Any]) -> str | None:
    """Every model version behind a conversation's signals, e.g. ``drift-1+negativity-3``."""
    stored = {r.signal_version for r in rows if r.signal_version}
    return "+".join(sorted(set(used) | stored))[:64] or None


# Split scoring: the chunks that workers share (see poise.jobs.chunks). A chunk is a run of
# whole conversations, so each conversation's signals are computed once, from all its turns.


class _ScoredTurn(NamedTuple):
    """A turn as conversation signals read it, with a fresh score not yet written."""

    id: int
    conversation_id: int
    author_role: str
    body: str
    negativity: float | None
    abusive: bool | None
    leaving: bool | None
    signal_version: str | None


def count_pending(
    session: Session, conversation_ids: Sequence[int] | None, *, rescore: bool = False
) -> Iterator[tuple[int, int]]:
    """``(conversation id, turns waiting for a score)`` in conversation order, streamed; a
    re-score also counts each conversation another drift model measured as one (the
    workers' split re-score left their drift to the old model, as the command did)."""
    if not rescore:
        yield from _count_pending(session, conversation_ids, rescore=False)
        return
    stale = [(cid, 1) for cid in _stale_drift(session, conversation_ids)]
    merged = heapq.merge(_count_pending(session, conversation_ids, rescore=True), stale)
    for cid, counts in groupby(merged, key=itemgetter(0)):
        yield cid, sum(n for _, n in counts)


def _count_pending(
    session: Session, conversation_ids: Sequence[int] | None, *, rescore: bool
) -> Iterator[tuple[int, int]]:
    version = get_scorer("negativity").version
    pending = _pending(version, rescore).subquery()
    query = (
        select(pending.c.conversation_id, func.count())
        .group_by(pending.c.conversation_id)
        .order_by(pending.c.conversation_id)
    )
    if conversation_ids is None:
        yield from session.execute(query.execution_options(yield_per=10_000)).tuples()
        return
    for chunk in _chunks(sorted(set(conversation_ids)), CHUNK):
        yield from session.execute(query.where(pending.c.conversation_id.in_(chunk))).tuples()


def compute_scores(
    session: Session, conversation_ids: Sequence[int], *, rescore: bool = False
) -> ScoredConversations:
    """Score the pending turns of these conversations and work out their signals; no writes.

    The same model and the same columns as :func:`score_messages`, so a chunk scored by a
    worker stores exactly what the in-process path would.
    """
    scorer = get_scorer("negativity")
    query = _pending(scorer.version, rescore).order_by(Message.conversation_id, Message.id)
    rows: list[Any] = []
    for chunk in _chunks(sorted(set(conversation_ids)), CHUNK):
        rows.extend(session.execute(query.where(Message.conversation_id.in_(chunk))))
    messages: list[dict[str, Any]] = []
    for batch in _chunks(rows, BATCH):
        results = scorer.score_batch([row.body for row in batch])
        messages.extend(_message_values(row.id, r) for row, r in zip(batch, results, strict=True))
    fresh = {values["id"]: values for values in messages}
    ready = sorted({row.conversation_id for row in rows})
    if rescore:  # and those another drift model measured, though no turn needs a score
        ready = sorted(set(ready) | set(_stale_drift(session, conversation_ids)))
    conversations: list[dict[str, Any]] = []
    for chunk in _chunks(ready, CHUNK):
        turns = {
            cid: [_with_fresh(turn, fresh.get(turn.id)) for turn in rows]
            for cid, rows in _turns(session, chunk).items()
        }
        conversations.extend(_conversation_values(turns, _choices(session, chunk)))
    return ScoredConversations(messages, conversations, scorer.version)


def _with_fresh(turn: Any, values: dict[str, Any] | None) -> Any:
    if values is None:
        return turn
    return _ScoredTurn(
        turn.id,
        turn.conversation_id,
        turn.author_role,
        turn.body,
        values["negativity"],
        values["abusive"],
        values["leaving"],
        values["signal_version"],
    )


@dataclass
class ScoredConversations:
    """Fresh turn scores and conversation signals of a chunk, written in one go."""

    messages: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    version: str

    def write(self, session: Session) -> None:
        """Store them (the caller commits, together with marking its chunk done)."""
        if self.messages:
            session.execute(update(Message), self.messages)
        if self.conversations:
            session.execute(update(Conversation), self.conversations)

    @property
    def counts(self) -> dict[str, int]:
        return {"messages": len(self.messages), "conversations": len(self.conversations)}
