"""Customers, conversations, messages, ratings, webhook integrations and import runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.auth.models import User
from poise.db.base import Base, UTCDateTime, utcnow

Channel = Literal["email", "chat", "phone", "social"]
CHANNELS: tuple[str, ...] = get_args(Channel)
Status = Literal["open", "pending", "resolved"]
STATUSES: tuple[str, ...] = get_args(Status)
AuthorRole = Literal["customer", "agent", "system"]
AUTHOR_ROLES: tuple[str, ...] = get_args(AuthorRole)
RatingScale = Literal["three", "five"]
THREE_POINT = {"bad": 1, "okay": 2, "good": 3}


class Customer(Base):
    """A customer as known to one source system."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    # The customer's language as the helpdesk gives it (a locale such as ``de`` or ``pt-BR``).
    language: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(Base):
    """One customer contact thread on one channel."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        # The list's order and what visibility reads: a page's ids come from the index alone.
        Index("ix_conversations_opened_at_id", "opened_at", "id", "assignee_id"),
        Index("ix_conversations_channel_opened_at", "channel", "opened_at"),
        Index("ix_conversations_status_opened_at", "status", "opened_at"),
        Index("ix_conversations_assignee_id_opened_at", "assignee_id", "opened_at"),
        Index("ix_conversations_product_opened_at", "product", "opened_at"),
        # A lead's Product menu: whether any conversation of a product is theirs to open.
        Index("ix_conversations_product_assignee_id", "product", "assignee_id"),
        Index("ix_conversations_customer_id_opened_at", "customer_id", "opened_at"),
        Index("ix_conversations_early_warning_opened_at", "early_warning", "opened_at"),
        Index("ix_conversations_escalation_risk", "escalation_risk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str | None] = mapped_column(String(120))
    feature: Mapped[str | None] = mapped_column(String(120))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Signals over the whole conversation (see poise.signals), refreshed as turns are scored.
    early_warning: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    escalation_risk: Mapped[float | None] = mapped_column(Float)
    peak_negativity: Mapped[float | None] = mapped_column(Float)
    drifted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    drift_turn: Mapped[int | None] = mapped_column(Integer)
    drift_score: Mapped[float | None] = mapped_column(Float)
    turnaround: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    abusive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    leaving: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    stated_purpose: Mapped[str | None] = mapped_column(Text)
    drift_sentence: Mapped[str | None] = mapped_column(Text)
    signal_trend: Mapped[list[float] | None] = mapped_column(JSON)
    signals_version: Mapped[str | None] = mapped_column(String(64))

    customer: Mapped[Customer | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="(Message.sent_at, Message.id)"
    )
    rating: Mapped[Rating | None] = relationship(back_populates="conversation")


# The signals overview's "needs attention now": open conversations, riskiest first. Open ones
# are the team's backlog, however long the history, so this reads a few rows at any size.
Index(
    "ix_conversations_open_risk",
    Conversation.escalation_risk.desc().nulls_last(),
    Conversation.id.desc(),
    sqlite_where=text("status != 'resolved'"),
    postgresql_where=text("status != 'resolved'"),
)


class Message(Base):
    """One turn of a conversation."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "external_id"),
        Index("ix_messages_conversation_id_sent_at", "conversation_id", "sent_at"),
        Index("ix_messages_author_role_signal_version", "author_role", "signal_version"),
        # The customer turns still to score: tiny when all is scored, so counting and
        # finding them does not read every message (the planner cannot tell that agents'
        # turns, never scored, are the rest of the NULLs).
        Index(
            "ix_messages_unscored",
            "conversation_id",
            sqlite_where=text("author_role = 'customer' AND signal_version IS NULL"),
            postgresql_where=text("author_role = 'customer' AND signal_version IS NULL"),
        ),
        # An agent's latest replies (AutoQA's page and its warm-up): at a million messages
        # each agent's read took 170 ms through the role index and a sort, 6 ms through this.
        Index(
            "ix_messages_agent_sent_at",
            "author_user_id",
            "sent_at",
            sqlite_where=text("author_role = 'agent'"),
            postgresql_where=text("author_role = 'agent'"),
        ),
        # The signals overview's emotion mix of the last days, read from the index alone.
        Index(
            "ix_messages_customer_sent_at",
            "sent_at",
            "emotion",
            "conversation_id",
            sqlite_where=text("author_role = 'customer'"),
            postgresql_where=text("author_role = 'customer'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    author_role: Mapped[str] = mapped_column(String(16))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Signals of a customer turn; the model version is stored so a re-score can be planned.
    negativity: Mapped[float | None] = mapped_column(Float)
    emotion: Mapped[str | None] = mapped_column(String(16))
    abusive: Mapped[bool | None] = mapped_column(Boolean)
    # ``negativity`` is the feeling (P negative); ``complaint`` whether it reports a problem.
    complaint: Mapped[float | None] = mapped_column(Float)
    feeling_level: Mapped[str | None] = mapped_column(String(16))
    leaving: Mapped[bool | None] = mapped_column(Boolean)
    signal_evidence: Mapped[list[str] | None] = mapped_column(JSON)
    signal_version: Mapped[str | None] = mapped_column(String(64))

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


def written_by(role: str) -> ColumnElement[bool]:
    """Turns of one author role, in a look-up that also names the conversations.

    Written ``author_role || '' = role`` so that no database reads it through
    ``ix_messages_author_role_signal_version``: SQLite keeps no statistics (no ANALYZE), took
    that index (every message of the role) over the conversations' own for each chunk of
    conversation ids, and so read every agent's or customer's turn once per chunk, a full
    insights rollup's messages over and over (25× slower a look-up at 300,000 messages). Only
    the index choice changes: the rows are the same, and PostgreSQL chooses by its statistics.
    """
    return Message.author_role.concat("") == role


class Rating(Base):
    """The customer's satisfaction answer on a conversation; a positive one is a green robot."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_agent_id_rated_at", "agent_id", "rated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    scale: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    conversation: Mapped[Conversation] = relationship(back_populates="rating")
    agent: Mapped[User | None] = relationship()

    @hybrid_property
    def is_positive(self) -> bool:
        """A green robot: "good" on the three-point scale, 4 or 5 on the five-point scale."""
        return self.score == 3 if self.scale == "three" else self.score >= 4

    @is_positive.inplace.expression
    @classmethod
    def _is_positive_expression(cls) -> ColumnElement[bool]:
        return or_(
            and_(cls.scale == "three", cls.score == 3), and_(cls.scale == "five", cls.score >= 4)
        )

    @property
    def label(self) -> str:
        """How the customer answered, in their words: good/okay/bad or n/5."""
        if self.scale == "three":
            return {v: k for k, v in THREE_POINT.items()}[self.score]
        return f"{self.score}/5"


class Integration(Base):
    """A helpdesk or system that sends messages by webhook, signing each body with its secret."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """A webhook message already received: the replay cache, shared by every server process.

    Its unique key makes a second delivery of the same message (a replay, or a retry racing
    the first) fail to insert, so it can never change the conversation again.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("integration_id", "conversation_key", "message_key"),
        Index("ix_webhook_deliveries_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    conversation_key: Mapped[str] = mapped_column(String(128))
    message_key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportRun(Base):
    """One import of a file: what was asked, what was written, what was refused, and who
    may read it (its uploader, their team's leads, admins: see ``queries.visible_imports``)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    conversations_created: Mapped[int] = mapped_column(Integer, default=0)
    messages_created: Mapped[int] = mapped_column(Integer, default=0)
    ratings_created: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The uploader's team when the file came in: its leads see the import and its rejected
    # rows (customer text). Kept with the run, so a lead who moves on takes none of it along.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()


class RollupQueue(Base):
    """A conversation whose derived figures wait to be counted again (insights' rollup).

    Every writer of a conversation, its turns, its rating or the issue it is about queues the
    conversation here in its own transaction; the rollup job drains the queue. ``queued_at``
    moves forward when a conversation is queued again, so a change that lands while the job
    counts it is not dropped with the row the job clears.
    """

    __tablename__ = "insight_rollup_queue"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


UNASSIGNED = 0  # the tallies' key for conversations with no assignee (user ids start at 1)


class ConversationTally(Base):
    """Conversations opened on one UTC day for one assignee on one channel with one status, and
    how many carry each flag.

    Kept by database triggers (migration 0022) in every writer's transaction, so the signals
    overview and the list's total read a few hundred rows however many conversations there are.
    Read-only for the application.
    """

    __tablename__ = "conversation_tallies"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    assignee_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer, server_default="0")
    early_warnings: Mapped[int] = mapped_column(Integer, server_default="0")
    escalating: Mapped[int] = mapped_column(Integer, server_default="0")
    abusive: Mapped[int] = mapped_column(Integer, server_default="0")
    drifted: Mapped[int] = mapped_column(Integer, server_default="0")
    turnarounds: Mapped[int] = mapped_column(Integer, server_default="0")


class EmotionTally(Base):
    """Customer turns sent on one UTC day in one assignee's conversations, per emotion read.
    Kept by the same triggers."""

    __tablename__ = "emotion_tallies"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    assignee_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    emotion: Mapped[str] = mapped_column(String(32), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer, server_default="0")
