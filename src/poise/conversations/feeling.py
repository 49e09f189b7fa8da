"""The words for a customer's feeling, one source for every page, badge and tooltip.

The page beside a conversation said "not negative (0.31)" from P(negative) alone while the
badges of the same conversation said "neutral" from the five stored levels. Every word now
comes from the levels: the one stored with a message when there is one, else the level that
P(negative) alone gives (a conversation's peak, or a message scored before levels existed).
"""

from __future__ import annotations

from poise.conversations.models import Conversation, Message
from poise.signals.feeling import LEVEL_LABELS, level_of


def feeling_word(negativity: float, level: str | None = None) -> str:
    """``level`` in words ("very negative" … "very positive"); without a stored level, the
    one its P(negative) gives ("very negative", "negative" or "neutral")."""
    if level not in LEVEL_LABELS:
        level = level_of(negativity, 0.0)
    return LEVEL_LABELS[level]


def peak_message(conv: Conversation) -> Message | None:
    """The customer turn whose feeling the conversation's peak negativity is: the most
    negative scored one (the first of equals), or None before any is scored."""
    scored = [m for m in conv.messages if m.author_role == "customer" and m.negativity is not None]
    return max(scored, key=lambda m: m.negativity or 0.0, default=None)
