"""Large imports with agents known by e-mail, some turns without: the bulk write path.

Turns with and without an agent once split the ORM's batches into single rows; the bulk path
must store exactly the same thing (what each row says, a known agent's e-mail linked to the
user, an unknown or absent one left unlinked), and a second import of the file change nothing.
Sizes go past the COPY threshold so PostgreSQL takes that path.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from builders import make_user
from poise.conversations import actions
from poise.conversations.models import Conversation, Customer, Message, Rating
from poise.conversations.writer import BULK_ROWS, WriteCounts, refresh_planner_statistics

COLUMNS = [
    "conversation_id",
    "message_id",
    "channel",
    "author_role",
    "author",
    "author_email",
    "body",
    "sent_at",
    "customer_id",
    "assignee_email",
    "rating",
]
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _agent_email(c: int, m: int) -> str:
    """A known agent for most agent turns, an unknown address for some, none for others."""
    return ("ana@example.com", "bo@example.com", "stranger@example.com", "")[(c + m) % 4]


def _file(conversations: int, turns: int = 4) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for c in range(conversations):
        for m in range(turns):
            agent = m % 2 == 1
            writer.writerow(
                [
                    f"conv-{c}",
                    f"t{m}",
                    "chat",
                    "agent" if agent else "customer",
                    f"Agent {c % 3}" if agent else ("" if c % 5 == 0 else f"Customer {c}"),
                    _agent_email(c, m) if agent else "",
                    f"Turn {m} of {c}\twith a tab, a \\ and a line\nbreak",
                    (START + timedelta(hours=c, minutes=m)).isoformat(),
                    f"cust-{c % 7}",
                    "ana@example.com" if c % 2 else "",
                    "good" if m == turns - 1 and c % 3 == 0 else "",
                ]
            )
    return out.getvalue().encode()


def _import(session: Session, data: bytes) -> actions.ImportReport:
    return actions.import_file(
        session, actor=None, data=data, filename="agents.csv", fmt="csv", source="desk"
    )


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    session.expire_all()
    return {
        "customers": [
            tuple(r)
            for r in session.execute(
                select(Customer.id, Customer.external_id, Customer.name).order_by(Customer.id)
            )
        ],
        "conversations": [
            (
                *(c.id, c.external_id, c.customer_id, c.assignee_id, c.message_count),
                *(c.status, c.purpose, c.last_message_at, tuple(c.tags)),
            )
            for c in session.scalars(select(Conversation).order_by(Conversation.id))
        ],
        "messages": [
            tuple(r)
            for r in session.execute(
                select(
                    Message.id,
                    Message.conversation_id,
                    Message.external_id,
                    Message.author_role,
                    Message.author_name,
                    Message.author_user_id,
                    Message.body,
                    Message.sent_at,
                ).order_by(Message.id)
            )
        ],
        "ratings": [
            tuple(r)
            for r in session.execute(
                select(Rating.conversation_id, Rating.score, Rating.agent_id).order_by(Rating.id)
            )
        ],
    }


@pytest.mark.parametrize("conversations", [5, 150])
def test_agents_by_email_are_linked_turn_by_turn_and_a_reimport_changes_nothing(
    session: Session, conversations: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "WRITE_BATCH", 200)  # several batches, each past COPY's size
    ana = make_user(session, email="ana@example.com").id
    bo = make_user(session, email="bo@example.com").id
    data = _file(conversations)
    report = _import(session, data)
    assert report.status == "imported", report.errors[:3]
    c = report.counts
    assert (c.conversations_created, c.messages_created) == (conversations, conversations * 4)
    assert c.ratings_created == len(range(0, conversations, 3))

    users = {"ana@example.com": ana, "bo@example.com": bo}
    stored = {
        (conv, ext): (role, name, user, body, sent)
        for conv, ext, role, name, user, body, sent in session.execute(
            select(
                Conversation.external_id,
                Message.external_id,
                Message.author_role,
                Message.author_name,
                Message.author_user_id,
                Message.body,
                Message.sent_at,
            ).join(Conversation)
        )
    }
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert stored == {
        (r["conversation_id"], r["message_id"]): (
            r["author_role"],
            r["author"],
            users.get(r["author_email"]),
            r["body"],
            datetime.fromisoformat(r["sent_at"]),
        )
        for r in rows
    }
    stored_assignees = select(Conversation.external_id, Conversation.assignee_id)
    assignees = dict(session.execute(stored_assignees).tuples().all())
    assert assignees == {f"conv-{i}": ana if i % 2 else None for i in range(conversations)}
    agents = {aid for (aid,) in session.execute(select(Rating.agent_id))}
    assert agents <= {ana, None}

    before = _snapshot(session)
    again = _import(session, data)
    c = again.counts
    assert (c.conversations_created, c.conversations_updated, c.messages_created) == (0, 0, 0)
    assert c.ratings_created == 0
    assert _snapshot(session) == before


def _analysed_tables(session: Session) -> set[str]:
    """Tables whose planner statistics have been gathered."""
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
    else:
        exists = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        if not session.execute(text(exists)).scalar_one():
            return set()
        query = "SELECT DISTINCT tbl FROM sqlite_stat1"
    return set(session.scalars(text(query)))


def _forget_statistics(session: Session) -> None:
    """Earlier tests' imports analysed this database too (tables are emptied, not dropped)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_stat_reset()"))
    elif "conversations" in _analysed_tables(session):
        session.execute(text("DELETE FROM sqlite_stat1"))
    session.commit()


def test_a_bulk_load_gathers_planner_statistics_and_a_small_one_does_not(
    session: Session,
) -> None:
    """Without statistics SQLite sorted every visible conversation for an agent's list at 1M
    messages; a large import therefore analyses, a webhook-sized write does not."""
    _forget_statistics(session)
    assert _import(session, _file(10)).counts.messages_created == 40  # analyses nothing
    assert "conversations" not in _analysed_tables(session)
    refresh_planner_statistics(session, WriteCounts(messages_created=BULK_ROWS - 1))
    assert "conversations" not in _analysed_tables(session)
    refresh_planner_statistics(session, WriteCounts(messages_created=BULK_ROWS))
    assert {"conversations", "messages"} <= _analysed_tables(session)
