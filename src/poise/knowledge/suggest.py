"""Article suggestions for a conversation, from the customer's own words, as it goes on.

The conversation's purpose (the agent's, then the one stated from the customer's words) is
searched first, then the customer's statement of the issue (first turns) plus their latest
turn, so suggestions follow the conversation when it moves to a new problem. Suggesting is a
read: a gap is logged only when an agent says nothing fits (``actions.log_gap`` from a POST),
and a confident match is recorded as the article used only from the assist panel's POST.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.conversations.models import Conversation, Message
from poise.knowledge import actions
from poise.knowledge.mining import issue_of
from poise.knowledge.models import ArticleUse, Gap
from poise.knowledge.scrubbing import scrub, without_greeting
from poise.knowledge.search import SearchResult, search, search_many
from poise.signals.purpose import given_purpose

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
            "match_percent": round(100 * self.result.confidence),
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


def purpose_queries(conversation: Conversation | None, first_turn: str) -> list[str]:
    """The conversation's purpose as queries: the agent's own words first (not an importer's
    placeholder that only repeats the first customer turn), then the purpose stated from the
    customer's words by the signals."""
    if conversation is None:
        return []
    found = [given_purpose(conversation.purpose, first_turn) or "", conversation.stated_purpose]
    cleaned = (" ".join((p or "").split())[:MAX_QUERY_CHARS] for p in found)
    return list(dict.fromkeys(p for p in cleaned if p))


def _lead_with(purpose: SearchResult, words: SearchResult, limit: int) -> SearchResult:
    """The purpose's best match first, then the customer words' matches (no repeats)."""
    top = purpose.hits[0]
    rest = [h for h in words.hits if h.article_id != top.article_id]
    sure = max(purpose.confidence, words.confidence)
    return SearchResult(purpose.query, [top, *rest][:limit], sure, False, purpose.query_vector)


def suggest_for_turns(
    session: Session,
    customer_turns: list[str],
    *,
    conversation: Conversation | None = None,
    limit: int = 3,
) -> Suggestions:
    """Search the manual with the conversation's purpose and the customer's words: the
    purpose's best match ranks first when it is not a gap, then the most confident of the
    customer-word queries (so a new problem raised later still shows). Reads only."""
    product = conversation.product if conversation else None
    purposes = purpose_queries(conversation, customer_turns[0] if customer_turns else "")
    own = customer_queries(customer_turns)
    results = search_many(session, purposes + own, limit=limit, product=product)
    if not results:
        return Suggestions(SearchResult("", [], 0.0, False), None, 0)
    by_words = max(results[len(purposes) :] or results, key=lambda r: r.confidence)
    led = [r for r in results[: len(purposes)] if not r.gap and r.hits]
    result = _lead_with(led[0], by_words, limit) if led else by_words
    picked = None
    if conversation is not None:
        use = session.scalar(
            select(ArticleUse).where(ArticleUse.conversation_id == conversation.id)
        )
        picked = use.article_id if use is not None and use.how == "picked" else None
    return Suggestions(result, picked, len(customer_turns))


def remember_match(session: Session, found: Suggestions, conversation: Conversation) -> None:
    """Record a confident best match as the article the conversation used (for FCR), unless
    an agent picked one; for the assist panel's POST, never for a page view."""
    if found.result.gap or not found.result.hits or found.picked_article_id is not None:
        return
    top = found.result.hits[0]
    use = session.scalar(select(ArticleUse).where(ArticleUse.conversation_id == conversation.id))
    if use is None or use.article_id != top.article_id:
        actions.record_use(
            session,
            actor=None,
            conversation_id=conversation.id,
            article_id=top.article_id,
            how="matched",
            score=top.score,
        )


OPENING_TURNS = 2  # the customer's statement of the issue (``customer_queries``)


def _customer_turns(session: Session, conversation: Conversation) -> list[str]:
    """The customer turns suggestions read, in order: the opening ``OPENING_TURNS`` and the
    latest, the only ones :func:`customer_queries` and the purpose use, so the queries are
    those of the whole thread. Every customer turn was read: a thread of 87,747 turns took
    12-21 s a refresh, the conversation page's box showing its fallback link meanwhile."""
    customer = select(Message.body).where(
        Message.conversation_id == conversation.id, Message.author_role == "customer"
    )
    opening = list(
        session.scalars(customer.order_by(Message.sent_at, Message.id).limit(OPENING_TURNS + 1))
    )
    if len(opening) <= OPENING_TURNS:
        return opening
    latest = customer.order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
    return [*opening[:OPENING_TURNS], session.scalar(latest) or ""]


def _customer_turn_count(session: Session, conversation: Conversation) -> int:
    """How many customer turns the conversation holds: the box's ``turns``, which tells the
    page's script that a new one came (no bodies read)."""
    counted = select(func.count(Message.id)).where(
        Message.conversation_id == conversation.id, Message.author_role == "customer"
    )
    return session.scalar(counted) or 0


def suggest_for_conversation(
    session: Session, conversation: Conversation, *, limit: int = 3
) -> Suggestions:
    """Suggestions for a stored conversation, from its purpose and customer turns (a read of
    a few turns, however long the thread)."""
    turns = _customer_turns(session, conversation)
    found = suggest_for_turns(session, turns, conversation=conversation, limit=limit)
    return replace(found, turns=_customer_turn_count(session, conversation))


MAX_PHRASING_CHARS = 300


def article_fields_from(session: Session, conversation: Conversation) -> actions.ArticleFields:
    """A new article as the conversation suggests it, for the author to finish: its purpose
    as title and issue, its product and feature, and the customer's own words as a phrasing
    (when short enough to be one). The gap report's and the suggestions' "Write the article".

    Issue and phrasing are scrubbed as mined phrasings are (:func:`scrubbing.scrub`): names,
    amounts, order numbers, e-mails leave a placeholder or nothing; the greeting the customer
    opened with goes, as the agent's does from a mined draft ("Hi there," is no one's issue).
    A phrasing is what future customers are matched against and what every agent reads; the
    raw first message put one customer's "€49.99" and order number in front of the whole
    team."""
    turns = _customer_turns(session, conversation)
    names = _known_names(session, conversation)
    words = scrub(without_greeting(issue_of(turns[:2])), names=names) if turns else ""
    purposes = purpose_queries(conversation, turns[0] if turns else "")
    issue = scrub(without_greeting(purposes[0]), names=names) if purposes else words
    said = [words] if words and words != issue and len(words) <= MAX_PHRASING_CHARS else []
    return actions.ArticleFields(
        title=issue[:200],
        issue=issue,
        product=conversation.product,
        feature=conversation.feature,
        phrasings=said,
    )


def gap_words(words: str) -> str:
    """A gap's words as an article starts from them: scrubbed, the greeting gone, as
    :func:`article_fields_from` takes a conversation's. A gap logged from a search holds
    what the agent typed or pasted ("Hi team, Robin here: my voucher 88812345 …")."""
    return scrub(without_greeting(words.strip()))


def article_fields_from_gap(
    issue: str, product: str, phrasings: list[str]
) -> actions.ArticleFields:
    """A new article as a gap puts it (the report's "Write the article" when the reader may
    open none of its conversations): its words as title and issue, the other words it was
    raised in as phrasings, each through :func:`gap_words`, cut to what the form accepts
    (saving checks the rest)."""
    issue = gap_words(issue[:4000])
    said = [gap_words(p)[:500] for p in phrasings[: actions.MAX_PHRASINGS] if p.strip()]
    return actions.ArticleFields(
        title=issue[:200], issue=issue, product=product.strip()[:120] or None, phrasings=said
    )


NAMING_TURNS = 200  # the opening turns whose authors the customer's first words may name


def _known_names(session: Session, conversation: Conversation) -> list[str]:
    """The names the conversation knows: its customer, its assignee, and the authors of its
    opening ``NAMING_TURNS`` turns, the people the customer's first words (what the form
    scrubs) can name. Every message's author was read: a thread of 87,747 turns, for a
    form filled in from its first two customer turns."""
    opening = (
        select(Message.author_name)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.sent_at, Message.id)
        .limit(NAMING_TURNS)
        .subquery()
    )
    authors = session.scalars(select(opening.c.author_name).distinct())
    people = [c.name for c in (conversation.customer, conversation.assignee) if c is not None]
    return [n for n in (*authors, *people) if n]


def log_conversation_gap(
    session: Session, *, actor: User | None, conversation: Conversation
) -> Gap:
    """An agent says nothing in the manual fits this conversation: log it (``log_gap``) with
    the search of its purpose, the agent's or the one stated from the customer's words.

    Why the purpose and not the words the suggestions searched: those are whole messages
    with greetings and sign-offs ("Hi, yes, I'm calling because …"), which the gap report
    can neither read at a glance nor group with other ways of saying the same issue. A
    conversation without a purpose logs the customer's words, as before."""
    turns = _customer_turns(session, conversation)
    purposes = purpose_queries(conversation, turns[0] if turns else "")
    if purposes:
        result = search(session, purposes[0], limit=3, product=conversation.product)
    else:
        result = suggest_for_turns(session, turns, conversation=conversation).result
    return actions.log_gap(
        session,
        actor=actor,
        result=result,
        conversation_id=conversation.id,
        product=conversation.product,
    )


def article_suggestions(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    actor: User | None,
    conversation_id: int | None = None,
) -> dict[str, Any]:
    """What the assist panel (a POST) shows: the articles for the customer turns in ``rows``;
    a confident match is recorded as the article used. A gap is only logged on request."""
    conversation = session.get(Conversation, conversation_id) if conversation_id else None
    turns = [r["body"] for r in rows if r.get("author_role") == "customer"]
    found = suggest_for_turns(session, turns, conversation=conversation)
    if conversation is not None:
        remember_match(session, found, conversation)
    return found.as_dict()
