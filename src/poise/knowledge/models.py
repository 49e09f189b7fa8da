"""The issue & resolution manual: articles, phrasings, revisions, flags, uses, gaps, proposals.

Embeddings are stored with their row as raw float32 bytes (384 × 4 = 1,536 bytes) so every
web worker can load the published manual into memory and search it with NumPy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.auth.models import User
from poise.db.base import Base, UTCDateTime, utcnow

ArticleStatus = Literal["draft", "in_review", "published", "retired"]
ARTICLE_STATUSES: tuple[str, ...] = get_args(ArticleStatus)
STATUS_LABELS = {
    "draft": "draft",
    "in_review": "in review",
    "published": "published",
    "retired": "retired",
}
FlagKind = Literal["wrong", "stale"]
FLAG_KINDS: tuple[str, ...] = get_args(FlagKind)
UseHow = Literal["picked", "matched"]
ProposalStatus = Literal["open", "accepted", "dismissed"]

# Text on SQLite (where FTS5 keeps the index), a tsvector with a GIN index on PostgreSQL.
SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


class Article(Base):
    """One entry of the manual: an issue as customers put it, and how to resolve it."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        Index("ix_kb_articles_status_updated_at", "status", "updated_at"),
        Index("ix_kb_articles_product_feature", "product", "feature"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    issue: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str | None] = mapped_column(String(120))
    feature: Mapped[str | None] = mapped_column(String(120))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    open_flags: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    phrasings: Mapped[list[Phrasing]] = relationship(
        back_populates="article", order_by="Phrasing.id", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="article", order_by="Revision.id.desc()", cascade="all, delete-orphan"
    )
    sources: Mapped[list[ArticleSource]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )
    flags: Mapped[list[Flag]] = relationship(
        back_populates="article", order_by="Flag.id.desc()", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class Phrasing(Base):
    """One way customers put the article's issue (the issue itself is phrasing zero)."""

    __tablename__ = "kb_phrasings"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )

    article: Mapped[Article] = relationship(back_populates="phrasings")


class Revision(Base):
    """Who changed what in an article, with the article as it was after the change."""

    __tablename__ = "kb_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(300))
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")
    actor: Mapped[User | None] = relationship()


class ArticleSource(Base):
    """A conversation an article was mined from or written after."""

    __tablename__ = "kb_article_sources"
    __table_args__ = (UniqueConstraint("article_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )

    article: Mapped[Article] = relationship(back_populates="sources")


class Flag(Base):
    """An agent's report that an article is wrong or stale, often from a conversation."""

    __tablename__ = "kb_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="flags")
    reporter: Mapped[User | None] = relationship()


class ArticleUse(Base):
    """The article used in a conversation: picked by the agent, or matched automatically."""

    __tablename__ = "kb_article_uses"
    __table_args__ = (Index("ix_kb_article_uses_article_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    how: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    picked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()


class Gap(Base):
    """An issue customers raised that the manual did not cover well (a search without a match)."""

    __tablename__ = "kb_gaps"
    __table_args__ = (Index("ix_kb_gaps_created_at", "created_at"),)
    # Not stored: set by ``actions.log_gap`` when the request logged nothing new (the same
    # words again), so the page can say "already logged" rather than "Logged".
    repeated = False

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    best_score: Mapped[float] = mapped_column(Float)
    best_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), unique=True
    )
    product: Mapped[str | None] = mapped_column(String(120))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Proposal(Base):
    """A draft mined from a group of resolved conversations, waiting for a lead."""

    __tablename__ = "kb_proposals"
    __table_args__ = (Index("ix_kb_proposals_status_size", "status", "group_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON, default=list)
    resolution: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str | None] = mapped_column(String(120))
    feature: Mapped[str | None] = mapped_column(String(120))
    group_size: Mapped[int] = mapped_column(Integer)
    fcr: Mapped[float | None] = mapped_column(Float)
    conversation_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    matched_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    match_score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="open")
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    matched_article: Mapped[Article | None] = relationship(foreign_keys=[matched_article_id])
    members: Mapped[list[ProposalMember]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalMember.rank"
    )


class ProposalMember(Base):
    """One conversation of a proposal's group: every one is kept, not only the examples, so
    accepting records them all as sources and a later run does not offer them again."""

    __tablename__ = "kb_proposal_members"
    __table_args__ = (Index("ix_kb_proposal_members_conversation", "conversation_id"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("kb_proposals.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, default=0)  # 0 = nearest the group's centre

    proposal: Mapped[Proposal] = relationship(back_populates="members")


class ConversationVector(Base):
    """The embedded issue of a resolved conversation: mining's checkpoint, so a run resumes."""

    __tablename__ = "kb_conversation_vectors"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    issue: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchEntry(Base):
    """One searchable text of a published article (title, issue, a phrasing, the resolution).

    The lexical index: PostgreSQL keeps a tsvector here with a GIN index; SQLite mirrors
    these rows into an FTS5 table (see :mod:`poise.knowledge.search`).
    """

    __tablename__ = "kb_search_entries"
    __table_args__ = (Index("ix_kb_search_entries_tsv", "tsv", postgresql_using="gin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    tsv: Mapped[Any] = mapped_column(SearchVector, nullable=True)


__all__ = [
    "ARTICLE_STATUSES",
    "FLAG_KINDS",
    "Article",
    "ArticleSource",
    "ArticleUse",
    "ConversationVector",
    "Flag",
    "Gap",
    "Phrasing",
    "Proposal",
    "ProposalMember",
    "Revision",
    "SearchEntry",
]
