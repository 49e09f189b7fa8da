"""The rollup: the figures read from ``insight_facts`` equal the figures worked out from the raw
conversations, messages and ratings; a change waits in the queue until the rollup counts it;
and no page, API call or export writes anything."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, selectinload
from typer.testing import CliRunner

from builders import make_conversation, make_user, sign_in
from insights.insight_builders import WINDOW_DAYS, add_conversations, customer
from poise.auth.models import User
from poise.cli import app as cli_app
from poise.conversations.models import Conversation, RollupQueue
from poise.conversations.queries import ESCALATING
from poise.conversations.writer import delete_conversations
from poise.insights.filters import InsightFilters
from poise.insights.models import InsightFact
from poise.insights.queries import Tally, dashboard
from poise.insights.rollup import count_all, count_queued, rollup_state
from poise.knowledge.fcr import fcr_outcomes
from poise.settings import Settings

START, END = date(2026, 11, 2), date(2026, 11, 15)
PERIOD = f"start={START}&end={END}"


def _varied(session: Session, admin: User) -> None:
    """Sixty-odd conversations over both periods with every kind of value, some customers
    coming back (same words: the same issue) inside and outside the FCR window."""
    rng = random.Random(14)
    agent = make_user(session, team="A")
    regulars = [customer(session).id for _ in range(4)]
    for k in range(30):
        opened = datetime(2026, 10, 20, 9, tzinfo=UTC) + timedelta(hours=rng.randint(0, 26 * 24))
        add_conversations(
            session,
            n=rng.randint(1, 3),
            opened=opened,
            product=rng.choice(["Router", "Billing", None]),
            feature=rng.choice(["login", None]),
            channel=rng.choice(["chat", "email", "phone"]),
            assignee_id=rng.choice([agent.id, admin.id, None]),
            unhappy=rng.randint(0, 1),
            escalating=rng.randint(0, 1),
            turnarounds=rng.randint(0, 1),
            ratings=rng.choice([[], [("three", rng.randint(1, 3))], [("five", rng.randint(1, 5))]]),
            tags=rng.choice([[], ["vip"], ["vip", "refund"]]),
            first_reply=timedelta(minutes=rng.choice([-1, 3, 5, 12, 40])),
            resolve_after=rng.choice(
                [None, timedelta(hours=1), timedelta(hours=rng.randint(2, 9))]
            ),
            customer_id=regulars[k % 4] if k % 3 == 0 else None,
            emotion=rng.choice(["angry", "neutral", "confused"]),
        )


def _raw(session: Session, filters: InsightFilters) -> dict[str, Any]:
    """The current period's figures straight from the raw tables (the reference)."""
    everything = session.scalars(
        select(Conversation).options(
            selectinload(Conversation.messages), selectinload(Conversation.rating)
        )
    ).all()
    mine = [c for c in everything if filters.begin <= c.opened_at < filters.finish]
    outcomes = fcr_outcomes(session, window_days=WINDOW_DAYS)
    window = timedelta(days=WINDOW_DAYS)
    firsts, resolutions, felt = [], [], Counter[str]()
    for c in mine:
        replies = [m.sent_at for m in c.messages if m.author_role == "agent"]
        if replies and min(replies) >= c.opened_at:
            firsts.append((min(replies) - c.opened_at).total_seconds())
        if c.status == "resolved" and c.resolved_at is not None:
            resolutions.append((c.resolved_at - c.opened_at).total_seconds())
        felt.update(m.emotion for m in c.messages if m.author_role == "customer" and m.emotion)
    ratings = [c.rating for c in mine if c.rating is not None]
    return {
        "conversations": len(mine),
        "by_channel": dict(Counter(c.channel for c in mine)),
        "rated": len(ratings),
        "good": sum(r.is_positive for r in ratings),
        "low": sum((r.scale, r.score) in {("three", 1), ("five", 1), ("five", 2)} for r in ratings),
        "rated_five": sum(r.scale == "five" for r in ratings),
        "five_total": sum(r.score for r in ratings if r.scale == "five"),
        "unhappy": sum(c.early_warning for c in mine),
        "escalating": sum((c.escalation_risk or 0) >= ESCALATING for c in mine),
        "turnarounds": sum(c.turnaround for c in mine),
        "resolved": sum(c.id in outcomes for c in mine),
        "first_contact": sum(outcomes.get(c.id, False) for c in mine),
        "repeats": sum(
            any(
                o.customer_id == c.customer_id
                and (o.opened_at, o.id) < (c.opened_at, c.id)
                and o.opened_at >= c.opened_at - window
                for o in everything
            )
            for c in mine
            if c.customer_id is not None
        ),
        "first_response_count": len(firsts),
        "resolution_count": len(resolutions),
        "median_first_response": statistics.median(firsts) if firsts else None,
        "median_resolution": statistics.median(resolutions) if resolutions else None,
        "emotions": dict(felt),
    }


def _rolled(tally: Tally, emotions: list[tuple[str, int]]) -> dict[str, Any]:
    found = {name: getattr(tally, name) for name in _raw_keys() if name != "emotions"}
    for name in ("median_first_response", "median_resolution"):
        found[name] = None if found[name] is None else pytest.approx(found[name])
    return {**found, "emotions": dict(emotions)}


def _raw_keys() -> list[str]:
    return [
        "conversations", "by_channel", "rated", "good", "low", "rated_five", "five_total",
        "unhappy", "escalating", "turnarounds", "resolved", "first_contact", "repeats",
        "first_response_count", "resolution_count", "median_first_response",
        "median_resolution", "emotions",
    ]  # fmt: skip


def test_the_rollup_figures_equal_the_raw_tables(session: Session) -> None:
    admin = make_user(session, role="admin")
    _varied(session, admin)
    count_all(session, window_days=WINDOW_DAYS)  # the whole rebuild agrees with the builder's
    filters = InsightFilters(start=START, end=END)
    board = dashboard(session, actor=admin, filters=filters, window_days=WINDOW_DAYS)
    raw = _raw(session, filters)
    assert raw["conversations"] > 20 and raw["repeats"] > 0 and raw["rated_five"] > 0
    assert _rolled(board.current, board.emotions) == raw
    previous = _raw(session, filters.previous())
    assert board.previous.conversations == previous["conversations"]
    assert board.previous.repeats == previous["repeats"]
    assert board.previous.median_resolution == pytest.approx(previous["median_resolution"])


def test_known_answers_for_repeat_contact_and_first_contact_resolution(session: Session) -> None:
    """One customer comes back after two days about the same thing (not first contact, one
    repeat), and again twenty days later (outside the window: the second visit stands)."""
    admin = make_user(session, role="admin")
    again = customer(session).id
    for day in (3, 5, 25):
        add_conversations(
            session, n=1, opened=datetime(2026, 10, day, 9, tzinfo=UTC), customer_id=again
        )
    add_conversations(session, n=2, opened=datetime(2026, 10, 4, 9, tzinfo=UTC))
    filters = InsightFilters(start=date(2026, 10, 1), end=date(2026, 10, 31))
    board = dashboard(session, actor=admin, filters=filters, window_days=WINDOW_DAYS)
    assert (board.current.conversations, board.current.repeats) == (5, 1)
    assert (board.current.resolved, board.current.first_contact) == (5, 4)
    assert board.current.median_resolution == 3600.0


def test_a_change_waits_in_the_queue_until_the_rollup_counts_it(
    session: Session, client: TestClient
) -> None:
    admin = make_user(session, role="admin")
    first = make_conversation(session, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    sign_in(client, admin)
    assert (
        "Figures not counted yet; 1 changed conversation waits"
        in client.get(f"/insights?{PERIOD}").text
    )
    assert count_queued(session, window_days=WINDOW_DAYS) == 1
    state = rollup_state(session)
    assert state.waiting == 0 and state.counted_at is not None
    api = client.get(f"/api/v1/insights/dashboard?{PERIOD}")
    assert "counted_at" in api.text
    page = client.get(f"/insights?{PERIOD}").text
    assert "Figures as of" in page and "wait" not in page.split("Figures as of")[1][:80]

    # The customer writes again two days later: an import queues it, and the first
    # conversation's FCR changes with it once the rollup has counted both.
    customer = first.customer
    assert customer is not None
    make_conversation(
        session,
        start=datetime(2026, 11, 5, 9, tzinfo=UTC),
        customer=_record_of(customer.external_id),
    )
    before = dashboard(session, actor=admin, filters=InsightFilters(START, END), window_days=7)
    assert before.current.conversations == 1 and before.state.waiting == 1
    count_queued(session, window_days=WINDOW_DAYS)
    after = dashboard(session, actor=admin, filters=InsightFilters(START, END), window_days=7)
    assert (after.current.conversations, after.current.repeats) == (2, 1)
    assert (after.current.resolved, after.current.first_contact) == (2, 1)


def _record_of(external_id: str) -> Any:
    from poise.conversations.records import CustomerRecord

    return CustomerRecord(external_id, "Robin Customer")


def test_a_deleted_conversation_leaves_the_rollup(session: Session) -> None:
    """The helpdesk deletes a conversation: its facts go, and its customer's other contact
    is queued (it is no longer a repeat)."""
    first = make_conversation(session, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    assert first.customer is not None
    later = make_conversation(
        session,
        start=datetime(2026, 11, 4, 9, tzinfo=UTC),
        customer=_record_of(first.customer.external_id),
    )
    count_queued(session, window_days=WINDOW_DAYS)
    assert session.get(InsightFact, later.id).repeat  # type: ignore[union-attr]
    delete_conversations(session, "test", [first.external_id])
    session.commit()
    assert count_queued(session, window_days=WINDOW_DAYS) == 1
    session.expire_all()
    assert session.get(InsightFact, first.id) is None
    assert not session.get(InsightFact, later.id).repeat  # type: ignore[union-attr]


def test_the_rollup_command_counts_what_is_queued_or_everything(
    session: Session, cli_env: Settings
) -> None:
    make_conversation(session)
    runner = CliRunner()
    one = runner.invoke(cli_app, ["insights", "rollup", "--queued"])
    assert one.exit_code == 0, one.output
    assert "1 conversation counted" in one.output  # it read "1 conversation(s)"
    make_conversation(session)
    queued = runner.invoke(cli_app, ["insights", "rollup", "--queued"])
    assert "1 conversation counted" in queued.output
    again = runner.invoke(cli_app, ["insights", "rollup", "--queued"])
    assert "0 conversations counted" in again.output
    everything = runner.invoke(cli_app, ["insights", "rollup"])
    assert "2 conversations counted" in everything.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(InsightFact)) == 2
    assert rollup_state(session).waiting == 0


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement any engine runs while the test is inside the ``with`` block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_pages_api_and_exports_write_nothing(
    session: Session, client: TestClient, statements: list[str]
) -> None:
    lead = make_user(session, role="lead", team="A")
    agent = make_user(session, team="A")  # the team's: the hotspot page shows them, not a 404
    opened = datetime(2026, 11, 3, 9, tzinfo=UTC)
    add_conversations(session, n=30, opened=opened, unhappy=9, assignee_id=agent.id)
    count_all(session, window_days=WINDOW_DAYS)  # the day aggregate too: the pages read it
    make_conversation(session, start=datetime(2026, 11, 4, 9, tzinfo=UTC))  # waits, queued
    sign_in(client, lead)
    statements.clear()
    for path in (
        "/insights",
        "/insights/hotspots",
        "/insights/conversations",
        "/insights/conversations?metric=repeat",
        "/insights/export/summary.csv",
        "/insights/export/hotspots.csv",
        "/insights/hotspot?kind=product&value=Router",
    ):
        assert client.get(f"{path}{'&' if '?' in path else '?'}{PERIOD}").status_code == 200
    writes = [s for s in statements if s.lstrip().split()[0].upper() in WRITES]
    assert writes == []
    assert session.scalar(select(func.count()).select_from(RollupQueue)) == 1


WRITES = {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE"}
