"""What counts as praise: green robots with comments and customer turns that thank the agent.

Shared by the Happy File collection, the kudos board and the balance chart, so the three
always agree on what "praise" means.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from poise.conversations.models import Conversation, Message, Rating

PRAISE_MAX_NEGATIVITY = 0.3
HIGH_NEGATIVITY = 0.7
NEGATIVE_TURN = 0.5
GRATITUDE_RE = re.compile(
    r"\b(?:thank(?:s| you)?|thx|ty|grateful|appreciated?|star|legend|lifesaver|life saver|"
    r"amazing|brilliant|wonderful|fantastic|awesome|great job|well done|kudos|so helpful|"
    r"so kind|made my day|above and beyond|you rock|hero|angel|perfect)\b",
    re.IGNORECASE,
)


def is_gratitude(text: str) -> bool:
    """The signals say "satisfied"; this lexicon check says the customer thanked someone."""
    return GRATITUDE_RE.search(text) is not None


def green_robots(
    agent_ids: list[int] | None, start: datetime | None = None, end: datetime | None = None
) -> Select[Any]:
    """Positive ratings crediting these agents (or anyone), optionally within ``[start, end)``."""
    query = select(Rating).where(Rating.is_positive).where(Rating.agent_id.is_not(None))
    if agent_ids is not None:
        query = query.where(Rating.agent_id.in_(agent_ids))
    if start is not None:
        query = query.where(Rating.rated_at >= start)
    if end is not None:
        query = query.where(Rating.rated_at < end)
    return query.order_by(Rating.rated_at, Rating.id)


def praise_candidates(
    agent_ids: list[int] | None, start: datetime | None = None, end: datetime | None = None
) -> Select[Any]:
    """Customer turns the signals scored satisfied and calm, with their conversation's assignee.

    The gratitude check runs in Python on the result (``is_gratitude``), since a lexicon is
    not portable SQL.
    """
    query = (
        select(Message, Conversation.assignee_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.author_role == "customer")
        .where(Message.emotion == "satisfied")
        .where(Message.negativity < PRAISE_MAX_NEGATIVITY)
        .where(Conversation.assignee_id.is_not(None))
    )
    if agent_ids is not None:
        query = query.where(Conversation.assignee_id.in_(agent_ids))
    if start is not None:
        query = query.where(Message.sent_at >= start)
    if end is not None:
        query = query.where(Message.sent_at < end)
    return query.order_by(Message.sent_at, Message.id)
