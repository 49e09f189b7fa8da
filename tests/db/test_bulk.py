"""Bulk inserts and key look-ups: the right ids in order, values stored as given, on each backend.

Batches of 60 and more go through COPY on PostgreSQL; smaller ones, and every batch on SQLite,
through a multi-row INSERT. Each test runs both sizes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.conversations.models import Conversation, Customer, Message
from poise.db import bulk

CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
MESSAGES: Table = Message.__table__  # type: ignore[assignment]
SIZES = [3, 60, 1_500]  # small-batch INSERT; COPY on PostgreSQL; past one IN chunk
AWKWARD = [
    "tab\there",
    "line\nbreak and\r\ncarriage return",
    "back\\slash \\N \\\\ and \\t",
    "quotes ' \" and a comma, too",
    "unicode: é ß 中文 😀 \u2028",
    "",
    "|\\.|",  # COPY's old end-of-data marker
]


def _customer_rows(n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "source": "bulk",
            "external_id": f"{tag}-{i}",
            "name": AWKWARD[i % len(AWKWARD)],
            "email": None if i % 2 else f"c{i}@example.com",
            "language": None,
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("n", SIZES)
def test_insert_rows_returns_each_rows_id_in_order(session: Session, n: int) -> None:
    make_conversation(session)  # the sequences have moved: ids do not start at 1
    rows = _customer_rows(n, "a")
    ids = bulk.insert_rows(session, CUSTOMERS, rows)
    session.commit()
    assert len(ids) == len(set(ids)) == n
    stored = dict(session.execute(select(Customer.id, Customer.external_id)).all())
    assert [stored[i] for i in ids] == [r["external_id"] for r in rows]
    # The ORM and later inserts keep drawing fresh ids.
    later = bulk.insert_rows(session, CUSTOMERS, _customer_rows(2, "b"))
    assert min(later) > max(ids)


@pytest.mark.parametrize("n", SIZES)
def test_awkward_text_is_stored_exactly(session: Session, n: int) -> None:
    rows = _customer_rows(n, "x")
    ids = bulk.insert_rows(session, CUSTOMERS, rows)
    session.commit()
    stored = {
        c.id: (c.name, c.email, c.language, c.created_at.tzinfo is not None)
        for c in session.scalars(select(Customer))
    }
    assert [stored[i] for i in ids] == [(r["name"], r["email"], None, True) for r in rows]


def _message_rows(conversation_id: int, n: int, users: list[int]) -> list[dict[str, Any]]:
    """Turns with and without an agent, an author name or a body's oddities: the mix that
    split the ORM's batches."""
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    return [
        {
            "conversation_id": conversation_id,
            "external_id": f"t{i}",
            "author_role": "agent" if i % 3 else "customer",
            "author_name": None if i % 4 == 0 else f"Author {i}",
            "author_user_id": users[i % len(users)] if i % 3 == 1 else None,
            "body": AWKWARD[i % len(AWKWARD)],
            "sent_at": start + timedelta(seconds=i),
        }
        for i in range(n)
    ]


def _stored_messages(session: Session, conversation_id: int) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(
            Message.external_id,
            Message.author_role,
            Message.author_name,
            Message.author_user_id,
            Message.body,
            Message.sent_at,
            Message.negativity,
            Message.signal_evidence,
        )
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id)
    )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("n", SIZES)
def test_messages_are_stored_as_the_orm_stored_them(session: Session, n: int) -> None:
    users = [make_user(session).id, make_user(session).id]
    by_orm, by_bulk = make_conversation(session).id, make_conversation(session).id
    session.execute(insert(Message), _message_rows(by_orm, n, users))
    bulk.insert_rows(session, MESSAGES, _message_rows(by_bulk, n, users), ids=False)
    session.commit()
    expected = _stored_messages(session, by_orm)
    assert len(expected) == n + 2  # the builder's two turns come first
    assert _stored_messages(session, by_bulk)[2:] == expected[2:]
    # A None author name took the column's default, as the ORM does.
    assert expected[2][2] == ""


@pytest.mark.parametrize("n", [3, 60])
def test_conversations_get_their_defaults_and_json(session: Session, n: int) -> None:
    opened = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    rows = [
        {
            "source": "bulk",
            "external_id": f"conv-{i}",
            "channel": "chat",
            "subject": None,
            "tags": ["billing", 'a "quoted"\ttag'] if i % 2 else [],
            "opened_at": opened,
        }
        for i in range(n)
    ]
    ids = bulk.insert_rows(session, CONVERSATIONS, rows)
    session.commit()
    stored = {c.id: c for c in session.scalars(select(Conversation))}
    first, second = stored[ids[0]], stored[ids[1]]
    assert (first.subject, first.status, first.message_count, first.tags) == ("", "open", 0, [])
    assert second.tags == ["billing", 'a "quoted"\ttag']
    assert (second.early_warning, second.drifted, second.opened_at) == (False, False, opened)


def test_an_empty_batch_writes_nothing(session: Session) -> None:
    assert bulk.insert_rows(session, CUSTOMERS, []) == []
    assert session.scalar(select(func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize("chunk", [7, 50_000])
def test_lookup_and_among_find_every_stored_key(
    session: Session, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(bulk, "IN_CHUNK", chunk)
    monkeypatch.setattr(bulk, "ANY_CHUNK", chunk)
    rows = _customer_rows(1_200, "k")
    new_ids = bulk.insert_rows(session, CUSTOMERS, rows)
    ids = dict(zip((r["external_id"] for r in rows), new_ids, strict=True))
    session.commit()
    wanted = [f"k-{i}" for i in range(0, 2_400, 2)] + ["k-0", "absent"]  # half absent, a repeat
    statement = select(Customer.external_id, Customer.id).where(Customer.source == "bulk")
    found = bulk.lookup(session, statement, Customer.external_id, wanted)
    assert sorted(found) == sorted((k, ids[k]) for k in set(wanted) if k in ids)  # once each
    assert bulk.among(session, Customer.id, [ids["k-4"], -1]) == {ids["k-4"]}
    assert bulk.among(session, Customer.external_id, wanted, Customer.source == "other") == set()
    objects = bulk.lookup_objects(session, select(Customer), Customer.id, list(ids.values())[:9])
    assert sorted(c.external_id for c in objects) == sorted(list(ids)[:9])


def test_a_failed_copy_leaves_nothing_behind(session: Session) -> None:
    """A broken row fails the whole batch, and the caller's rollback undoes all of it."""
    rows = _customer_rows(80, "f")
    rows[-1]["external_id"] = rows[0]["external_id"]  # breaks (source, external_id)'s key
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        bulk.insert_rows(session, CUSTOMERS, rows)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Customer)) == 0
