"""The words for a customer's feeling, one source for every page, badge and tooltip.

The page beside a conversation said "not negative (0.31)" from P(negative) alone while the
badges of the same conversation said "neutral" from the five stored levels. Every word now
comes from the levels: the one stored with a message when there is one, else the level that
P(negative) alone gives (a conversation's peak, or a message scored before levels existed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from poise.conversations.models import Message
from poise.signals.feeling import LEVEL_LABELS, level_of
from poise.signals.lexical import said_words, shown_evidence


def feeling_word(negativity: float, level: str | None = None) -> str:
    """``level`` in words ("very negative" … "very positive"); without a stored level, the
    one its P(negative) gives ("very negative", "negative" or "neutral")."""
    if level not in LEVEL_LABELS:
        level = level_of(negativity, 0.0)
    return LEVEL_LABELS[level]


def readable_evidence(terms: Sequence[str] | None, body: str | None = None) -> list[str]:
    """The words behind a score that a reader can read: messages scored before the scorer
    left out bare punctuation, repeats and greetings still hold "this ?" and "? is", "third
    time, the third, third" or "hello, hi team"; given the message's ``body``, words it says
    only in a placeholder or signature ("__email__") go too (``shown_evidence``)."""
    return shown_evidence(terms or [], said_words(body) if body else None)


def peak_levels(session: Session, conversation_ids: Sequence[int]) -> dict[int, str | None]:
    """Each listed conversation's peak turn's stored level, in one query for the page.

    The list's badge said "neutral" from P(negative) alone where the conversation's own page,
    reading the peak turn's level, said "positive". The conversation page reads its own the
    same way, over the whole thread however little of it is shown. The peak turn is the most
    negative scored customer turn, the first of equals.
    """
    # The database picks each peak: read in Python, a page listing an imported thread of
    # 87,747 turns fetched every one of them (0.5 s a page).
    rank = (
        func.row_number()
        .over(
            partition_by=Message.conversation_id,
            order_by=(Message.negativity.desc(), Message.sent_at, Message.id),
        )
        .label("rank")
    )
    ranked = (
        select(Message.conversation_id, Message.feeling_level, rank)
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.author_role == "customer",
            Message.negativity.is_not(None),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.conversation_id, ranked.c.feeling_level).where(ranked.c.rank == 1)
    )
    return {cid: level for cid, level in rows}


TREND_DOTS = 120  # the most dots a conversation's trend draws


@dataclass(frozen=True)
class TrendShown:
    """A conversation's trend as drawn: one dot per customer turn, or past ``TREND_DOTS``
    turns the most negative of each stretch of ``per_dot`` turns."""

    values: list[float]
    per_dot: int


def trend_shown(trend: Sequence[float] | None, most: int = TREND_DOTS) -> TrendShown:
    """The trend to draw. One dot per turn drew 87,747 dots for a long import (a 9 MB page);
    a stretch's worst turn stands for it, so a spike is never averaged away."""
    values = list(trend or [])
    if len(values) <= most:
        return TrendShown(values, 1)
    size = -(-len(values) // most)  # turns per dot, rounded up
    return TrendShown([max(values[i : i + size]) for i in range(0, len(values), size)], size)
