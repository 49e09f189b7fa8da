"""In a real browser: the conversation page fills in the manual's suggestions by itself, and
they follow the customer when a new turn raises another issue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in_page
from poise.conversations.models import Message

pytestmark = pytest.mark.browser


def test_conversation_page_shows_and_updates_suggestions(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    publish_manual(session, lead)
    conv = make_conversation(session, customer_text="Hello, my card was declined at checkout")
    page = browser_page
    sign_in_page(page, live_server, agent, f"/conversations/{conv.id}")
    first = page.locator("#kb-suggestions .kb-suggestion a").first
    first.wait_for()
    assert first.inner_text() == "Card declined at checkout"
    assert page.locator("#kb-suggestions mark").count() >= 1

    session.add(
        Message(
            conversation_id=conv.id,
            external_id="m3",
            author_role="customer",
            body="Also, how do I cancel my subscription? Stop charging me every month.",
            sent_at=datetime(2026, 11, 2, 9, 10, tzinfo=UTC) + timedelta(minutes=1),
        )
    )
    session.commit()
    # A selector, not wait_for_function: the Content-Security-Policy refuses evaluated strings.
    page.locator("#kb-suggestions[data-turns='2']").wait_for(timeout=15_000)
    titles = page.locator("#kb-suggestions .kb-suggestion > a").all_inner_texts()
    assert "Cancel a subscription" in titles[:2]
    page.click("#kb-suggestions .kb-suggestion button")  # "use this" on the top one
    page.wait_for_url(f"**/conversations/{conv.id}")
    page.locator("#kb-suggestions .badge").wait_for()
