"""Counting the rollup: each conversation's figures, worked out once when it changes.

A conversation's repeat-contact flag and its first contact resolution depend on the other
contacts of its customer, so a conversation is always counted together with every contact of
its customer (:func:`poise.knowledge.fcr.contacts_of_customers`), with the manual's one FCR
(:func:`poise.knowledge.fcr.outcomes_of`). Writers queue what they change
(:func:`poise.conversations.changes.queue_for_rollup`); :func:`count_queued` drains the queue
(the scheduler's job, ``poise insights rollup --queued``, the server's own loop without a
broker) and :func:`count_all` rebuilds everything (``poise insights rollup``, the demo).
"""

from __future__ import annotations

import json
import typing
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, Message, Rating, RollupQueue, written_by
from poise.conversations.queries import ESCALATING
from poise.db.base import utcnow
from poise.db.bulk import key_conditions, lookup, lookup_objects, write_rows
from poise.db.meta import get_fact, set_fact
from poise.insights import days as day_aggregate
from poise.insights import weeks as exposure_weeks
from poise.insights.models import InsightFact, encode_emotions
from poise.knowledge.fcr import Contact, by_customer, contacts_of_customers, outcomes_of

CHUNK = 2000
FACTS = typing.cast(Table, InsightFact.__table__)  # Core inserts: no ORM bookkeeping per row
COUNTED_AT = "insights.rollup_at"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RollupState:
    """How fresh the figures are: when the rollup last ran, and what waits for it.

    ``begun``: some conversation is counted. A full count (:func:`count_all`) commits its
    chunks before it writes ``counted_at`` at its end, so a count still running, or stopped
    before its end, holds figures with no ``counted_at``: the dashboard said "Nothing to
    count yet" above them.
    """

    counted_at: datetime | None
    waiting: int
    begun: bool = False


def rollup_state(session: Session) -> RollupState:
    """Read-only: shown beside the figures ("Figures as of …, N conversations waiting")."""
    stamp = get_fact(session, COUNTED_AT)
    waiting = session.scalar(select(func.count()).select_from(RollupQueue)) or 0
    begun = stamp is not None or _any_fact(session)
    return RollupState(datetime.fromisoformat(stamp) if stamp else None, int(waiting), begun)


def _any_fact(session: Session) -> bool:
    return session.scalar(select(InsightFact.conversation_id).limit(1)) is not None


def has_queued(session: Session) -> bool:
    """Whether any conversation waits to be counted (read-only)."""
    return session.scalar(select(RollupQueue.conversation_id).limit(1)) is not None


def has_work(session: Session) -> bool:
    """Whether :func:`count_queued` has anything to do (read-only): conversations queued, or
    the day aggregate out of step (unbuilt, someone changed teams, a conversation deleted), or
    exposure's weeks never counted (after the upgrade that added them)."""
    return (
        has_queued(session)
        or day_aggregate.out_of_step(session)
        or not exposure_weeks.built(session)
    )


def count_conversations(
    session: Session, conversation_ids: Sequence[int], *, window_days: int, days: bool = True
) -> int:
    """Count these conversations and every other contact of their customers again (no commit).

    Returns how many facts were written; a conversation deleted meanwhile loses its row. With
    ``days`` their old and new days are marked for the day aggregate, which the queued
    rollup counts at its end, and the people's weeks they touch are summed again at once (the
    full rebuild counts every day and sums every week at its end instead).
    """
    rows, contacts = _with_their_customers(session, conversation_ids)
    ids = sorted({r.id for r in rows} | {int(i) for i in conversation_ids})
    outcomes = outcomes_of(session, contacts, window_days=window_days)
    repeats = _repeats(contacts, timedelta(days=window_days))
    ratings = _ratings(session, ids)
    replies = _first_replies(session, ids)
    emotions = _emotions(session, ids)
    now = utcnow()
    facts = [
        _fact(r, ratings.get(r.id), replies.get(r.id), emotions.get(r.id), outcomes, repeats, now)
        for r in rows
    ]
    touched = {f["opened_day"] for f in facts}
    if days:
        touched.update(_days_of(session, ids))
    for among_ids in key_conditions(session, InsightFact.conversation_id, ids):
        session.execute(delete(InsightFact).where(among_ids))
    write_rows(session, FACTS, facts)  # COPY on PostgreSQL
    if days:
        day_aggregate.mark_changed(session, touched)
    exposure_weeks.count_weeks(session, ids, sums=days)
    return len(facts)


def _days_of(session: Session, ids: Sequence[int]) -> set[date]:
    """The days these conversations were counted on (before they are counted again)."""
    days = select(InsightFact.opened_day).distinct()
    return set(lookup_objects(session, days, InsightFact.conversation_id, ids))


def _with_their_customers(
    session: Session, conversation_ids: Sequence[int]
) -> tuple[list[Any], list[Contact]]:
    """The conversations and every other contact of their customers: rows, and FCR contacts
    (a conversation without a customer is a contact of its own)."""
    rows = _conversations(session, conversation_ids)
    customers = {int(r.customer_id) for r in rows if r.customer_id is not None}
    contacts = contacts_of_customers(session, sorted(customers))
    have = {r.id for r in rows}
    rows += _conversations(session, [c.id for c in contacts if c.id not in have])
    known = {c.id for c in contacts}
    contacts += [
        Contact(r.id, None, r.opened_at, r.resolved_at, r.status) for r in rows if r.id not in known
    ]
    return rows, contacts


def _distinct(ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in ids})


_ROW = select(
    Conversation.id,
    Conversation.customer_id,
    Conversation.opened_at,
    Conversation.resolved_at,
    Conversation.status,
    Conversation.channel,
    Conversation.product,
    Conversation.feature,
    Conversation.tags,
    Conversation.assignee_id,
    Conversation.early_warning,
    Conversation.escalation_risk,
    Conversation.turnaround,
)


def _conversations(session: Session, ids: Sequence[int]) -> list[Any]:
    """What a fact needs of each conversation, in id order.

    Every look-up here takes its ids as :func:`~poise.db.bulk.key_conditions` does: one array
    on PostgreSQL, whose statement stays the same text (``IN`` lists of 500 literals, rendered
    and parsed again for every statement, were a fifth of a full rebuild at 1M messages),
    chunks of 500 on SQLite. The array comes back in no set order; in id order the facts are
    written, and then read by the day aggregate, as before, so its float sums stay the same.
    """
    found = lookup(session, _ROW, Conversation.id, _distinct(ids))
    return sorted(found, key=lambda row: int(row.id))


def _ratings(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    rated = select(Rating.conversation_id, Rating.scale, Rating.score)
    rows = lookup(session, rated, Rating.conversation_id, _distinct(ids))
    return {int(c): (str(s), int(n)) for c, s, n in rows}


def _first_replies(session: Session, ids: Sequence[int]) -> dict[int, datetime]:
    """When an agent first answered each conversation."""
    replies = (
        select(Message.conversation_id, func.min(Message.sent_at))
        .where(written_by("agent"))
        .group_by(Message.conversation_id)
    )
    rows = lookup(session, replies, Message.conversation_id, _distinct(ids))
    return {int(c): _utc(at) for c, at in rows if at is not None}


def _utc(moment: datetime) -> datetime:
    """MIN() over a column comes back naive on SQLite: its values are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _emotions(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Customer turns per emotion label, as ``angry:2|neutral:1`` (sorted by label)."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    turns = (
        select(Message.conversation_id, Message.emotion, func.count(Message.id))
        .where(written_by("customer"), Message.emotion.is_not(None))
        .group_by(Message.conversation_id, Message.emotion)
    )
    for cid, emotion, n in lookup(session, turns, Message.conversation_id, _distinct(ids)):
        counts[int(cid)][str(emotion)] += int(n)
    return {cid: encode_emotions(c) for cid, c in counts.items()}


def encode_tags(tags: list[str] | None) -> str:
    """The tag set as JSON text, so the raw tables' tag filter (a LIKE on ``"tag"``) reads alike."""
    return json.dumps(sorted(set(tags or []))) if tags else ""


def decode_tags(text: str) -> list[str]:
    return list(json.loads(text)) if text else []


def _repeats(contacts: list[Contact], window: timedelta) -> set[int]:
    """Contacts whose customer had contacted us in the ``window`` before them (any channel)."""
    found: set[int] = set()
    for mine in by_customer(contacts).values():
        for c in mine:
            if any(
                (o.opened_at, o.id) < (c.opened_at, c.id) and o.opened_at >= c.opened_at - window
                for o in mine
            ):
                found.add(c.id)
    return found


def _fact(
    row: Any,
    rating: tuple[str, int] | None,
    reply: datetime | None,
    emotions: str | None,
    outcomes: dict[int, bool],
    repeats: set[int],
    now: datetime,
) -> dict[str, Any]:
    scale, score = rating or ("", 0)
    opened: datetime = row.opened_at
    first_response = (
        (reply - opened).total_seconds() if reply is not None and reply >= opened else None
    )
    resolution = (
        (row.resolved_at - opened).total_seconds()
        if row.status == "resolved" and row.resolved_at is not None
        else None
    )
    return {
        "conversation_id": row.id,
        "opened_day": opened.astimezone(UTC).date(),
        "channel": row.channel,
        "product": row.product,
        "feature": row.feature,
        "tags": encode_tags(row.tags),
        "assignee_id": row.assignee_id,
        "status": row.status,
        "rated": rating is not None,
        "good": (scale == "three" and score == 3) or (scale == "five" and score >= 4),
        "low": (scale == "three" and score == 1) or (scale == "five" and score <= 2),
        "five_score": score if scale == "five" else None,
        "first_response_s": first_response,
        "resolution_s": resolution,
        "unhappy": bool(row.early_warning),
        "escalating": row.escalation_risk is not None and row.escalation_risk >= ESCALATING,
        "turnaround": bool(row.turnaround),
        "fcr_resolved": row.id in outcomes,
        "first_contact": bool(outcomes.get(row.id, False)),
        "repeat": row.id in repeats,
        "emotions": emotions or "",
        "counted_at": now,
    }


# --- Draining the queue, rebuilding ----------------------------------------------------------


def count_queued(session: Session, *, window_days: int, progress: Progress | None = None) -> int:
    """Count every conversation queued before now, a chunk per commit; returns how many.

    Rows queued again while a chunk is counted keep their newer time and wait for the next
    turn. Each chunk commits, so a stop loses at most the chunk under way.
    """
    started = utcnow()
    total = session.scalar(
        select(func.count()).select_from(RollupQueue).where(RollupQueue.queued_at <= started)
    )
    done = 0
    while True:
        ids = list(
            session.scalars(
                select(RollupQueue.conversation_id)
                .where(RollupQueue.queued_at <= started)
                .order_by(RollupQueue.conversation_id)
                .limit(CHUNK)
            )
        )
        if not ids:
            break
        count_conversations(session, ids, window_days=window_days)
        _clear(session, ids, started)
        _stamp(session, started)
        session.commit()
        done += len(ids)
        if progress:
            progress(done, max(done, int(total or 0)))
    day_aggregate.catch_up(session)
    exposure_weeks.catch_up(session)
    session.commit()
    return done


def _clear(session: Session, ids: Sequence[int], before: datetime) -> None:
    for among_ids in key_conditions(session, RollupQueue.conversation_id, _distinct(ids)):
        session.execute(delete(RollupQueue).where(among_ids, RollupQueue.queued_at <= before))


def _stamp(session: Session, at: datetime) -> None:
    set_fact(session, COUNTED_AT, at.isoformat())


def count_all(session: Session, *, window_days: int, progress: Progress | None = None) -> int:
    """Count every conversation again, a few customers per commit; returns how many.

    Customers are taken in order, so each chunk reads each of its customers' contacts once;
    conversations without a customer follow in id order.
    """
    started = utcnow()
    customers = list(
        session.scalars(
            select(Conversation.customer_id)
            .where(Conversation.customer_id.is_not(None))
            .distinct()
            .order_by(Conversation.customer_id)
        )
    )
    loners = list(
        session.scalars(
            select(Conversation.id)
            .where(Conversation.customer_id.is_(None))
            .order_by(Conversation.id)
        )
    )
    total = int(session.scalar(select(func.count()).select_from(Conversation)) or 0)
    done = 0
    step = CHUNK // 2  # about two contacts a customer
    for start in range(0, len(customers), step):
        chunk = customers[start : start + step]
        ids = lookup_objects(session, select(Conversation.id), Conversation.customer_id, chunk)
        done += _count_and_commit(session, ids, window_days, started)
        if progress:
            progress(done, max(done, total))
    for start in range(0, len(loners), CHUNK):
        done += _count_and_commit(session, loners[start : start + CHUNK], window_days, started)
        if progress:
            progress(done, max(done, total))
    session.execute(delete(RollupQueue).where(RollupQueue.queued_at <= started))
    day_aggregate.recount_all(session)
    exposure_weeks.recount_all(session)
    exposure_weeks.mark_built(session)
    _stamp(session, started)
    session.commit()
    return done


def _count_and_commit(session: Session, ids: list[int], window_days: int, started: datetime) -> int:
    counted = count_conversations(session, ids, window_days=window_days, days=False)
    _clear(session, ids, started)
    session.commit()
    return counted
