"""The assist page updates by itself when a webhook brings a new customer message."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import PASSWORD, make_user, post_live_message, sign_in_page
from poise.conversations.actions import create_integration

pytestmark = pytest.mark.browser


def test_assist_panel_updates_after_a_webhook_message(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    agent = make_user(session, role="agent")
    secret = create_integration(session, actor=None, name="desk").secret
    first = post_live_message(live_server, secret, "m1", "Hi, my router setup page won't load.")
    assert first.status_code == 201, first.text
    conv_id = first.json()["conversation_id"]
    page = browser_page

    sign_in_page(page, live_server, agent, f"/assist/{conv_id}")
    assert page.locator("#assist-thread .turn").count() == 1
    assert "abusive" not in page.locator("#assist-latest").inner_text()

    angry = "This is useless, you idiots. Fix it NOW or I'm cancelling everything!"
    assert post_live_message(live_server, secret, "m2", angry).status_code == 201
    # A selector, not wait_for_function: the Content-Security-Policy refuses evaluated strings.
    page.locator("#assist-thread .turn").nth(1).wait_for(timeout=15_000)
    latest = page.locator("#assist-latest").inner_text()
    assert "abusive" in latest
    assert "boundary" in page.locator("#assist-guidance").inner_text()


def test_the_manual_box_on_the_assist_page_brings_the_agent_back_to_it(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The manual box's "Log as a gap" on the assist page landed on the conversation page."""
    from builders import make_conversation

    agent = make_user(session, role="agent")
    conv = make_conversation(session, status="open", assignee_email=agent.email)
    page = browser_page
    sign_in_page(page, live_server, agent, f"/assist/{conv.id}")
    page.locator("form.kb-log-gap button").click()
    page.wait_for_url(f"**/assist/{conv.id}")
    assert "Logged as a gap" in page.locator(".flash").inner_text()
    assert page.locator("#assist-panel").count() == 1


GUIDANCE_CASES = [
    ("G-calm", "Good day. I have a short question. My invoice shows the wrong VAT number.", "calm"),
    (
        "G-leave",
        "Useless support. The app crashes every time I pay. Fix it now or I'm cancelling!",
        "leaving",
    ),
    ("G-abuse", "You are a useless idiot, put me through to someone with a brain.", "abuse"),
]


def test_assist_shows_the_purpose_lets_the_agent_correct_it_and_guides_each_kind(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    from builders import conversation_record
    from poise.conversations.scoring import score_messages
    from poise.conversations.writer import write_conversations

    agent = make_user(session, role="agent")
    records = [
        conversation_record(external_id=ext, subject=ext, customer_text=text)
        for ext, text, _ in GUIDANCE_CASES
    ]
    write_conversations(session, "test", records)
    session.commit()
    score_messages(session)
    from poise.conversations.models import Conversation

    ids = {c.external_id: c.id for c in session.query(Conversation)}
    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    for ext, _text, kind in GUIDANCE_CASES:
        page.goto(f"{live_server}/assist/{ids[ext]}")
        guidance = page.locator("#assist-guidance").inner_text()
        has_abuse = page.locator("#guidance-abuse").count() == 1
        has_leaving = page.locator("#guidance-leaving").count() == 1
        assert has_abuse is (kind == "abuse"), (ext, guidance)
        assert has_leaving is (kind == "leaving"), (ext, guidance)
        if kind == "calm":
            assert "neutral" in page.locator("#assist-latest").inner_text()
            purpose = page.locator("#assist-purpose").inner_text()
            assert "My invoice shows the wrong VAT number." in purpose
            assert "short question" not in purpose

    # Correct the purpose in one click: pick another sentence the customer wrote.
    page.goto(f"{live_server}/assist/{ids['G-leave']}")
    page.locator("details.purpose-fix summary").click()
    page.locator("form.inline-form button").first.click()
    page.wait_for_url(f"**/assist/{ids['G-leave']}")
    assert "set for this conversation" in page.locator("#assist-purpose").inner_text()
    # And in their own words.
    page.locator("details.purpose-fix summary").click()
    page.fill("#purpose-text", "Wants the app fixed")
    page.locator("details.purpose-fix form:not(.inline-form) button[type=submit]").first.click()
    page.wait_for_url(f"**/assist/{ids['G-leave']}")
    assert "Wants the app fixed" in page.locator("#assist-purpose").inner_text()
    session.expire_all()
    assert session.get(Conversation, ids["G-leave"]).purpose == "Wants the app fixed"


def test_on_a_phone_the_assist_panel_comes_before_the_thread(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a narrow screen the page is one column, and the panel came after the whole thread:
    an agent scrolled past every message to reach the guidance. Beside it on a wide screen."""
    from builders import make_conversation

    agent = make_user(session, role="agent")
    conv = make_conversation(session, status="open", assignee_email=agent.email)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in_page(page, live_server, agent, f"/assist/{conv.id}")
    panel, thread = page.locator("#assist-panel"), page.locator("#assist-thread")
    assert panel.bounding_box()["y"] < thread.bounding_box()["y"]
    page.set_viewport_size({"width": 1280, "height": 900})
    assert panel.bounding_box()["x"] > thread.bounding_box()["x"]
