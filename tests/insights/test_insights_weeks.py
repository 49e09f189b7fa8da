"""Exposure's weekly counts kept by the rollup equal the morale balance counted from the
messages, for every person and week, after a full rebuild and after the queued rollup has
counted a change: a new negative turn, a reassignment, a new rating, a deleted conversation;
and morale's team balance page reads those weeks through the seam the face wires.

The changes are made as the writers make them: the row changes and the conversation is queued
(:func:`poise.conversations.changes.queue_for_rollup`), in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import WINDOW_DAYS, add_conversations
from poise.auth.models import User
from poise.conversations.changes import queue_for_rollup
from poise.conversations.models import Conversation, Message, Rating
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.insights.exposure import WEEKS, counted_balances, exposure_state
from poise.insights.rollup import count_all, count_queued
from poise.insights.weeks import built, mark_built
from poise.morale.queries import balances, week_start

UNTIL = datetime.now(UTC)
THIS_WEEK = week_start(UNTIL) + timedelta(hours=1)


def _weeks_ago(n: int) -> datetime:
    return THIS_WEEK - timedelta(weeks=n)


def _live(session: Session, people: list[User]) -> dict[int, tuple[list[int], list[int]]]:
    ids = [p.id for p in people]
    found = balances(session, agent_ids=ids, weeks=WEEKS, until=UNTIL)
    return {a: (b.negativity, b.praise) for a, b in found.items()}


def _counted(session: Session, people: list[User]) -> dict[int, tuple[list[int], list[int]]]:
    found = counted_balances(session, [p.id for p in people], until=UNTIL).lines
    return {a: (b.negativity, b.praise) for a, b in found.items()}


def _setup(session: Session) -> tuple[list[User], list[Conversation]]:
    """Three agents over four weeks: negative turns, thanks, green robots (one credited to
    someone other than the assignee), calm turns, and an unassigned conversation."""
    ana, ben, cy = (make_user(session, team="W", name=n) for n in ("Ana", "Ben", "Cy"))
    made: list[Conversation] = []
    for week in range(4):
        made += add_conversations(
            session, n=3, opened=_weeks_ago(week), assignee_id=ana.id, negativity=0.9
        )
        made += add_conversations(
            session, n=week + 1, opened=_weeks_ago(week), assignee_id=ben.id, negativity=0.6
        )
        made += add_conversations(
            session,
            n=2,
            opened=_weeks_ago(week),
            assignee_id=cy.id,
            emotion="satisfied",
            negativity=0.1,
            text="Thank you so much, that fixed it!",
            ratings=[("three", 3), ("five", 2)],
        )
    add_conversations(session, n=2, opened=_weeks_ago(1), negativity=0.9)  # nobody's
    rated = session.get(Conversation, made[-2].id)  # Cy's green robot three weeks ago
    assert rated is not None and rated.rating is not None and rated.rating.is_positive
    rated.rating.agent_id = ana.id  # the rating credits Ana, not the assignee Cy
    session.commit()
    return [ana, ben, cy], made


def _agree(session: Session, people: list[User]) -> dict[int, tuple[list[int], list[int]]]:
    live = _live(session, people)
    assert _counted(session, people) == live
    return live


def test_a_full_rebuild_counts_what_the_balance_counts(session: Session) -> None:
    people, _ = _setup(session)
    count_all(session, window_days=WINDOW_DAYS)
    live = _agree(session, people)
    ana, ben, cy = (p.id for p in people)
    assert live[ana][0][-4:] == [3, 3, 3, 3] and live[ana][1][-4] == 1  # the credited robot
    assert live[ben][0][-4:] == [4, 3, 2, 1]
    assert live[cy][1][-4:] == [2, 3, 3, 3]  # two thanks and a green robot (2 of 5 is none)
    state = exposure_state(session)
    assert state.counted_at is not None and state.waiting == 0


def test_a_thankful_ask_is_no_praise_in_the_balance_nor_in_the_kept_weeks(
    session: Session,
) -> None:
    """Both count praise received with ``is_thanks``: "Thanks! Any update on my refund?"
    thanks and asks, so neither counts it, while a plain thank-you counts in both."""
    dee = make_user(session, team="W", name="Dee")
    for text in ("Thanks! Any update on my refund?", "Thank you so much, that fixed it!"):
        add_conversations(
            session,
            n=1,
            opened=_weeks_ago(1),
            assignee_id=dee.id,
            emotion="satisfied",
            negativity=0.1,
            text=text,
        )
    count_all(session, window_days=WINDOW_DAYS)
    live = _agree(session, [dee])
    assert live[dee.id][1][-2] == 1


def _rollup(session: Session, conversation_ids: list[int]) -> None:
    queue_for_rollup(session, conversation_ids)
    session.commit()
    count_queued(session, window_days=WINDOW_DAYS)


def test_the_queued_rollup_follows_each_change(session: Session) -> None:
    people, made = _setup(session)
    count_all(session, window_days=WINDOW_DAYS)
    ana, ben, cy = people
    before = _agree(session, people)

    first = made[0]  # Ana's, this week: a new negative turn
    session.add(
        Message(
            conversation_id=first.id,
            external_id="late",
            author_role="customer",
            body="Still broken.",
            sent_at=_weeks_ago(0) + timedelta(hours=2),
            negativity=0.95,
        )
    )
    _rollup(session, [first.id])
    after = _agree(session, people)
    assert after[ana.id][0][-1] == before[ana.id][0][-1] + 1

    moved = made[3]  # Ben's, this week: given to Cy
    conversation = session.get(Conversation, moved.id)
    assert conversation is not None
    conversation.assignee_id = cy.id
    session.commit()
    assert _counted(session, people) != _live(session, people)  # stale until counted
    _rollup(session, [moved.id])
    after = _agree(session, people)
    assert after[ben.id][0][-1] == before[ben.id][0][-1] - 1
    assert after[cy.id][0][-1] == before[cy.id][0][-1] + 1

    rated = made[1]  # Ana's, unrated until now
    session.add(Rating(conversation_id=rated.id, scale="five", score=5, agent_id=ben.id,
                       rated_at=_weeks_ago(0) + timedelta(hours=3)))  # fmt: skip
    _rollup(session, [rated.id])
    after = _agree(session, people)
    assert after[ben.id][1][-1] == before[ben.id][1][-1] + 1


def test_a_helpdesk_delete_is_followed_by_the_next_rollup(session: Session) -> None:
    people, made = _setup(session)
    count_all(session, window_days=WINDOW_DAYS)
    session.execute(delete(Conversation).where(Conversation.id == made[0].id))
    session.commit()
    count_queued(session, window_days=WINDOW_DAYS)
    assert _agree(session, people)[people[0].id][0][-1] == 2


def _team_total(client: TestClient, url: str = "/morale/balance/team") -> str:
    page = client.get(url).text
    return page.split('<span class="neg-total">')[1].split("<")[0]


def test_the_balance_pages_read_the_rollups_weeks_once_counted(
    client: TestClient, session: Session
) -> None:
    people, made = _setup(session)
    sign_in(client, make_user(session, role="lead", team="W"))
    assert "Counted as of" not in client.get("/morale/balance/team").text  # from the messages
    assert _team_total(client) == "22 negative turns absorbed"  # Ana 12, Ben 10, Cy none
    count_all(session, window_days=WINDOW_DAYS)
    assert "Counted as of" in client.get("/morale/balance/team").text
    assert _team_total(client) == "22 negative turns absorbed"
    session.add(
        Message(
            conversation_id=made[0].id,
            external_id="unqueued",
            author_role="customer",
            body="Still broken.",
            sent_at=THIS_WEEK + timedelta(hours=2),
            negativity=0.95,
        )
    )
    session.commit()  # not queued: the page shows the counted weeks until the rollup runs
    assert sum(sum(n) for n, _ in _live(session, people).values()) == 23
    assert _team_total(client) == "22 negative turns absorbed"
    client.cookies.clear()
    sign_in(client, people[0])  # Ana's own page reads the counted weeks too
    assert "Counted as of" in client.get("/morale/balance").text
    assert _team_total(client, "/morale/balance") == "12 negative turns absorbed"  # live: 13


def test_the_upgrade_to_thanks_verdicts_has_the_weeks_counted_again(tmp_path: Path) -> None:
    """Praise received was counted with the looser test before revision 0026: the upgrade
    marks the weeks never built, so the next rollup counts them all again with the new one."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0025")
    with make_sessionmaker(engine)() as old:
        mark_built(old)
        old.commit()
        assert built(old)
    upgrade(engine)
    with make_sessionmaker(engine)() as new:
        assert not built(new)
    engine.dispose()
