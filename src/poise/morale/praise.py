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
from poise.signals import get_scorer

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


# A request or a question is never praise, however warmly it ends ("Appreciate any help!").
REQUEST_RE = re.compile(
    r"\?|^\s*(?:how|what(?! an? )|why|when|where|which|who|can|could|would|will|is|are|"
    r"do|does|did)\b|"
    r"\b(?:any help|help me|please (?:help|advise|fix|let me know|check|sort)|i need|"
    r"i can(?:no|')t(?! (?:thank|believe|recommend|praise|say enough|fault))|i am unable|"
    r"i'm unable|unable to|is there (?:a|any) way|how (?:do|can|to)|still (?:waiting|not|no)|"
    r"not working|doesn't work|does not work|one more thing|(?:issue|problem|error)s? "
    r"(?:remains|persists|is back)|still (?:shows|has|is|isn't|doesn't|can't))\b",
    re.IGNORECASE,
)
PRAISE_LEVELS = ("positive", "very_positive")
PRAISE_MAX_COMPLAINT = 0.5
PRAISE_MIN_POSITIVE = 0.35  # a calm, specific thank-you the model rates just below positive


def is_request(text: str) -> bool:
    """A question, a request for help or a problem report in the customer's words."""
    return REQUEST_RE.search(text) is not None


def is_praise(text: str) -> bool:
    """Praise a kudos round may propose: the feeling is positive (or nearly, with thanks),
    the text reports no problem (complaint < 0.5) and asks nothing."""
    if not text.strip() or is_request(text):
        return False
    result = get_scorer("negativity").score(text)
    if result.complaint >= PRAISE_MAX_COMPLAINT or result.score >= PRAISE_MAX_NEGATIVITY:
        return False
    return result.level in PRAISE_LEVELS or (
        result.positive >= PRAISE_MIN_POSITIVE and is_gratitude(text)
    )
