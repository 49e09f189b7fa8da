"""Builders for morale tests: praised and heated conversations, scored as the signals would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from builders import make_conversation
from poise.auth import actions as auth_actions
from poise.auth.models import User
from poise.conversations.models import Conversation, Message
from poise.conversations.records import MessageRecord, RatingRecord
from poise.db.base import utcnow

NOV = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def months_back(n: int) -> str:
    """The month ``n`` before this one, as ``YYYY-MM``. A kudos round goes back at most 12
    months, so a test's round month is counted from today: a fixed one (2026-11) would be
    refused as too far back a year later."""
    now = utcnow()
    index = now.year * 12 + now.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def in_month(month: str) -> datetime:
    """A working moment inside ``month`` (the 10th, 09:00 UTC), for praise a round reads."""
    return datetime.fromisoformat(f"{month}-10T09:00:00+00:00")


def praised_conversation(
    session: Session,
    agent: User,
    *,
    comment: str = "Maya explained everything and fixed my refund, I'm so grateful!",
    thanks: str = "Thank you so much, you're a star!",
    at: datetime = NOV,
    score: int = 3,
    **overrides: Any,
) -> Conversation:
    """A conversation the agent handled well: a thank-you turn and a green robot."""
    messages = [
        MessageRecord("m1", "customer", "My refund has not arrived.", at, "Robin"),
        MessageRecord("m2", "agent", "I've issued it now.", at + timedelta(minutes=3), "Agent"),
        MessageRecord("m3", "customer", thanks, at + timedelta(minutes=5), "Robin"),
    ]
    conv = make_conversation(
        session,
        start=at,
        messages=messages,
        assignee_email=agent.email,
        rating=RatingRecord("three", score, at + timedelta(minutes=6), comment),
        **overrides,
    )
    score_turns(session, conv, {"m1": (0.45, "frustrated"), "m3": (0.05, "satisfied")})
    return conv


def heated_conversation(
    session: Session,
    agent: User,
    *,
    peak: float = 0.85,
    at: datetime | None = None,
    **overrides: Any,
) -> Conversation:
    """A conversation with high negativity assigned to the agent (no praise), an hour ago."""
    at = at or utcnow() - timedelta(hours=1)
    messages = [
        MessageRecord("h1", "customer", "This is the third time I'm asking!!", at, "Sam"),
        MessageRecord("h2", "agent", "I'm sorry, let me fix it.", at + timedelta(minutes=2)),
        MessageRecord("h3", "customer", "Useless. Absolutely useless.", at + timedelta(minutes=4)),
    ]
    conv = make_conversation(
        session, start=at, messages=messages, assignee_email=agent.email, **overrides
    )
    score_turns(session, conv, {"h1": (0.6, "frustrated"), "h3": (peak, "angry")})
    session.execute(
        update(Conversation).where(Conversation.id == conv.id).values(peak_negativity=peak)
    )
    session.commit()
    return conv


def score_turns(session: Session, conv: Conversation, scores: dict[str, tuple[float, str]]) -> None:
    """Store scores on customer turns, as the signals job would (no model needed)."""
    for external_id, (negativity, emotion) in scores.items():
        session.execute(
            update(Message)
            .where(Message.conversation_id == conv.id)
            .where(Message.external_id == external_id)
            .values(negativity=negativity, emotion=emotion, signal_version="test-1")
        )
    session.commit()


def api_headers(session: Session, user: User) -> dict[str, str]:
    token = auth_actions.create_api_token(session, actor=None, user=user)
    return {"Authorization": f"Bearer {token}"}


def post_form(
    client: TestClient, url: str, csrf: str, data: dict[str, Any] | None = None, **kw: Any
) -> Any:
    """Post a form with the session's CSRF token, without following the redirect."""
    return client.post(url, data={"csrf_token": csrf, **(data or {})}, follow_redirects=False, **kw)
