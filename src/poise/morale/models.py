"""Morale tables: happy items and nudges, scorecards and peer reviews, kudos rounds, hugs."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.auth.models import Team, User
from poise.conversations.models import Conversation
from poise.db.base import Base, UTCDateTime, utcnow
from poise.redaction import PLACEHOLDER_RE

HappyKind = Literal["rating", "message", "turnaround", "note", "screenshot", "link"]
HAPPY_KINDS: tuple[str, ...] = get_args(HappyKind)
COLLECTED_KINDS = ("rating", "message", "turnaround")


MAX_LINK_CHARS = 2000
"""The longest link a Happy File item keeps (its column's size)."""


class HappyItem(Base):
    """One entry of an agent's private Happy File, collected or added by hand.

    ``source_key`` (``rating:12``, ``message:40``…) makes collection idempotent: the unique
    constraint lets a collection run again without duplicating what it found before.
    """

    __tablename__ = "happy_items"
    __table_args__ = (
        UniqueConstraint("owner_id", "source_key"),
        Index("ix_happy_items_owner_id_received_at", "owner_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    link_url: Mapped[str | None] = mapped_column(String(MAX_LINK_CHARS))
    image_path: Mapped[str | None] = mapped_column(String(255))
    image_type: Mapped[str | None] = mapped_column(String(32))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    starred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation: Mapped[Conversation | None] = relationship()


class ThanksVerdict(Base):
    """Whether a customer turn the signals called satisfied is a thank-you
    (:func:`poise.morale.praise.is_thanks`), judged once while the turn's scores stand.

    Why: the judgement runs the feeling model on the turn's sentences, and every scoring job's
    collection reads every satisfied turn not yet in a file; without the verdict each one it
    turned down would be judged again on every run. A re-score (a new ``signal_version``)
    makes the verdict stale, so the turn is judged again once.
    """

    __tablename__ = "thanks_verdicts"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    signal_version: Mapped[str] = mapped_column(String(64))
    thanks: Mapped[bool] = mapped_column(Boolean)


class Nudge(Base):
    """A gentle suggestion to open the Happy File after a conversation with high negativity."""

    __tablename__ = "morale_nudges"
    __table_args__ = (UniqueConstraint("user_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    peak_negativity: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship()


class Scorecard(Base):
    """What peer reviews rate: categories with scales, configured by a lead."""

    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship()
    categories: Mapped[list[ScorecardCategory]] = relationship(
        back_populates="scorecard", order_by="ScorecardCategory.position"
    )


class ScorecardCategory(Base):
    """One rated category of a scorecard, on a scale from 1 to ``scale_max``."""

    __tablename__ = "scorecard_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("scorecards.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    position: Mapped[int] = mapped_column(Integer, default=0)

    scorecard: Mapped[Scorecard] = relationship(back_populates="categories")


class PeerReview(Base):
    """A teammate's review of one conversation: scores, strengths first, one thing to try."""

    __tablename__ = "peer_reviews"
    __table_args__ = (
        UniqueConstraint("conversation_id", "reviewer_id"),
        Index("ix_peer_reviews_reviewee_id_status", "reviewee_id", "status"),
        Index("ix_peer_reviews_reviewer_id_status", "reviewer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reviewee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="assigned")  # assigned | submitted
    strengths: Mapped[str] = mapped_column(Text, default="")
    try_next: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    scorecard: Mapped[Scorecard] = relationship()
    conversation: Mapped[Conversation] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    reviewee: Mapped[User] = relationship(foreign_keys=[reviewee_id])
    scores: Mapped[list[PeerReviewScore]] = relationship(back_populates="review")


class PeerReviewScore(Base):
    """One category's score in a peer review."""

    __tablename__ = "peer_review_scores"
    __table_args__ = (UniqueConstraint("review_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("peer_reviews.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_categories.id", ondelete="CASCADE")
    )
    value: Mapped[int] = mapped_column(Integer)

    review: Mapped[PeerReview] = relationship(back_populates="scores")
    category: Mapped[ScorecardCategory] = relationship()


class KudosRound(Base):
    """A team's kudos round for one month (``2026-11``): prepared, then published."""

    __tablename__ = "kudos_rounds"
    __table_args__ = (UniqueConstraint("team_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="preparing")  # preparing | published
    note: Mapped[str] = mapped_column(Text, default="")
    # Who published (the collector or a lead in their place): the note, if any, is signed by
    # them, and their own publish sent again at once is told it succeeded.
    note_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    collector: Mapped[User | None] = relationship(foreign_keys=[collector_id])
    note_author: Mapped[User | None] = relationship(foreign_keys=[note_author_id])
    picks: Mapped[list[KudosPick]] = relationship(back_populates="round", order_by="KudosPick.id")

    @property
    def label(self) -> str:
        """``2026-11`` as people say it: "November 2026"."""
        year, number = self.month.split("-")
        return f"{calendar.month_name[int(number)]} {year}"


class KudosPick(Base):
    """The comment the collector chose (or wrote) for one member in a published round."""

    __tablename__ = "kudos_picks"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("kudos_rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    source_key: Mapped[str | None] = mapped_column(String(64))
    green_robots: Mapped[int] = mapped_column(Integer, default=0)

    round: Mapped[KudosRound] = relationship(back_populates="picks")
    member: Mapped[User] = relationship()

    @property
    def own_words(self) -> bool:
        """Written by whoever published the round, not a customer's comment (every comment
        offered on the board has a source); their card is signed like the note."""
        return bool(self.text) and self.source_key is None


class Hug(Base):
    """A positive comment for the public wall: redacted, consented, reviewed, then published.

    ``original_text`` is kept only while the lead reviews the redaction; publishing erases it,
    so the database holds nothing customer-identifying behind a public page.
    """

    __tablename__ = "hugs"
    __table_args__ = (Index("ix_hugs_status_published_at", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    original_text: Mapped[str] = mapped_column(Text, default="")
    redacted_text: Mapped[str] = mapped_column(Text, default="")
    redactions: Mapped[int] = mapped_column(Integer, default=0)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()
    tags: Mapped[list[HugTag]] = relationship(
        back_populates="hug", order_by="HugTag.tag", cascade="all, delete-orphan"
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    @property
    def parts(self) -> list[tuple[str, bool]]:
        """The redacted text as ``(text, is_placeholder)`` pieces, so pages can soften "[name]"."""
        pieces: list[tuple[str, bool]] = []
        at = 0
        for m in PLACEHOLDER_RE.finditer(self.redacted_text):
            pieces += [(self.redacted_text[at : m.start()], False), (m.group(0)[1:-1], True)]
            at = m.end()
        pieces.append((self.redacted_text[at:], False))
        return [p for p in pieces if p[0]]


class HugTag(Base):
    """One tag of a hug (``hugs``, ``patience``…), a row so the wall can filter by it."""

    __tablename__ = "hug_tags"
    __table_args__ = (Index("ix_hug_tags_tag", "tag"),)

    hug_id: Mapped[int] = mapped_column(ForeignKey("hugs.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    hug: Mapped[Hug] = relationship(back_populates="tags")
