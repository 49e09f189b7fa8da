"""Queue changed conversations for the insights rollup, in the writer's own transaction.

Whatever changes a conversation's figures (its fields, turns, scores, rating, or the issue it
was matched to) calls :func:`queue_for_rollup`; the rollup job counts the queued
conversations again. Queuing lives with conversations because every writer can reach it
without importing insights (arrows run one way).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, RollupQueue
from poise.db.base import utcnow

CHUNK = 500


def queue_for_rollup(
    session: Session, conversation_ids: Sequence[int], *, at: datetime | None = None
) -> None:
    """Queue these conversations (again); the caller commits.

    A conversation already queued gets the new time: the rollup clears only rows queued
    before it started counting, so a change made meanwhile waits for its next turn.
    """
    ids = sorted({int(i) for i in conversation_ids})
    when = at or utcnow()
    if not ids:
        return
    upsert = _insert(session.get_bind().dialect.name)
    statement = upsert.on_conflict_do_update(
        index_elements=[RollupQueue.conversation_id],
        set_={"queued_at": upsert.excluded.queued_at},
    )
    for start in range(0, len(ids), CHUNK):
        rows = [{"conversation_id": i, "queued_at": when} for i in ids[start : start + CHUNK]]
        session.execute(statement, rows)


def _insert(dialect: str) -> Any:
    """An INSERT that can become an upsert: concurrent writers queue the same conversation."""
    if dialect == "postgresql":
        return postgresql.insert(RollupQueue)
    return sqlite.insert(RollupQueue)


def queue_customers_for_rollup(session: Session, conversation_ids: Sequence[int]) -> None:
    """Queue every other conversation of these conversations' customers (before a delete:
    their repeat contacts and first contact resolution may change with it)."""
    ids = sorted({int(i) for i in conversation_ids})
    others: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        customers = select(Conversation.customer_id).where(
            Conversation.id.in_(ids[start : start + CHUNK]),
            Conversation.customer_id.is_not(None),
        )
        others.update(
            session.scalars(select(Conversation.id).where(Conversation.customer_id.in_(customers)))
        )
    queue_for_rollup(session, sorted(others - set(ids)))
