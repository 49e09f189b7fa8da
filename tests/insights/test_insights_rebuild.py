"""The full rebuild and the queued rollup write the same rollup, row for row.

Both count a conversation with :func:`poise.insights.rollup.count_conversations`, but they
reach it differently: the rebuild walks the customers in order and sums the day aggregate and
the people's weeks once at its end; the queued rollup takes the queue in id order, pulls in
each customer's other contacts, and marks and sums what each chunk touched. Small chunks make
both cross many chunk edges, and more conversations than one look-up chunk (500 ids on
SQLite) and than a ``COPY`` needs (on PostgreSQL), so every bulk path runs.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from builders import make_user
from insights.insight_builders import WINDOW_DAYS
from poise.conversations.changes import queue_for_rollup
from poise.conversations.models import Conversation, Customer, Message, Rating
from poise.db.meta import InstanceFact
from poise.insights import days, histograms, rollup, weeks
from poise.insights.models import InsightAgentWeek, InsightDay, InsightFact, InsightWeek

CONVERSATIONS = 1200
START = datetime(2026, 9, 1, tzinfo=UTC)
ROLLUP = (InsightFact, InsightDay, InsightWeek, InsightAgentWeek)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 150 conversations (75 customers in the rebuild) instead of 2,000."""
    monkeypatch.setattr(rollup, "CHUNK", 150)


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _seed(session: Session) -> None:
    """Conversations over ten weeks with every kind of value: customers coming back within
    and after the FCR window, some without a customer, unassigned ones, both rating scales,
    green robots, thanking and negative turns, open and resolved."""
    rng = random.Random(7)
    agents = [make_user(session, team=team).id for team in ("A", "A", "B")]
    agents.append(make_user(session).id)  # no team
    customers = _customers(session, 700)
    rows = [_conversation(rng, i, customers, agents) for i in range(CONVERSATIONS)]
    session.execute(insert(_table(Conversation)), rows)
    made = session.execute(
        select(Conversation.id, Conversation.opened_at, Conversation.assignee_id)
    )
    messages, ratings = [], []
    for cid, opened, assignee in made:
        messages += _turns(rng, cid, opened)
        if rng.random() < 0.4:
            ratings.append(_rating(rng, cid, opened, assignee, agents))
    session.execute(insert(_table(Message)), messages)
    session.execute(insert(_table(Rating)), ratings)
    session.commit()


def _customers(session: Session, n: int) -> list[int]:
    rows = [{"source": "t", "external_id": f"rebuild{i}", "name": "A Customer"} for i in range(n)]
    session.execute(insert(_table(Customer)), rows)
    return list(session.scalars(select(Customer.id).where(Customer.source == "t")))


def _conversation(
    rng: random.Random, i: int, customers: list[int], agents: list[int]
) -> dict[str, Any]:
    opened = START + timedelta(minutes=rng.randint(0, 70 * 24 * 60))
    resolved = rng.random() < 0.75
    return {
        "source": "t", "external_id": f"rebuild-c{i}", "subject": "A question", "purpose": "",
        "channel": rng.choice(["chat", "email", "phone"]),
        "product": rng.choice(["Router", "Billing", None]),
        "feature": rng.choice(["login", "sync", None]),
        "tags": rng.choice([[], ["vip"], ["vip", "refund"]]),
        "status": "resolved" if resolved else "open",
        "customer_id": rng.choice(customers[: rng.choice([40, 700])]) if i % 9 else None,
        "assignee_id": rng.choice([*agents, None]),
        "opened_at": opened,
        "resolved_at": opened + timedelta(hours=rng.uniform(0.2, 200)) if resolved else None,
        "message_count": 3,
        "early_warning": rng.random() < 0.2,
        "escalation_risk": rng.choice([0.1, 0.9, None]),
        "turnaround": rng.random() < 0.1,
    }  # fmt: skip


def _turns(rng: random.Random, cid: int, opened: datetime) -> list[dict[str, Any]]:
    """A customer turn, perhaps an agent's reply (sometimes before the opening), and a
    customer turn a few days later (often the next week) that may thank."""
    later = opened + timedelta(days=rng.uniform(0, 8))
    first = _turn(cid, "c1", "customer", "It keeps failing.", opened, "angry", 0.8)
    if rng.random() < 0.4:
        second = _turn(cid, "c2", "customer", "Thank you, it works!", later, "satisfied", 0.05)
    else:
        mood = rng.choice(["sad", None])
        second = _turn(cid, "c2", "customer", "Still broken.", later, mood, 0.2)
    found = [first, second]
    if rng.random() < 0.85:
        reply = opened + timedelta(seconds=rng.choice([-60, 20, 45.5, 731, 9000, 86400 * 2]))
        found.append(_turn(cid, "a1", "agent", "Let me check.", reply, None, None))
    return found


def _turn(
    cid: int, key: str, role: str, body: str, at: datetime, emotion: str | None, neg: float | None
) -> dict[str, Any]:
    return {
        "conversation_id": cid, "external_id": key, "author_role": role, "author_name": "",
        "body": body, "sent_at": at, "emotion": emotion, "negativity": neg,
    }  # fmt: skip


def _rating(
    rng: random.Random, cid: int, opened: datetime, assignee: int | None, agents: list[int]
) -> dict[str, Any]:
    scale = rng.choice(["three", "five"])
    return {
        "conversation_id": cid, "scale": scale,
        "score": rng.randint(1, 3 if scale == "three" else 5), "comment": "",
        "rated_at": opened + timedelta(hours=rng.uniform(1, 300)),
        "agent_id": assignee if rng.random() < 0.8 else rng.choice(agents),
    }  # fmt: skip


def _rollup(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the four rollup tables, without ids and counting times, in order; the
    histograms unpacked with their sums rounded (adding the same seconds in another order may
    move the last digit)."""
    found = {}
    for model in ROLLUP:
        columns = [c for c in _table(model).c if c.name not in ("id", "counted_at")]
        rows = []
        for row in session.execute(select(*columns)).mappings():
            values = dict(row)
            for name in ("first_response_times", "resolution_times"):
                if name in values:
                    values[name] = [
                        (int(b), int(n), round(float(s), 6))
                        for b, n, s in histograms.unpack(values[name])
                    ]
            rows.append(tuple(values.items()))
        found[model.__tablename__] = sorted(rows, key=repr)
    return found


def _forget_the_rollup(session: Session) -> None:
    """As before the upgrade that added the rollup: no rows, no marks."""
    for model in ROLLUP:
        session.execute(delete(_table(model)))
    marks = (rollup.COUNTED_AT, days.TEAMS_FACT, days.PENDING_FACT, weeks.BUILT)
    session.execute(delete(InstanceFact).where(InstanceFact.key.in_(marks)))
    session.commit()


def test_the_full_rebuild_and_the_queued_rollup_write_the_same_rows(
    session: Session, small_chunks: None
) -> None:
    _seed(session)
    assert rollup.count_all(session, window_days=WINDOW_DAYS) == CONVERSATIONS
    rebuilt = _rollup(session)
    assert len(rebuilt["insight_facts"]) == CONVERSATIONS
    assert rebuilt["insight_days"] and rebuilt["insight_weeks"] and rebuilt["insight_agent_weeks"]
    facts = {dict(r)["conversation_id"]: dict(r) for r in rebuilt["insight_facts"]}
    assert any(f["repeat"] for f in facts.values())
    assert any(f["fcr_resolved"] and not f["first_contact"] for f in facts.values())
    people = [dict(r) for r in rebuilt["insight_agent_weeks"]]
    assert any(p["praise"] for p in people) and any(p["negative"] for p in people)

    _forget_the_rollup(session)  # the queued rollup from nothing, after the upgrade
    queue_for_rollup(session, list(session.scalars(select(Conversation.id))))
    session.commit()
    rollup.count_queued(session, window_days=WINDOW_DAYS)
    assert _rollup(session) == rebuilt

    some = list(session.scalars(select(Conversation.id).where(Conversation.id % 7 == 0)))
    queue_for_rollup(session, some)  # counted again over a built rollup
    session.commit()
    rollup.count_queued(session, window_days=WINDOW_DAYS)
    assert _rollup(session) == rebuilt

    assert rollup.count_all(session, window_days=WINDOW_DAYS) == CONVERSATIONS  # over itself
    assert _rollup(session) == rebuilt
