"""The day aggregate: every figure read through it equals the figure read from the rollup's
facts (medians within a bucket), after a full rebuild, after the queued rollup has counted
changed, new and deleted conversations, and after a person changed teams."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from builders import make_user
from insights.insight_builders import WINDOW_DAYS, add_conversations, customer
from poise.auth.actions import team_by_name
from poise.auth.models import User
from poise.conversations.changes import queue_for_rollup
from poise.conversations.models import Conversation
from poise.conversations.writer import delete_conversations
from poise.db.meta import InstanceFact
from poise.insights import days, histograms
from poise.insights.filters import InsightFilters
from poise.insights.models import InsightDay
from poise.insights.queries import Dashboard, Tally, dashboard
from poise.insights.rollup import count_all, count_queued, has_queued, has_work

START, END = date(2026, 11, 2), date(2026, 11, 15)
COUNTED = (
    "conversations", "by_channel", "rated", "good", "low", "rated_five", "five_total",
    "unhappy", "escalating", "turnarounds", "resolved", "first_contact", "repeats",
    "first_response_count", "resolution_count",
)  # fmt: skip


def _mixed(session: Session) -> tuple[User, User, User]:
    """An admin, an agent in team A and one in team B, and about eighty conversations over
    both periods with every kind of value, uneven times, and customers coming back."""
    rng = random.Random(20)
    admin = make_user(session, role="admin")
    a, b = make_user(session, team="A"), make_user(session, team="B")
    regulars = [customer(session).id for _ in range(5)]
    for k in range(45):
        opened = datetime(2026, 10, 20, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 37440))
        add_conversations(
            session,
            n=rng.randint(1, 3),
            opened=opened,
            product=rng.choice(["Router", "Billing", None]),
            feature=rng.choice(["login", "sync", None]),
            channel=rng.choice(["chat", "email", "phone"]),
            assignee_id=rng.choice([a.id, b.id, None]),
            unhappy=rng.randint(0, 1),
            escalating=rng.randint(0, 1),
            turnarounds=rng.randint(0, 1),
            ratings=rng.choice([[], [("three", rng.randint(1, 3))], [("five", rng.randint(1, 5))]]),
            tags=rng.choice([[], ["vip"]]),
            first_reply=timedelta(seconds=rng.choice([-60, 30, 45.5, 200, 731, 2400, 9000])),
            resolve_after=rng.choice(
                [None, timedelta(hours=1), timedelta(seconds=rng.randint(3000, 300000))]
            ),
            customer_id=regulars[k % 5] if k % 3 == 0 else None,
            emotion=rng.choice(["angry", "neutral", "confused"]),
        )
    return admin, a, b


def _views(a: User, b: User) -> list[InsightFilters]:
    """Filters the aggregate serves: each of its levels (which of team, product and feature
    are set), with and without a channel."""
    every = InsightFilters(START, END)
    return [
        every,
        InsightFilters(START, END, product="Router"),
        InsightFilters(START, END, channel="chat"),
        InsightFilters(START, END, product="Billing", feature="login"),
        InsightFilters(START, END, team_id=a.team_id),
        InsightFilters(START, END, team_id=b.team_id, product="Router"),
        InsightFilters(START, END, team_id=a.team_id, product="Router", feature="sync"),
        InsightFilters(START, END, team_id=b.team_id, feature="login", channel="email"),
        InsightFilters(date(2026, 10, 25), date(2026, 11, 3)),  # weeks not on a Monday
    ]


def _from_facts(session: Session, admin: User, filters: InsightFilters) -> Dashboard:
    """The same dashboard read from ``insight_facts``: as before the aggregate's first build
    (its marker removed for this transaction only)."""
    session.execute(delete(InstanceFact).where(InstanceFact.key == days.TEAMS_FACT))
    try:
        return dashboard(session, actor=admin, filters=filters, window_days=WINDOW_DAYS)
    finally:
        session.rollback()


def _assert_same_tally(by_day: Tally, by_fact: Tally) -> None:
    assert {n: getattr(by_day, n) for n in COUNTED} == {n: getattr(by_fact, n) for n in COUNTED}
    for name in ("median_first_response", "median_resolution"):
        mine, exact = getattr(by_day, name), getattr(by_fact, name)
        if exact is None:
            assert mine is None
        else:  # within one bucket: under a second below 90 s, 0.5% above
            assert mine == pytest.approx(exact, rel=0.005, abs=1.0)


def _assert_agrees(session: Session, admin: User, filters: InsightFilters) -> None:
    assert days.readable(session, team_id=filters.team_id, assignee_id=None, tag=None)
    by_day = dashboard(session, actor=admin, filters=filters, window_days=WINDOW_DAYS)
    by_fact = _from_facts(session, admin, filters)
    _assert_same_tally(by_day.current, by_fact.current)
    _assert_same_tally(by_day.previous, by_fact.previous)
    assert len(by_day.weeks) == len(by_fact.weeks)
    for mine, exact in zip(by_day.weeks, by_fact.weeks, strict=True):
        _assert_same_tally(mine.current, exact.current)
        _assert_same_tally(mine.previous, exact.previous)
    assert by_day.emotions == by_fact.emotions
    assert by_day.previous_emotions == by_fact.previous_emotions


def _aggregate(session: Session) -> list[tuple[Any, ...]]:
    """Every row of the aggregate, without its id, in order; histograms unpacked with their
    sums rounded (a rebuild may add the same seconds in another order)."""
    columns = [c for c in InsightDay.__table__.c if c.name != "id"]
    found = []
    for row in session.execute(select(*columns)).mappings():
        values = dict(row)
        for name in ("first_response_times", "resolution_times"):
            values[name] = [
                (int(b), int(n), round(float(s), 6)) for b, n, s in histograms.unpack(row[name])
            ]
        found.append(tuple(values.items()))
    return sorted(found, key=repr)


def _assert_as_rebuilt(session: Session) -> None:
    """The aggregate as it stands equals a full rebuild from the facts."""
    kept = _aggregate(session)
    days.recount_all(session)
    assert _aggregate(session) == kept
    session.rollback()


def test_every_figure_through_the_aggregate_equals_the_facts(session: Session) -> None:
    admin, a, b = _mixed(session)
    count_all(session, window_days=WINDOW_DAYS)
    board = dashboard(session, actor=admin, filters=InsightFilters(START, END), window_days=7)
    assert board.current.conversations > 30 and board.current.repeats > 0
    assert board.current.median_first_response is not None
    for filters in _views(a, b):
        _assert_agrees(session, admin, filters)


def test_assignee_and_tag_views_read_the_facts(session: Session) -> None:
    admin, a, _ = _mixed(session)
    count_all(session, window_days=WINDOW_DAYS)
    assert not days.readable(session, team_id=None, assignee_id=a.id, tag=None)
    assert not days.readable(session, team_id=None, assignee_id=None, tag="vip")
    tagged = dashboard(
        session, actor=admin, filters=InsightFilters(START, END, tag="vip"), window_days=7
    )
    assert (
        0
        < tagged.current.conversations
        < _from_facts(session, admin, InsightFilters(START, END)).current.conversations
    )


def test_the_queued_rollup_leaves_the_aggregate_as_a_rebuild_would(session: Session) -> None:
    """New conversations (one a customer's return, which changes an older day's repeat and
    FCR), a changed one, and one the helpdesk deleted, counted by the queued rollup."""
    admin, a, b = _mixed(session)
    count_all(session, window_days=WINDOW_DAYS)
    back = session.scalars(
        select(Conversation).where(Conversation.opened_at >= datetime(2026, 11, 3, tzinfo=UTC))
    ).first()
    assert back is not None and back.customer_id is not None
    add_conversations(
        session, n=1, opened=back.opened_at + timedelta(days=1), customer_id=back.customer_id,
        assignee_id=b.id, resolve_after=timedelta(seconds=4321),
    )  # fmt: skip
    add_conversations(session, n=4, opened=datetime(2026, 11, 9, 13, tzinfo=UTC), unhappy=2)
    everything = list(session.scalars(select(Conversation).order_by(Conversation.id)))
    changed = everything[0]
    busy = {c.opened_at.date() for c in everything if c.customer_id in _regulars(everything)}
    busy |= {changed.opened_at.date(), back.opened_at.date() + timedelta(days=1)}
    gone = next(c for c in everything if c.opened_at.date() not in busy)  # a day alone
    changed.early_warning, changed.product = not changed.early_warning, "Smart Plug"
    queue_for_rollup(session, [changed.id])
    delete_conversations(session, gone.source, [gone.external_id])
    session.commit()
    count_queued(session, window_days=WINDOW_DAYS)
    _assert_as_rebuilt(session)
    for filters in _views(a, b):
        _assert_agrees(session, admin, filters)


def _regulars(conversations: list[Conversation]) -> set[int | None]:
    """Customers with more than one conversation (a delete queues their other contacts)."""
    seen: dict[int | None, int] = {}
    for c in conversations:
        seen[c.customer_id] = seen.get(c.customer_id, 0) + 1
    return {owner for owner, n in seen.items() if n > 1}


def test_a_person_changing_teams_moves_their_conversations(session: Session) -> None:
    admin, a, b = _mixed(session)
    count_all(session, window_days=WINDOW_DAYS)
    team_a, team_b = a.team_id, b.team_id
    before = dashboard(
        session, actor=admin, filters=InsightFilters(START, END, team_id=team_b), window_days=7
    )
    a.team_id = team_by_name(session, "B").id
    session.commit()
    # Until the rollup follows, a team's view reads the facts (its members now); all teams
    # together still read the aggregate, where the team does not matter.
    assert not days.readable(session, team_id=team_b, assignee_id=None, tag=None)
    assert days.readable(session, team_id=None, assignee_id=None, tag=None)
    moved = dashboard(
        session, actor=admin, filters=InsightFilters(START, END, team_id=team_b), window_days=7
    )
    assert moved.current.conversations > before.current.conversations
    count_queued(session, window_days=WINDOW_DAYS)
    _assert_as_rebuilt(session)
    for team in (team_a, team_b):
        _assert_agrees(session, admin, InsightFilters(START, END, team_id=team))
    after = dashboard(
        session, actor=admin, filters=InsightFilters(START, END, team_id=team_b), window_days=7
    )
    assert after.current.conversations == moved.current.conversations


def test_the_rollup_job_wakes_for_a_lone_delete_or_a_team_change(session: Session) -> None:
    """Neither queues a conversation (a customer with one contact; a person's team), yet
    each puts the aggregate out of step: the scheduler's job must still run."""
    admin, a, b = _mixed(session)
    count_all(session, window_days=WINDOW_DAYS)
    assert not has_work(session)
    everything = list(session.scalars(select(Conversation)))
    lone = next(c for c in everything if c.customer_id not in _regulars(everything))
    delete_conversations(session, lone.source, [lone.external_id])
    session.commit()
    assert not has_queued(session) and has_work(session)
    count_queued(session, window_days=WINDOW_DAYS)
    assert not has_work(session)
    _assert_as_rebuilt(session)
    b.team_id = a.team_id
    session.commit()
    assert has_work(session)
    count_queued(session, window_days=WINDOW_DAYS)
    assert not has_work(session)
    _assert_agrees(session, admin, InsightFilters(START, END, team_id=a.team_id))


def test_the_first_queued_rollup_after_the_upgrade_builds_it(session: Session) -> None:
    """The builders count conversations as an import would, before the aggregate exists:
    nothing reads it until the queued rollup has built it."""
    admin, a, _ = _mixed(session)
    assert not days.readable(session, team_id=None, assignee_id=None, tag=None)
    assert not has_queued(session) and has_work(session)
    count_queued(session, window_days=WINDOW_DAYS)
    _assert_as_rebuilt(session)
    _assert_agrees(session, admin, InsightFilters(START, END))
    _assert_agrees(session, admin, InsightFilters(START, END, team_id=a.team_id))


def _packed(*cells: tuple[float, int]) -> bytes:
    """A stored histogram holding ``n`` times of ``seconds`` for each (seconds, n)."""
    found: histograms.Histogram = {}
    for seconds, n in cells:
        for _ in range(n):
            histograms.add(found, seconds)
    return histograms.pack(found)


def test_buckets_and_medians_on_known_numbers() -> None:
    bucket_of = histograms.bucket_of
    assert [bucket_of(s) for s in (-3, 0, 0.4, 1, 45.5, 89.9, 90)] == [-3, 0, 0, 1, 45, 89, 90]
    for seconds in (90, 95.5, 600, 7200, 86400 * 3, 86400 * 400):  # 0.5% wide above 90 s
        low = histograms.FINE_UNTIL * histograms.STEP ** (bucket_of(seconds) - 90)
        assert low <= seconds * (1 + 1e-9) and seconds < low * histograms.STEP * (1 + 1e-9)
    assert histograms.median_of([]) is None
    assert histograms.median_of([_packed()]) is None
    # Exact when each middle bucket holds one value: 300 s; (300 + 7200) / 2 over two days.
    assert histograms.median_of([_packed((300, 3), (7200, 1))]) == 300
    assert histograms.median_of([_packed((300, 1)), _packed((7200, 1))]) == 3750
    assert histograms.median_of([_packed((30, 2)), _packed((30, 1), (31, 2))]) == 30
    # Two values sharing a bucket read as their mean, within the bucket of the exact median.
    assert histograms.median_of([_packed((600, 1), (601, 1))]) == 600.5
    three = histograms.median_of([_packed((600, 1), (601, 1), (602, 1))])
    assert three == pytest.approx(601, rel=0.005)
