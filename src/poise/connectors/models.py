"""A connector: one helpdesk account Poise follows, with its credentials and sync state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.conversations.models import Integration
from poise.db.base import Base, UTCDateTime, utcnow


class Connector(Base):
    """A helpdesk account, pulled page by page; its webhook secret is its integration's.

    ``cursor`` says where the next page starts; it is saved in the same transaction as the
    conversations of the page before it, so a sync cut short resumes with nothing lost or
    written twice. ``synced_through`` is the helpdesk's time of the newest change stored: the
    lag shown to admins is how far it trails the clock.
    """

    __tablename__ = "connectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor: Mapped[str] = mapped_column(String(32), unique=True)
    credentials: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL")
    )
    cursor: Mapped[str | None] = mapped_column(Text)
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_through: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_summary: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversations_synced: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    integration: Mapped[Integration | None] = relationship()
