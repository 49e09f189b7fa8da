"""AutoQA in a real browser: an agent sees the feedback on their own replies and not a
teammate's; their lead sees the team's shares and no one's replies or names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in_page
from poise.auth.models import Team, User
from poise.conversations.models import Message
from poise.training import actions
from poise.training.feedback import label_reply

pytestmark = pytest.mark.browser

MAYA_REPLY = "You should have read the terms before booking, the fare was non-refundable."
BEN_REPLY = "I'm so sorry about the double charge, I've refunded it and will email you today."


def _reply(session: Session, agent: User, body: str) -> None:
    conv = make_conversation(session, subject=f"{agent.name}'s conversation")
    conv.assignee_id = agent.id
    session.add(
        Message(
            conversation_id=conv.id,
            external_id=f"r-{agent.id}",
            author_role="agent",
            author_name=agent.name,
            author_user_id=agent.id,
            body=body,
            sent_at=datetime(2026, 11, 2, 9, 6, tzinfo=UTC),
        )
    )
    session.commit()


def test_an_agent_sees_their_own_feedback_and_a_lead_team_shares_only(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    lead = make_user(session, role="lead", name="Lena Lead", team="Care")
    maya = make_user(session, name="Maya Lopez", team="Care")
    ben = make_user(session, name="Ben Okoro", team="Care")
    _reply(session, maya, MAYA_REPLY)
    _reply(session, ben, BEN_REPLY)
    team = session.scalars(select(Team).where(Team.name == "Care")).one()
    page = browser_page

    sign_in_page(page, live_server, maya, "/training/autoqa")  # off until the team opts in
    assert "AutoQA is off for your team" in page.inner_text(".autoqa-mine")
    actions.set_autoqa(session, actor=lead, team_id=team.id, enabled=True)
    label_reply("Thanks for waiting.")  # load the encoder here, not inside the page's timeout

    page.reload()
    replies = page.locator(".autoqa-reply")
    assert replies.count() == 1
    assert MAYA_REPLY in replies.inner_text()
    blame = replies.locator('.verdict[data-label="blames_customer"]')
    assert "yes" in blame.inner_text() and "fix" in (blame.get_attribute("class") or "")
    body = page.inner_text("main")
    assert BEN_REPLY not in body and "Ben Okoro" not in body
    assert page.locator(".autoqa-team").count() == 0, "an agent sees no team shares"

    page.goto(f"{live_server}/logout")
    page.context.clear_cookies()
    sign_in_page(page, live_server, lead, "/training/autoqa")
    shares = page.locator(f'.autoqa-team[data-team="{team.id}"]')
    assert "of the team's 2 replies" in shares.inner_text().lower()
    assert shares.locator('tr[data-label="blames_customer"] td').nth(1).inner_text() == "50%"
    assert shares.locator('tr[data-label="apologizes"] td').nth(1).inner_text() == "50%"
    body = page.inner_text("main")
    for private in (MAYA_REPLY, BEN_REPLY, "Maya Lopez", "Ben Okoro"):
        assert private not in body, f"a lead sees shares only, not {private!r}"


def test_an_agents_own_reply_carries_its_feedback_folded_on_the_conversation_page(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """Folded away until opened (the thread reads as before), and opening it needs no script."""
    lead = make_user(session, role="lead", name="Lena Lead", team="Care")
    maya = make_user(session, name="Maya Lopez", team="Care")
    _reply(session, maya, MAYA_REPLY)
    team = session.scalars(select(Team).where(Team.name == "Care")).one()
    actions.set_autoqa(session, actor=lead, team_id=team.id, enabled=True)
    label_reply("Thanks for waiting.")  # load the encoder here, not inside the page's timeout
    conv_id = session.scalars(select(Message.conversation_id).where(Message.body == MAYA_REPLY))
    page = browser_page

    sign_in_page(page, live_server, maya, f"/conversations/{conv_id.one()}")
    folded = page.locator("details.autoqa-on-reply")
    assert folded.count() == 1
    warning = folded.locator('.autoqa-warning[data-label="blames_customer"]')
    assert not warning.is_visible()
    folded.locator("summary").click()
    assert warning.is_visible() and "Blames the customer" in warning.inner_text()
    assert folded.locator('a[href="/help/training#autoqa"]').is_visible()
