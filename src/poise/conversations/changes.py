"""Queue changed conversations for the insights rollup, in the writer's own transaction.

Whatever changes a conversation's figures (its fields, turns, scores, rating, or the issue it
was matched to) calls :func:`queue_for_rollup`; the rollup job counts the queued
conversations again. Queuing lives with conversations because every writer can reach it
without importing insights (arrows run one way).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, RollupQueue
from poise.db.base import utcnow
from poise.db.bulk import upsert_rows

CHUNK = 500
QUEUE = cast(Table, RollupQueue.__table__)


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
    rows = [{"conversation_id": i, "queued_at": when} for i in ids]
    upsert_rows(session, QUEUE, rows, key="conversation_id", update=["queued_at"])


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
