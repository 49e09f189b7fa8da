"""Customer and importer text with words longer than the page: the pages of a conversation
wrap it instead of growing wider than the window."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in_page

pytestmark = pytest.mark.browser


def test_unbroken_words_do_not_widen_the_conversation_pages(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """A 300-character subject and a 120-character product without a space (an importer's
    id, a pasted token) made the list 2,560 px wide and the conversation page 4,900 px in a
    1,280 px window: the title, the details beside the thread and the table cells did not
    wrap."""
    agent = make_user(session, role="agent")
    conv = make_conversation(
        session,
        subject="S" * 300,
        product="P" * 120,
        purpose="A" * 280,
        status="open",
        assignee_email=agent.email,
        customer_text="B" * 2000 + " and my refund never came.",
    )
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_page(page, live_server, agent, "/conversations")
    for path in ("/conversations", "/signals", f"/conversations/{conv.id}", f"/assist/{conv.id}"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (path, width)


def test_the_signals_page_and_the_list_fit_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the Signals page was 486 px wide (the emotion chart is drawn 420 px
    wide, the attention table did not fit) and the list 804 px: the whole page scrolled
    sideways. The chart now scales down and the tables scroll inside themselves."""
    from datetime import UTC, datetime, timedelta

    from poise.conversations.scoring import score_messages

    agent = make_user(session, role="agent")
    recent = datetime.now(UTC) - timedelta(hours=2)
    for k in range(3):
        make_conversation(
            session,
            start=recent + timedelta(minutes=k),
            status="open",
            assignee_email=agent.email,
            customer_text="Third time I'm asking. Useless! Where is my refund?",
        )
    score_messages(session)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, live_server, agent, "/signals")
    assert page.locator("svg.bars").count() == 1, "the emotion chart is drawn"
    assert page.locator("main table tbody td.num").count() == 3, "three need attention"
    for path in ("/signals", "/conversations"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)


def test_the_list_keeps_words_whole_on_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the list's table scrolled inside itself, yet its text columns were
    squeezed to a few letters a line: "Cancellat|ion", "Web Dashboa|rd". Whole words now,
    in the cards its rows became (tests/browser/test_row_actions_browser.py)."""
    agent = make_user(session, role="agent")
    make_conversation(
        session, subject="Cancellation", product="Subscriptions", assignee_email=agent.email
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, live_server, agent, "/conversations")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('table.conversations td.text')].map(cell => {
            const range = document.createRange();
            range.selectNodeContents((cell.querySelector('a') || cell).firstChild);
            return [range.toString().trim(), range.getClientRects().length];
        })"""
    )
    assert ["Cancellation", 1] in lines and ["Subscriptions", 1] in lines, lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
