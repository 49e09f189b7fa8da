"""The rollup: one row of figures per conversation, so a dashboard reads one narrow table.

Every figure of the dashboard and the hotspots is a count, a sum or a median over these rows;
what took joins, correlated subqueries and the manual's FCR per request is worked out once per
conversation by :mod:`poise.insights.rollup` when the conversation changes.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
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


class InsightDay(Base):
    """The counts and sums of one day group: what ``insight_facts`` gives for the views
    without an assignee or tag filter, in a few rows a day.

    A day group is one day's conversations of one team, product, feature and channel.
    ``team_id`` is the assignee's team when the day was counted (None when unassigned or
    teamless); :mod:`poise.insights.days` counts a person's days again when they change
    teams, and until it has, a team's view reads ``insight_facts``.

    ``level`` says which of team (1), product (2) and feature (4) the row keeps; the others
    are summed over (and None). Each day is stored at all eight levels, so a view reads only
    the rows of its filters' level: one row a day and channel.

    ``emotions`` is the customer turns per emotion label, as in ``insight_facts``;
    ``first_response_times`` and ``resolution_times`` are time histograms
    (:func:`poise.insights.days.pack`): per bucket, how many and their seconds summed.
    """

    __tablename__ = "insight_days"
    __table_args__ = (Index("ix_insight_days_level_day", "level", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date, index=True)
    team_id: Mapped[int | None] = mapped_column(Integer)
    product: Mapped[str | None] = mapped_column(String(120))
    feature: Mapped[str | None] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(16))
    conversations: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    good: Mapped[int] = mapped_column(Integer)
    low: Mapped[int] = mapped_column(Integer)
    rated_five: Mapped[int] = mapped_column(Integer)
    five_total: Mapped[int] = mapped_column(Integer)
    unhappy: Mapped[int] = mapped_column(Integer)
    escalating: Mapped[int] = mapped_column(Integer)
    turnarounds: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    first_contact: Mapped[int] = mapped_column(Integer)
    repeats: Mapped[int] = mapped_column(Integer)
    first_responses: Mapped[int] = mapped_column(Integer)
    resolutions: Mapped[int] = mapped_column(Integer)
    emotions: Mapped[str] = mapped_column(Text, default="")
    first_response_times: Mapped[bytes] = mapped_column(LargeBinary)
    resolution_times: Mapped[bytes] = mapped_column(LargeBinary)


def encode_emotions(counts: Counter[str]) -> str:
    """Turns per emotion label as ``angry:2|neutral:1`` (sorted by label)."""
    return "|".join(f"{label}:{n}" for label, n in sorted(counts.items()))


def decode_emotions(text: str) -> dict[str, int]:
    """The turns per emotion label of :func:`encode_emotions`'s text."""
    found: dict[str, int] = {}
    for part in text.split("|") if text else []:
        label, _, n = part.rpartition(":")
        found[label] = int(n)
    return found


class InsightWeek(Base):
    """One conversation's share of one person's week: what exposure sums, per conversation.

    ``turns`` is the customer turns of the conversation that week while the person is its
    assignee, ``negative`` those scored negative, ``praise`` the thanking turns plus a green
    robot crediting the person (the rating's agent, who need not be the assignee). Kept per
    conversation so that counting a conversation again (a new turn, a reassignment, a new
    rating) replaces exactly its own rows, and the weeks they left are known: the old rows say
    whose weeks to count again in :class:`InsightAgentWeek`.
    """

    __tablename__ = "insight_weeks"
    __table_args__ = (Index("ix_insight_weeks_agent_id_week", "agent_id", "week"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)
    praise: Mapped[int] = mapped_column(Integer)


class InsightAgentWeek(Base):
    """One person's week: :class:`InsightWeek` summed, so a team's twelve weeks are a few
    hundred rows however many messages (what team exposure and the digest read)."""

    __tablename__ = "insight_agent_weeks"

    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer)
    turns: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)
    praise: Mapped[int] = mapped_column(Integer)
