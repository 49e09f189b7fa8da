"""Teams, users and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, get_args

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from poise.db.base import Base, UTCDateTime, utcnow

Role = Literal["agent", "lead", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
EXPIRY_WARNING = timedelta(days=7)  # a token stopping within this is flagged on its list


class Team(Base):
    """A support team: agents and their lead."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How unhappy an opening must be to raise early warning: "negative" or "very_negative".
    early_warning_level: Mapped[str] = mapped_column(
        String(16), default="negative", server_default="negative"
    )
    # AutoQA: the six-label reply feedback on agents' real replies, only when the team opts in.
    autoqa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.name")


class User(Base):
    """Someone who logs in: an agent, a lead or an admin."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_team_id_name", "team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Copied into each session cookie at sign-in; raising it (sign-out, a new password) ends
    # every session of the user, on every device, since signed cookies cannot be recalled.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    team: Mapped[Team | None] = relationship(back_populates="members")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_lead(self) -> bool:
        """Leads and admins may do what leads do."""
        return self.role in ("lead", "admin")


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the token stops working; None never (every token made before revision 0029).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_expired(self, now: datetime) -> bool:
        """Whether the token has stopped working by ``now`` (it is refused from ``expires_at``)."""
        return self.expires_at is not None and self.expires_at <= now

    def expires_soon(self, now: datetime) -> bool:
        """Whether the token still works but stops within ``EXPIRY_WARNING``: time to make
        its successor."""
        return self.expires_at is not None and now < self.expires_at <= now + EXPIRY_WARNING


class LoginFailure(Base):
    """One refused sign-in, kept for the throttle window.

    In the database, not in memory, so every server process sees the same count.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_failed_at", "email", "failed_at"),
        Index("ix_login_failures_ip_failed_at", "ip", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
