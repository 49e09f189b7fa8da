"""The per day × assignee tallies (database triggers, migration 0022) always equal a count of
the rows, whoever writes: the bulk writer, a re-import that reassigns, the ORM, a deletion."""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from builders import conversation_record, make_user
from poise.auth.models import User
from poise.conversations import queries
from poise.conversations.models import (
    UNASSIGNED,
    Conversation,
    ConversationTally,
    EmotionTally,
    Message,
)
from poise.conversations.queries import (
    ConversationFilters,
    list_conversations,
    readable,
    signal_overview,
)
from poise.conversations.writer import delete_conversations, write_conversations

EMOTIONS = ("angry", "neutral", "frustrated")
Counts = dict[tuple[date, int, str, str], list[int]]  # (day, assignee, channel, status)


def counted_by_hand(
    session: Session,
) -> tuple[Counts, Counter[tuple]]:
    """What the tallies must hold, from the rows (zero rows left out)."""
    conversations: Counts = {}
    for conv in session.scalars(select(Conversation)):
        day = conv.opened_at.astimezone(UTC).date()
        key = (day, conv.assignee_id or UNASSIGNED, conv.channel, conv.status)
        flags = [
            True,
            conv.early_warning,
            (conv.escalation_risk or 0) >= queries.ESCALATING,
            conv.abusive,
            conv.drifted,
            conv.turnaround,
        ]
        row = conversations.setdefault(key, [0] * len(flags))
        conversations[key] = [n + int(f) for n, f in zip(row, flags, strict=True)]
    turns: Counter[tuple] = Counter()
    for turn, assignee in session.execute(
        select(Message, Conversation.assignee_id).join(Conversation)
    ):
        if turn.author_role == "customer" and turn.emotion:
            day = turn.sent_at.astimezone(UTC).date()
            turns[(day, assignee or UNASSIGNED, turn.emotion)] += 1
    return conversations, turns


def tallied(session: Session) -> tuple[Counts, Counter[tuple]]:
    session.expire_all()
    conversations = {
        (t.day, t.assignee_key, t.channel, t.status): [
            t.conversations,
            t.early_warnings,
            t.escalating,
            t.abusive,
            t.drifted,
            t.turnarounds,
        ]
        for t in session.scalars(select(ConversationTally))
        if t.conversations
    }
    turns = Counter(
        {(t.day, t.assignee_key, t.emotion): t.turns for t in session.scalars(select(EmotionTally))}
    )
    return conversations, +turns


def assert_tallies_match(session: Session) -> None:
    session.flush()
    assert tallied(session) == counted_by_hand(session)


def records(people: list[User | None], start: datetime) -> list:
    return [
        conversation_record(
            external_id=f"t-{n}",
            status="open" if n % 2 else "resolved",
            channel=("chat", "email", "phone")[n % 3],
            assignee_email=person.email if person else None,
            start=start + timedelta(hours=7 * n),  # over several days
        )
        for n, person in enumerate(people)
    ]


def test_every_writer_keeps_the_tallies_equal_to_the_rows(session: Session) -> None:
    ann, bob = make_user(session, team="Billing"), make_user(session, team="Billing")
    start = datetime(2026, 11, 1, 20, tzinfo=UTC)
    write_conversations(session, "test", records([ann, bob, None, ann, bob, None, ann], start))
    session.commit()
    assert_tallies_match(session)

    # The scorer's writes: flags on conversations, an emotion on customer turns.
    for n, conv in enumerate(session.scalars(select(Conversation).order_by(Conversation.id))):
        conv.early_warning, conv.drifted = n % 2 == 0, n % 3 == 0
        conv.escalation_risk, conv.abusive, conv.turnaround = 0.2 * n, n == 4, n == 5
        for turn in conv.messages:
            if turn.author_role == "customer":
                turn.emotion = EMOTIONS[n % 3]
    session.commit()
    assert_tallies_match(session)

    # A re-import reassigns two conversations (their turns' emotions move with them) and moves
    # one to another day; a bulk UPDATE clears a flag everywhere.
    again = records([bob, ann, ann, ann, bob, None, ann], start)
    again[2] = conversation_record(
        external_id="t-2", assignee_email=ann.email, start=start + timedelta(days=3)
    )
    write_conversations(session, "test", again)
    session.execute(update(Conversation).values(early_warning=False))
    one = Conversation.external_id == "t-1"
    session.execute(update(Conversation).where(one).values(status="resolved", channel="email"))
    session.commit()
    assert_tallies_match(session)

    # Deletions: one turn, conversations the helpdesk deleted, and a user (assignee → NULL).
    first_turn = select(func.min(Message.id)).where(Message.author_role == "customer")
    session.execute(delete(Message).where(Message.id == first_turn.scalar_subquery()))
    delete_conversations(session, "test", ["t-0", "t-3"])
    session.commit()
    assert_tallies_match(session)
    session.delete(bob)
    session.commit()
    assert_tallies_match(session)
    assert session.scalar(select(ConversationTally.conversations).limit(1)) is not None


def test_the_overview_and_the_list_total_read_the_tallies_as_the_rows_would(
    session: Session,
) -> None:
    """Whole days from the tallies, the window's first day from the rows: the same figures as
    counting rows, for an agent (own, unassigned, team's) and an admin. The window is whole
    UTC days (from midnight 30 days ago), as the list's "opened from" filter counts them."""
    ann, bob = make_user(session, team="Billing"), make_user(session, team="Billing")
    other, admin = make_user(session, team="Devices"), make_user(session, role="admin")
    now = datetime.now(UTC)
    start = now - timedelta(days=33)
    write_conversations(session, "test", records([ann, bob, other, None] * 30, start))
    session.commit()
    for n, conv in enumerate(session.scalars(select(Conversation))):
        conv.early_warning, conv.escalation_risk = n % 3 == 0, (n % 10) / 10
        conv.drifted, conv.abusive, conv.turnaround = n % 4 == 0, n % 5 == 0, n % 7 == 0
        for turn in conv.messages:
            turn.emotion = EMOTIONS[n % 3] if turn.author_role == "customer" else None
    session.commit()
    since = datetime.combine((now - timedelta(days=30)).date(), time.min, tzinfo=UTC)
    seen: set[int] = set()
    for user in (ann, other, admin):
        for assigned in (None, "me", "team") if user.team_id else (None, "me"):
            rows = session.scalars(
                select(Conversation).where(
                    *readable_by(user, assigned), Conversation.opened_at >= since
                )
            ).all()
            got = signal_overview(session, actor=user, since=since.date(), assigned=assigned)
            assert got.counts["conversations"] == len(rows), (user.email, assigned)
            assert got.counts["early warnings"] == sum(c.early_warning for c in rows)
            assert got.counts["escalating"] == sum(
                (c.escalation_risk or 0) >= queries.ESCALATING for c in rows
            )
            everything = session.scalars(
                select(Conversation).where(*readable_by(user, assigned))
            ).all()
            first_day = since.astimezone(UTC).date()
            mix = Counter(  # the mix counts whole days, the window's first one included
                t.emotion
                for c in everything
                for t in c.messages
                if t.emotion and t.sent_at.astimezone(UTC).date() >= first_day
            )
            assert dict(got.emotions) == dict(mix), (user.email, assigned)
            for channel, status in ((None, None), ("chat", None), (None, "open"), ("chat", "open")):
                wanted = ConversationFilters(assigned=assigned, channel=channel, status=status)
                page = list_conversations(session, actor=user, filters=wanted, page_size=5)
                expected = [
                    c
                    for c in everything
                    if channel in (None, c.channel) and status in (None, c.status)
                ]
                assert page.total == len(expected), (user.email, assigned, channel, status)
            days = (start.date() + timedelta(days=5), start.date() + timedelta(days=12))
            for wanted in narrowed_lists(bob, days):
                wanted = replace(wanted, assigned=assigned)
                page = list_conversations(session, actor=user, filters=wanted, page_size=5)
                count = readable(select(func.count(Conversation.id)), user, wanted)
                assert page.total == session.scalar(count), (user.email, wanted)
                seen.add(page.total)
    assert len(seen) > 10  # the lists differ: each filter counts something of its own


def narrowed_lists(person: User, days: tuple[date, date]) -> list[ConversationFilters]:
    """Lists the tallies count since they hold signals and days: each signal, a date range
    (from, to, both), one assignee, and some of them together."""
    first, last = days
    return [
        *(ConversationFilters(signal=signal) for signal in queries.SIGNAL_FILTERS),
        ConversationFilters(opened_from=first),
        ConversationFilters(opened_to=last),
        ConversationFilters(opened_from=first, opened_to=last, signal="escalating"),
        ConversationFilters(assignee_id=person.id),
        ConversationFilters(assignee_id=person.id, channel="chat", signal="early_warning"),
    ]


def readable_by(user: User, assigned: str | None) -> tuple:
    return (queries.visible_conversations(user), queries.assigned_to(user, assigned))


def test_the_migration_counts_escalating_as_the_overview_does() -> None:
    migration = importlib.import_module("poise.db.migrations.versions.0022_signal_tallies")
    assert migration.ESCALATING == queries.ESCALATING
