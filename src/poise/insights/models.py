"""The rollup: one row of figures per conversation, so a dashboard reads one narrow table.

Every figure of the dashboard and the hotspots is a count, a sum or a median over these rows;
what took joins, correlated subqueries and the manual's FCR per request is worked out once per
conversation by :mod:`poise.insights.rollup` when the conversation changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from poise.db.base import Base, UTCDateTime, utcnow


class InsightFact(Base):
    """What the insights figures need of one conversation, as of ``counted_at``.

    ``tags`` is the set of tags as ``|a|b|`` (sorted; empty when none), so a tag filter is a
    LIKE and a GROUP BY alike on both databases; ``emotions`` is the customer turns per
    emotion label as ``angry:2|neutral:1``. ``fcr_resolved`` marks a conversation the manual's
    FCR counts (resolved), ``first_contact`` one it counts as resolved on first contact.
    """

    __tablename__ = "insight_facts"
    __table_args__ = (
        # PostgreSQL reads the medians from this index alone (an index-only scan).
        Index(
            "ix_insight_facts_opened_day",
            "opened_day",
            postgresql_include=["first_response_s", "resolution_s"],
        ),
        Index("ix_insight_facts_product_opened_day", "product", "opened_day"),
        Index("ix_insight_facts_feature_opened_day", "feature", "opened_day"),
        Index("ix_insight_facts_assignee_id_opened_day", "assignee_id", "opened_day"),
        Index("ix_insight_facts_channel_opened_day", "channel", "opened_day"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    opened_day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(120))
    feature: Mapped[str | None] = mapped_column(String(120))
    tags: Mapped[str] = mapped_column(String(1000), default="")
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    rated: Mapped[bool] = mapped_column(Boolean, default=False)
    good: Mapped[bool] = mapped_column(Boolean, default=False)
    low: Mapped[bool] = mapped_column(Boolean, default=False)
    five_score: Mapped[int | None] = mapped_column(Integer)
    first_response_s: Mapped[float | None] = mapped_column(Float)
    resolution_s: Mapped[float | None] = mapped_column(Float)
    unhappy: Mapped[bool] = mapped_column(Boolean, default=False)
    escalating: Mapped[bool] = mapped_column(Boolean, default=False)
    turnaround: Mapped[bool] = mapped_column(Boolean, default=False)
    fcr_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    first_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    emotions: Mapped[str] = mapped_column(String(1000), default="")
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
