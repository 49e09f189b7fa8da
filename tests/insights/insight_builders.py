"""Constructed insights data with known answers: conversations whose signals, ratings and
timings are set directly, so each figure can be worked out by hand."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.conversations.models import Conversation, Customer, Message, Rating
from poise.insights import weeks
from poise.insights.rollup import count_conversations
from poise.knowledge import actions as knowledge_actions
from poise.knowledge.models import Article
from poise.settings import Settings

WINDOW_DAYS = Settings.model_fields["fcr_window_days"].default

_ids = itertools.count(1)


def customer(session: Session) -> Customer:
    found = Customer(source="t", external_id=f"cust{next(_ids)}", name="A Customer")
    session.add(found)
    session.flush()
    return found


def add_conversations(
    session: Session,
    *,
    n: int,
    opened: datetime,
    product: str | None = "Router",
    feature: str | None = None,
    channel: str = "chat",
    assignee_id: int | None = None,
    unhappy: int = 0,
    escalating: int = 0,
    turnarounds: int = 0,
    ratings: Sequence[tuple[str, int]] = (),
    tags: Sequence[str] = (),
    first_reply: timedelta = timedelta(minutes=5),
    resolve_after: timedelta | None = timedelta(hours=1),
    customer_id: int | None = None,
    text: str = "My router keeps dropping the connection.",
    emotion: str = "neutral",
    negativity: float = 0.1,
    comment: str = "",
) -> list[Conversation]:
    """``n`` conversations; the first ``unhappy`` open unhappily, the first ``escalating``
    escalate, the first ``turnarounds`` turn around, the first ``len(ratings)`` are rated."""
    made = []
    for i in range(n):
        k = next(_ids)
        owner = customer_id if customer_id is not None else customer(session).id
        conv = Conversation(
            source="t",
            external_id=f"c{k}",
            channel=channel,
            subject=f"Conversation {k}",
            product=product,
            feature=feature,
            tags=list(tags),
            status="resolved" if resolve_after is not None else "open",
            customer_id=owner,
            assignee_id=assignee_id,
            opened_at=opened,
            resolved_at=opened + resolve_after if resolve_after is not None else None,
            message_count=2,
            early_warning=i < unhappy,
            escalation_risk=0.8 if i < escalating else 0.1,
            turnaround=i < turnarounds,
        )
        session.add(conv)
        session.flush()
        session.add_all(
            [
                Message(
                    conversation_id=conv.id,
                    external_id="m1",
                    author_role="customer",
                    body=text,
                    sent_at=opened,
                    emotion=emotion,
                    negativity=negativity,
                ),
                Message(
                    conversation_id=conv.id,
                    external_id="m2",
                    author_role="agent",
                    body="I'm on it.",
                    sent_at=opened + first_reply,
                ),
            ]
        )
        if i < len(ratings):
            scale, score = ratings[i]
            session.add(
                Rating(
                    conversation_id=conv.id,
                    scale=scale,
                    score=score,
                    comment=comment,
                    rated_at=opened + timedelta(hours=2),
                    agent_id=assignee_id,
                )
            )
        made.append(conv)
    session.commit()
    roll_up(session, [c.id for c in made])
    return made


def roll_up(session: Session, conversation_ids: Sequence[int]) -> None:
    """Count these conversations into the rollup, as the rollup job does after an import
    (which ends by building exposure's weeks the first time, :func:`weeks.catch_up`)."""
    count_conversations(session, conversation_ids, window_days=WINDOW_DAYS)
    weeks.catch_up(session)
    session.commit()


def night_mode_article(session: Session, lead: User) -> Article:
    """A published article that answers the "Camera night mode is dark" gap."""
    return knowledge_actions.create_article(
        session,
        actor=lead,
        fields=knowledge_actions.ArticleFields(
            title="Night mode is too dark",
            issue="The camera's night mode is too dark",
            resolution="Turn on the infrared light in Settings → Night.",
            product="Camera",
        ),
    )
