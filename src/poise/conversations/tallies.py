"""Reads of the per day × assignee tallies that database triggers keep (migration 0022).

The signals overview and the conversation list's total used to count the rows a reader may
open, which grows with every conversation. Visibility is a rule over assignees (one's own,
the unassigned, one's team's: :mod:`poise.conversations.visibility`), so the same figures are
a sum over a few hundred tally rows: the days wanted × the assignees the reader may see.

Conversation counts stay exact: whole days after the window's first day come from the
tallies, and the part of the first day inside the window is counted from the rows, as before.
The emotion mix counts whole UTC days, the window's first day included.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from poise.auth.models import User
from poise.conversations.models import UNASSIGNED, ConversationTally, EmotionTally

Keys = list[int] | None  # the assignee keys a reader may see; None: every key (an admin)
FLAG_COLUMNS = ("early_warnings", "escalating", "abusive", "drifted", "turnarounds")


def visible_keys(session: Session, actor: User, assigned: str | None) -> Keys:
    """The tally keys of the conversations ``actor`` may open, narrowed to "me" or "team" as
    :func:`~poise.conversations.queries.assigned_to` narrows the rows."""
    if assigned == "me":
        return [actor.id]
    if assigned == "team":
        return _team(session, actor)
    if actor.is_admin:
        return None
    return sorted({actor.id, UNASSIGNED, *_team(session, actor)})


def _team(session: Session, actor: User) -> list[int]:
    if actor.team_id is None:
        return []
    return list(session.scalars(select(User.id).where(User.team_id == actor.team_id)))


def _narrow(query: Select[Any], column: InstrumentedAttribute[int], keys: Keys) -> Select[Any]:
    return query if keys is None else query.where(column.in_(keys))


def whole_days_after(since: datetime) -> datetime:
    """Midnight (UTC) after ``since``: the tallies answer from there, the rows before it."""
    return datetime.combine(since.astimezone(UTC).date() + timedelta(days=1), time.min, tzinfo=UTC)


def conversation_counts(
    session: Session,
    start: datetime | None,
    keys: Keys,
    channel: str | None = None,
    status: str | None = None,
    last_day: date | None = None,
) -> list[int]:
    """Conversations opened from the midnight ``start`` (every day when None) to the end of
    ``last_day`` (every day after when None), then each flag of ``FLAG_COLUMNS``; on one
    channel or with one status when given."""
    sums = [
        func.coalesce(func.sum(getattr(ConversationTally, name)), 0)
        for name in ("conversations", *FLAG_COLUMNS)
    ]
    query = select(*sums)
    if start is not None:
        query = query.where(ConversationTally.day >= start.date())
    if last_day is not None:
        query = query.where(ConversationTally.day <= last_day)
    if channel is not None:
        query = query.where(ConversationTally.channel == channel)
    if status is not None:
        query = query.where(ConversationTally.status == status)
    row = session.execute(_narrow(query, ConversationTally.assignee_key, keys)).one()
    return [int(n) for n in row]


def emotion_counts(session: Session, start: datetime, keys: Keys) -> Counter[str]:
    """Customer turns per emotion on the UTC day of ``start`` and every day after."""
    query = (
        select(EmotionTally.emotion, func.sum(EmotionTally.turns))
        .where(EmotionTally.day >= start.astimezone(UTC).date())
        .group_by(EmotionTally.emotion)
    )
    rows = session.execute(_narrow(query, EmotionTally.assignee_key, keys)).all()
    return Counter({emotion: int(n) for emotion, n in rows if n})
