"""Named reads of reflections. Every read is the author's own: the author is a condition of
the query itself, so another person's reflection is "not found" for everyone else, leads and
admins included, and its existence does not leak. There is no read across authors.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.conversations import queries as conversation_queries
from poise.conversations.models import Conversation
from poise.errors import NotFound
from poise.pagination import Page, paginate
from poise.training.models import Reflection

DIMENSIONS = ("permanent", "pervasive", "personal")


def reflection_page(
    session: Session, *, actor: User, page: int = 1, page_size: int = 50
) -> Page[Reflection]:
    """The caller's own reflections, newest first, a page at a time: one after each hard
    conversation adds up to hundreds in a year."""
    query = (
        select(Reflection)
        .where(Reflection.author_id == actor.id)
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
    )
    return paginate(session, query, page=page, page_size=page_size)


def reflection(session: Session, *, actor: User, reflection_id: int) -> Reflection:
    """One of the caller's reflections; anyone else's answers NotFound, whatever the role."""
    found = session.scalars(
        select(Reflection)
        .where(Reflection.id == reflection_id)
        .where(Reflection.author_id == actor.id)
    ).one_or_none()
    if found is None:
        raise NotFound("no such reflection")
    return found


def conversation(session: Session, *, actor: User, conversation_id: int) -> Conversation:
    """The conversation a reflection is about, if the caller may read it (the conversations
    area decides who may). Its thread is not loaded: the form and the reflection show its
    subject, id and peak, and an imported thread of 87,747 turns was read whole for them."""
    return conversation_queries.get_conversation(
        session, actor=actor, conversation_id=conversation_id
    )


@dataclass(frozen=True)
class Trend:
    """The caller's ratings per dimension, oldest first, for the trend chart."""

    permanent: list[int]
    pervasive: list[int]
    personal: list[int]

    @property
    def count(self) -> int:
        return len(self.permanent)

    def ratings(self, dimension: str) -> list[int]:
        """One dimension's ratings 1–7, oldest first: the sparkline draws them on that scale,
        with its guide at 4 ("can't tell"), and says them as rated (0.83 read as no rating)."""
        ratings: list[int] = getattr(self, dimension)
        return ratings

    def mean(self, dimension: str, last: int | None = None) -> float | None:
        values: list[int] = getattr(self, dimension)
        values = values[-last:] if last else values
        return sum(values) / len(values) if values else None


def trend(session: Session, *, actor: User) -> Trend:
    """How the caller's own explanations have moved over time (never anyone else's)."""
    rows = session.execute(
        select(Reflection.permanent, Reflection.pervasive, Reflection.personal)
        .where(Reflection.author_id == actor.id)
        .order_by(Reflection.created_at, Reflection.id)
    ).all()
    return Trend(
        permanent=[r.permanent for r in rows],
        pervasive=[r.pervasive for r in rows],
        personal=[r.personal for r in rows],
    )


POLES = {
    "permanent": ("permanent", "temporary"),
    "pervasive": ("pervasive", "specific"),
    "personal": ("personal", "external"),
}


@dataclass(frozen=True)
class DimensionView:
    """One dimension of a reflection as shown: the rating, its evidence, the reframe's shift.

    ``shift`` is the reframe's rating minus the original's: negative moved toward the
    optimistic pole (temporary, specific, external), which is what coaching aims for.
    """

    dimension: str
    high: str
    low: str
    rating: int
    pole: str
    evidence: list[dict[str, object]]
    reframe_rating: int | None

    @property
    def shift(self) -> int | None:
        return None if self.reframe_rating is None else self.reframe_rating - self.rating

    @property
    def pessimistic(self) -> bool:
        return self.rating >= 5


def dimension_views(found: Reflection) -> list[DimensionView]:
    """The stored ratings and evidence of a reflection, one view per dimension."""
    original = found.analysis.get("original") or {}
    views = []
    for dimension in DIMENSIONS:
        stored = original.get(dimension) or {}
        high, low = POLES[dimension]
        views.append(
            DimensionView(
                dimension=dimension,
                high=high,
                low=low,
                rating=getattr(found, dimension),
                pole=str(stored.get("pole", "")),
                evidence=list(stored.get("evidence", [])),
                reframe_rating=getattr(found, f"reframe_{dimension}"),
            )
        )
    return views
