"""One visibility rule: an agent or a lead reads their own, the unassigned and their team's
conversations, an admin all; lists show only what their reader may open, and "mine" and
"my team" narrow them."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import conversation_record, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.conversations.models import Conversation
from poise.conversations.queries import signal_overview
from poise.conversations.visibility import may_read, visible_conversations
from poise.conversations.writer import write_conversations
from poise.training.reflections.actions import create_reflection
from poise.web.weeks import recent_weeks
from support import statements_naming

ANGRY = "This is the third time I write. Your service is useless and I am furious."


def seed(session: Session) -> dict[str, User]:
    """Billing (an agent, a teammate, a lead), Devices (an agent), an admin, and one open,
    angry conversation for each owner plus one unassigned."""
    people = {
        "agent": make_user(session, team="Billing"),
        "mate": make_user(session, team="Billing"),
        "lead": make_user(session, role="lead", team="Billing"),
        "other": make_user(session, team="Devices"),
        "admin": make_user(session, role="admin"),
    }
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    owners = ["agent", "mate", "lead", "other", None]
    records = [
        conversation_record(
            external_id=f"v-{owner or 'nobody'}",
            subject=f"Subject of {owner or 'nobody'}",
            status="open",
            resolved_at=None,
            customer_text=ANGRY,
            assignee_email=people[owner].email if owner else None,
            start=start + timedelta(minutes=i),
        )
        for i, owner in enumerate(owners)
    ]
    write_conversations(session, "test", records)
    for conv in session.scalars(select(Conversation)):
        conv.early_warning = True  # on the signals page without running the scorer
        conv.opened_at = datetime.now(UTC) - timedelta(days=1)
    session.commit()
    return people


def subjects(html: str) -> set[str]:
    return set(re.findall(r"Subject of (\w+)", html))


def conversation_id(session: Session, owner: str) -> int:
    found = session.scalar(select(Conversation.id).where(Conversation.external_id == f"v-{owner}"))
    assert found is not None
    return found


def test_the_rule_in_sql_and_one_by_one_agree(session: Session) -> None:
    people = seed(session)
    convs = list(session.scalars(select(Conversation)))
    for user in people.values():
        listed = set(session.scalars(select(Conversation.id).where(visible_conversations(user))))
        assert listed == {c.id for c in convs if may_read(user, c)}
    billing = {"agent", "mate", "lead", "nobody"}
    expected = {
        "agent": billing,
        "lead": billing,
        "other": {"other", "nobody"},
        "admin": billing | {"other"},
    }
    for name, wanted in expected.items():
        user = people[name]
        seen = session.scalars(select(Conversation.external_id).where(visible_conversations(user)))
        assert {e.removeprefix("v-") for e in seen} == wanted, name


def test_lists_link_only_to_what_the_reader_may_open(client: TestClient, session: Session) -> None:
    people = seed(session)
    other_team = conversation_id(session, "other")
    for name in ("agent", "lead", "other"):
        client.cookies.clear()
        sign_in(client, people[name])
        listing = client.get("/conversations").text
        signals = client.get("/signals").text
        assert subjects(listing) == subjects(signals)
        for conv_id in set(
            re.findall(r'href="/(?:conversations|assist)/(\d+)"', listing + signals)
        ):
            assert client.get(f"/conversations/{conv_id}").status_code == 200
            assert client.get(f"/assist/{conv_id}").status_code == 200
        refused = client.get(f"/conversations/{other_team}")
        assert (refused.status_code == 200) is (name == "other"), name
    client.cookies.clear()
    sign_in(client, people["admin"])
    assert subjects(client.get("/conversations").text) == {
        "agent",
        "mate",
        "lead",
        "other",
        "nobody",
    }


def test_the_api_follows_the_same_rule(client: TestClient, session: Session) -> None:
    people = seed(session)
    token = create_api_token(session, actor=None, user=people["other"])
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/conversations", headers=headers).json()
    assert {c["subject"] for c in listed["items"]} == {"Subject of other", "Subject of nobody"}
    billing = conversation_id(session, "agent")
    assert client.get(f"/api/v1/conversations/{billing}", headers=headers).status_code == 404


def test_the_api_stats_count_what_the_token_may_open(client: TestClient, session: Session) -> None:
    """``/api/v1/stats`` gave any token the whole organisation's totals."""
    people = seed(session)
    messages = {c.id: len(c.messages) for c in session.scalars(select(Conversation))}
    per = set(messages.values())
    assert len(per) == 1  # every seeded conversation has as many messages
    each = per.pop()

    def stats(who: str) -> dict[str, int]:
        token = create_api_token(session, actor=None, user=people[who])
        return client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"}).json()

    other, agent, admin = stats("other"), stats("agent"), stats("admin")
    assert (other["conversations"], other["messages"]) == (2, 2 * each)  # theirs, unassigned
    assert (agent["conversations"], agent["messages"]) == (4, 4 * each)  # team of three, nobody's
    assert (admin["conversations"], admin["messages"]) == (5, 5 * each)
    assert other["users"] == admin["users"] == 5


def test_the_api_stats_count_turns_and_ratings_without_joining_every_row(
    client: TestClient, session: Session
) -> None:
    """The counts of messages and ratings joined each row to its conversation, reading every
    message again: 0.5 s for an admin at 355,000 messages (``benchmarks/page_speed.py``).
    An admin counts the tables alone; others count within the conversations they may open."""
    people = seed(session)
    for who in ("admin", "agent"):
        token = create_api_token(session, actor=None, user=people[who])
        with statements_naming("FROM messages", "FROM ratings") as reads:
            answer = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        assert len(reads) == 2, reads
        assert not [read for read in reads if "JOIN" in read], reads


def test_mine_and_my_team_filters(client: TestClient, session: Session) -> None:
    people = seed(session)
    sign_in(client, people["agent"])
    assert subjects(client.get("/conversations?assignee=me").text) == {"agent"}
    assert subjects(client.get("/conversations?assignee=team").text) == {"agent", "mate", "lead"}
    assert subjects(client.get("/signals?assignee=me").text) == {"agent"}
    assert subjects(client.get("/signals?assignee=team").text) == {"agent", "mate", "lead"}
    page = client.get("/conversations").text
    assert '<option value="me"' in page and '<option value="team"' in page
    assert f'<option value="{people["other"].id}"' not in page  # not someone they cannot read
    other = client.get(f"/conversations?assignee={people['other'].id}")  # nor by a link
    assert other.status_code == 400 and "no one whose conversations you can open" in other.text
    assert client.get("/conversations?assignee=them").status_code == 400
    unknown_tab = client.get("/signals?assignee=them")  # everything they can open, and why
    assert unknown_tab.status_code == 200 and "There is no tab &#39;them&#39;" in unknown_tab.text
    assert subjects(unknown_tab.text) == {"agent", "mate", "lead", "nobody"}
    token = create_api_token(session, actor=None, user=people["agent"])
    api = client.get(
        "/api/v1/conversations?assignee=me", headers={"Authorization": f"Bearer {token}"}
    )
    assert [c["subject"] for c in api.json()["items"]] == ["Subject of agent"]


def test_my_team_is_not_offered_to_a_reader_in_no_team(
    client: TestClient, session: Session
) -> None:
    people = seed(session)
    sign_in(client, people["admin"])
    page = client.get("/conversations").text
    assert '<option value="me"' in page and '<option value="team"' not in page
    assert 'href="/signals?assignee=team"' not in client.get("/signals").text
    refused = client.get("/conversations?assignee=team")
    assert refused.status_code == 400 and "no team" in refused.text


def test_a_reflection_outlives_its_conversation_moving_team(
    client: TestClient, session: Session
) -> None:
    people = seed(session)
    agent = people["agent"]
    conv_id = conversation_id(session, "agent")
    reflection = create_reflection(
        session,
        actor=agent,
        text="It was my fault, I always get these wrong.",
        conversation_id=conv_id,
    )
    conv = session.get(Conversation, conv_id)
    assert conv is not None
    conv.assignee_id = people["other"].id  # reassigned to another team
    session.commit()
    sign_in(client, agent)
    page = client.get(f"/training/reflections/{reflection.id}")
    assert page.status_code == 200
    assert f'href="/conversations/{conv_id}"' not in page.text


def test_the_signals_overview_counts_what_its_reader_may_open(session: Session) -> None:
    """The overview's figures (one pass of counts, the emotion mix with or without the
    visibility join, the unscored turns from their partial index) equal a count by hand."""
    people = seed(session)
    emotions = ["angry", "frustrated", "angry", "neutral", "confused"]
    convs = sorted(session.scalars(select(Conversation)), key=lambda c: c.external_id)
    for n, (conv, emotion) in enumerate(zip(convs, emotions, strict=True)):
        conv.drifted, conv.escalation_risk = n % 2 == 0, 0.1 * n
        for turn in conv.messages:
            turn.sent_at = conv.opened_at
            if turn.author_role == "customer" and n < 4:  # the last one waits for the scorer
                turn.emotion, turn.signal_version = emotion, "test-1"
    session.commit()
    now = datetime.now(UTC)
    for name, user in people.items():
        for assigned in (None, "me", "team") if user.team_id else (None, "me"):
            seen = [
                c
                for c in convs
                if may_read(user, c)
                and (assigned != "me" or c.assignee_id == user.id)
                and (assigned != "team" or (c.assignee and c.assignee.team_id == user.team_id))
            ]
            since = (now - timedelta(days=30)).date()
            got = signal_overview(session, actor=user, since=since, assigned=assigned)
            assert got.counts["conversations"] == len(seen), (name, assigned)
            assert got.counts["drifted"] == sum(c.drifted for c in seen), (name, assigned)
            assert got.counts["early warnings"] == len(seen), (name, assigned)
            mix = Counter(
                t.emotion
                for c in seen
                for t in c.messages
                if t.emotion and t.author_role == "customer"
            )
            assert dict(got.emotions) == dict(mix), (name, assigned)
            waiting = [
                t
                for c in seen
                for t in c.messages
                if t.author_role == "customer" and t.signal_version is None
            ]
            assert got.unscored == len(waiting), (name, assigned)  # the reader's own backlog


def test_each_signals_figure_opens_the_list_it_counts(client: TestClient, session: Session) -> None:
    """Every figure on the signals page links to the conversation list, filtered to what it
    counts (the same days, signal and "mine"/"my team"), and that list's total is the figure."""
    people = seed(session)
    convs = sorted(session.scalars(select(Conversation)), key=lambda c: c.external_id)
    for n, conv in enumerate(convs):
        conv.drifted, conv.early_warning = n % 2 == 0, n != 1
        conv.escalation_risk = 0.2 * n
    convs[0].opened_at = datetime.now(UTC) - timedelta(days=45)  # before the four weeks
    first_day, _ = recent_weeks(datetime.now(UTC).date())  # counted whole, as lists do
    convs[1].opened_at = datetime.combine(first_day, time.min, tzinfo=UTC)
    session.commit()
    for name in ("agent", "lead", "admin"):
        client.cookies.clear()
        sign_in(client, people[name])
        for assigned in ("", "me", "team") if name != "admin" else ("",):
            page = client.get(f"/signals?assignee={assigned}" if assigned else "/signals").text
            figures = re.findall(
                r'<a class="stat stat-link" href="([^"]+)"><strong>([\d,]+)</strong>([^<]+)</a>',
                page,
            )
            assert len(figures) == 6, (name, assigned)
            for href, figure, label in figures:
                listing = client.get(href.replace("&amp;", "&"))
                assert listing.status_code == 200, href
                total = re.search(r"([\d,]+) conversations? (?:in all|match)", listing.text)
                # an empty list says so, with no pager ("0 in all" under its empty state)
                empty = "No conversation matches these filters" in listing.text
                assert total is not None or empty, href
                assert (total.group(1) if total else "0") == figure, (name, assigned, label, href)
