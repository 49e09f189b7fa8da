"""Article suggestions for a conversation, from the customer's own words, as it goes on.

The query is the customer's statement of the issue (first turns) plus their latest turn, so
suggestions follow the conversation when it moves to a new problem. A confident best match is
recorded as the article used (an agent's own pick always wins); a poor one is logged as a gap,
once per conversation, and cleared if a later turn finds a match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.conversations.models import Conversation, Message
from poise.knowledge import actions
from poise.knowledge.mining import issue_of
from poise.knowledge.models import ArticleUse
from poise.knowledge.search import SearchResult, search_many

MAX_QUERY_CHARS = 1200


@dataclass(frozen=True)
class Suggestions:
    result: SearchResult
    picked_article_id: int | None
    turns: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.result.query,
            "confidence": round(self.result.confidence, 4),
            "gap": self.result.gap,
            "picked_article_id": self.picked_article_id,
            "turns": self.turns,
            "hits": [h.as_dict() for h in self.result.hits],
        }


def customer_queries(customer_turns: list[str]) -> list[str]:
    """What to search with: the issue (first turns) with the latest turn, and the latest turn
    alone, so a conversation that moves to a new problem gets articles for it."""
    if not customer_turns:
        return []
    issue = issue_of(customer_turns[:2])
    if len(customer_turns) == 1:
        return [issue[:MAX_QUERY_CHARS]]
    latest = issue_of(customer_turns[-1:])
    together = issue if latest in issue else f"{issue} {latest}"
    return [together[:MAX_QUERY_CHARS], latest[:MAX_QUERY_CHARS]]


def suggest_for_turns(
    session: Session,
    customer_turns: list[str],
    *,
    actor: User | None,
    conversation: Conversation | None = None,
    limit: int = 3,
) -> Suggestions:
    """Search the manual with the customer's words (the more confident of the queries wins);
    record a match or a gap when the conversation is stored."""
    product = conversation.product if conversation else None
    results = search_many(session, customer_queries(customer_turns), limit=limit, product=product)
    if not results:
        return Suggestions(SearchResult("", [], 0.0, False), None, 0)
    result = max(results, key=lambda r: r.confidence)
    picked = None
    if conversation is not None:
        picked = _remember(session, result, conversation, actor)
    return Suggestions(result, picked, len(customer_turns))


def _remember(
    session: Session, result: SearchResult, conversation: Conversation, actor: User | None
) -> int | None:
    use = session.scalar(select(ArticleUse).where(ArticleUse.conversation_id == conversation.id))
    if result.gap:
        actions.log_gap(
            session,
            actor=actor,
            result=result,
            conversation_id=conversation.id,
            product=conversation.product,
        )
    else:
        actions.clear_gap(session, conversation_id=conversation.id)
        if result.hits and (use is None or use.how == "matched"):
            top = result.hits[0]
            if use is None or use.article_id != top.article_id:
                use = actions.record_use(
                    session,
                    actor=None,
                    conversation_id=conversation.id,
                    article_id=top.article_id,
                    how="matched",
                    score=top.semantic,
                )
    return use.article_id if use is not None and use.how == "picked" else None


def suggest_for_conversation(
    session: Session, conversation: Conversation, *, actor: User | None, limit: int = 3
) -> Suggestions:
    turns = list(
        session.scalars(
            select(Message.body)
            .where(Message.conversation_id == conversation.id, Message.author_role == "customer")
            .order_by(Message.sent_at, Message.id)
        )
    )
    return suggest_for_turns(session, turns, actor=actor, conversation=conversation, limit=limit)


def article_suggestions(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    actor: User | None,
    conversation_id: int | None = None,
) -> dict[str, Any]:
    """What the assist panel shows: the articles for the customer turns in ``rows``."""
    conversation = session.get(Conversation, conversation_id) if conversation_id else None
    turns = [r["body"] for r in rows if r.get("author_role") == "customer"]
    return suggest_for_turns(session, turns, actor=actor, conversation=conversation).as_dict()
