"""Alert rules (per team) and their deliveries: the outbox, the retry queue and the log at once."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.auth.models import Team, User
from poise.db.base import Base, UTCDateTime, utcnow

Event = Literal["early_warning", "escalating", "hotspot", "digest"]
EVENTS: tuple[str, ...] = get_args(Event)
Channel = Literal["slack", "webhook", "email"]
CHANNELS: tuple[str, ...] = get_args(Channel)
# pending: waits for its due time (new, held by quiet hours, or a retry); sent; failed (retries
# spent); limited: over the rate limit, waiting to be summarised; summarised: told in a summary.
Status = Literal["pending", "sent", "failed", "limited", "summarised"]


class AlertRule(Base):
    """What a team wants to hear about, where, and when not."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))  # a URL, or an e-mail address
    secret: Mapped[str] = mapped_column(String(64), default="")  # signs webhook deliveries
    tag: Mapped[str] = mapped_column(String(64), default="")  # only conversations with it
    threshold: Mapped[float] = mapped_column(Float, default=0.5)  # escalation risk
    quiet_start: Mapped[str] = mapped_column(String(5), default="")  # "HH:MM", local time
    quiet_end: Mapped[str] = mapped_column(String(5), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hourly_limit: Mapped[int] = mapped_column(Integer, default=10)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    created_by: Mapped[User | None] = relationship()


class AlertDelivery(Base):
    """One notification of one rule: recorded in the event's transaction, sent after it."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("rule_id", "key", name="uq_alert_deliveries_rule_key"),
        Index("ix_alert_deliveries_status_due_at", "status", "due_at"),
        Index("ix_alert_deliveries_rule_id_sent_at", "rule_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    # What it is about, once per rule: "conversation:12", "hotspot:tag::vip:2026-W49"…
    key: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(16))  # an Event, or "test" or "summary"
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # when to send it; once it has failed for good, when it was given up
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(String(500), default="")

    rule: Mapped[AlertRule] = relationship()
