"""AutoQA beside a reply on the conversation page: its author sees it, privately, once their
team opted in; a teammate, the lead and an admin reading the same thread see none of it, and
reading the thread writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import conversation_record, make_user, sign_in
from poise.auth.models import Team, User
from poise.conversations.models import Message
from poise.conversations.records import MessageRecord
from poise.conversations.writer import write_conversations
from poise.db.base import Base
from poise.training import actions, autoqa
from poise.training.feedback import LabelVerdict

BLAME = "You should have read the terms before booking, the fare was non-refundable."
SORRY = "I'm so sorry about the double charge, I've refunded it and will email you today."
SUMMARY = "AutoQA on this reply"


@dataclass
class Thread:
    """A Care conversation assigned to Maya: a customer turn, Maya's reply, Ben's reply."""

    conversation_id: int
    maya: User
    ben: User
    lead: User
    admin: User
    team: Team

    @property
    def url(self) -> str:
        return f"/conversations/{self.conversation_id}"


def make_thread(session: Session) -> Thread:
    maya = make_user(session, team="Care", name="Maya")
    ben = make_user(session, team="Care", name="Ben")
    lead = make_user(session, role="lead", team="Care")
    admin = make_user(session, role="admin", team="Care")  # even on the team: not their reply
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    turns = [
        MessageRecord("c1", "customer", "I was charged twice for my flight.", start),
        MessageRecord("a1", "agent", BLAME, start + timedelta(minutes=2), "Maya", maya.email),
        MessageRecord("a2", "agent", SORRY, start + timedelta(minutes=5), "Ben", ben.email),
    ]
    record = conversation_record(messages=turns, assignee_email=maya.email)
    write_conversations(session, "test", [record])
    session.commit()
    team = session.scalars(select(Team).where(Team.name == "Care")).one()
    conv_id = session.scalars(
        select(Message.conversation_id).where(Message.author_user_id == maya.id)
    ).one()
    return Thread(conv_id, maya, ben, lead, admin, team)


def opt_in(session: Session, thread: Thread) -> None:
    actions.set_autoqa(session, actor=thread.lead, team_id=thread.team.id, enabled=True)


def read_as(client: TestClient, user: User, url: str) -> str:
    client.cookies.clear()
    sign_in(client, user)
    page = client.get(url)
    assert page.status_code == 200
    return page.text


def feedback_after(page: str, reply: str) -> str:
    """The AutoQA block that follows ``reply``'s text, up to the next turn ('' if none)."""
    turn = page.split(str(escape(reply)), 1)[1].split("</article>", 1)[0]
    return turn if SUMMARY in turn else ""


def test_the_author_sees_autoqa_on_their_own_reply_and_not_on_a_teammates(
    client: TestClient, session: Session
) -> None:
    thread = make_thread(session)
    opt_in(session, thread)
    page = read_as(client, thread.maya, thread.url)
    assert page.count(SUMMARY) == 1
    mine = feedback_after(page, BLAME)
    assert '<p class="autoqa-warning" data-label="blames_customer">' in mine
    assert "Drop what the customer should have done" in mine  # the suggestion
    assert "<q>" in mine  # the phrase behind the flag
    assert "a prompt to reread, not a verdict" in mine and 'href="/help/training#autoqa"' in mine
    assert "<details" in mine and "<details open" not in mine  # collapsed
    assert feedback_after(page, SORRY) == ""  # Ben's reply, on Maya's page
    bens = read_as(client, thread.ben, thread.url)
    assert bens.count(SUMMARY) == 1 and feedback_after(bens, BLAME) == ""
    assert 'data-label="apologizes"' in feedback_after(bens, SORRY)


def test_a_teammate_the_lead_and_an_admin_do_not_see_the_authors_feedback(
    client: TestClient, session: Session
) -> None:
    thread = make_thread(session)
    mate = make_user(session, team="Care")
    opt_in(session, thread)
    assert SUMMARY in read_as(client, thread.maya, thread.url)
    for reader in (mate, thread.lead, thread.admin):
        page = read_as(client, reader, thread.url)
        assert str(escape(BLAME)) in page  # they read the thread itself
        assert SUMMARY not in page and "autoqa" not in page.lower()


def test_nothing_shows_until_the_team_opts_in(client: TestClient, session: Session) -> None:
    thread = make_thread(session)
    assert SUMMARY not in read_as(client, thread.maya, thread.url)
    opt_in(session, thread)
    assert SUMMARY in read_as(client, thread.maya, thread.url)
    actions.set_autoqa(session, actor=thread.lead, team_id=thread.team.id, enabled=False)
    assert SUMMARY not in read_as(client, thread.maya, thread.url)


def fingerprint(session: Session) -> dict[str, int]:
    """A hash of every row of every table (counts alone would miss an UPDATE)."""
    session.expire_all()
    found = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        found[table.name] = hash(tuple(tuple(map(repr, row)) for row in rows))
    session.rollback()
    return found


def test_reading_the_thread_with_its_feedback_writes_nothing(
    client: TestClient, session: Session
) -> None:
    thread = make_thread(session)
    opt_in(session, thread)
    client.cookies.clear()
    sign_in(client, thread.maya)
    before = fingerprint(session)
    assert SUMMARY in client.get(thread.url).text
    assert fingerprint(session) == before


def test_the_page_reads_the_authors_replies_in_one_batch_and_nobody_elses(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One call to the model per view, for the author's own replies only; a second view
    reads nothing again (remembered by text), and the lead's view reads nothing at all."""
    thread = make_thread(session)
    opt_in(session, thread)
    batches: list[list[str]] = []
    label_replies = autoqa.label_replies

    def counting(replies: list[str], **options: bool) -> list[dict[str, LabelVerdict]]:
        batches.append(list(replies))
        return label_replies(replies, **options)

    monkeypatch.setattr(autoqa, "label_replies", counting)
    autoqa._verdicts.clear()
    read_as(client, thread.maya, thread.url)
    assert batches == [[BLAME]]
    read_as(client, thread.maya, thread.url)
    read_as(client, thread.lead, thread.url)
    assert batches == [[BLAME]]


def test_a_failing_model_leaves_the_thread_readable_without_the_feedback(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = make_thread(session)
    opt_in(session, thread)

    def broken(replies: list[str], **options: bool) -> list[dict[str, LabelVerdict]]:
        raise RuntimeError("the encoder's file is missing")

    monkeypatch.setattr(autoqa, "label_replies", broken)
    autoqa._verdicts.clear()
    page = read_as(client, thread.maya, thread.url)
    assert str(escape(BLAME)) in page and SUMMARY not in page
