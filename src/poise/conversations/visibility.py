"""Who may read which conversation: the one rule every list, page, link and API call uses.

An admin reads every conversation. Anyone else (agent or lead) reads their own, the
unassigned ones (nobody owns them yet, so anyone may pick them up) and those of their team.
Lists filter with :func:`visible_conversations`, single pages check with :func:`may_read`:
both state the same rule, so a list never links to a page that answers 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.conversations.models import Conversation


def visible_conversations(actor: User) -> ColumnElement[bool]:
    """A WHERE clause over ``conversations`` keeping what ``actor`` may open."""
    if actor.is_admin:
        return true()
    mine = Conversation.assignee_id == actor.id
    unassigned = Conversation.assignee_id.is_(None)
    if actor.team_id is None:
        return or_(mine, unassigned)
    team = select(User.id).where(User.team_id == actor.team_id)
    return or_(mine, unassigned, Conversation.assignee_id.in_(team))


def readable_assignees(actor: User) -> Select[tuple[int]] | None:
    """The ids of the people whose conversations ``actor`` may open, the unassigned ones
    aside; None for an admin, who opens everyone's. The same rule as
    :func:`visible_conversations`, split for a query that seeks each assignee down an index
    (an OR of the three cases is read as a filter over every row instead)."""
    if actor.is_admin:
        return None
    if actor.team_id is None:
        return select(User.id).where(User.id == actor.id)
    return select(User.id).where(or_(User.id == actor.id, User.team_id == actor.team_id))


def may_read(actor: User, conversation: Conversation) -> bool:
    """The same rule for one loaded conversation (its assignee loaded)."""
    if actor.is_admin or conversation.assignee_id is None:
        return True
    if conversation.assignee_id == actor.id:
        return True
    assignee = conversation.assignee
    return actor.team_id is not None and assignee is not None and assignee.team_id == actor.team_id


def visible_ids(session: Session, actor: User, ids: Iterable[int]) -> set[int]:
    """Of these conversation ids, the ones ``actor`` may open (for links in other areas)."""
    ids = list(ids)
    if not ids:
        return set()
    query = select(Conversation.id).where(Conversation.id.in_(ids), visible_conversations(actor))
    return set(session.scalars(query))


def openable_conversations(session: Session, actor: User, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` name a stored conversation ``actor`` may open: only those are links."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    query = select(Conversation.id).where(Conversation.id.in_(wanted), visible_conversations(actor))
    return set(session.scalars(query))
