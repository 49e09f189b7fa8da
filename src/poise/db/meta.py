"""Instance-wide facts kept in the database (e.g. that it holds generated demo data)."""

from __future__ import annotations

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from poise.db.base import Base

DEMO_FLAG = "demo_data"


class InstanceFact(Base):
    """One key/value fact about this Poise instance."""

    __tablename__ = "instance_facts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def get_fact(session: Session, key: str) -> str | None:
    """The value of ``key``, or None when it was never set."""
    return session.scalar(select(InstanceFact.value).where(InstanceFact.key == key))


def set_fact(session: Session, key: str, value: str) -> None:
    """Set ``key`` (the caller commits)."""
    fact = session.get(InstanceFact, key)
    if fact is None:
        session.add(InstanceFact(key=key, value=value))
    else:
        fact.value = value
