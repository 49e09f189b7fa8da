"""Under the strict Content-Security-Policy, chromium refuses nothing on Poise's pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import PASSWORD, make_conversation, make_user

pytestmark = pytest.mark.browser


def test_pages_load_every_script_and_style_under_the_policy(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    lead = make_user(session, role="lead")
    conv = make_conversation(session)
    page = browser_page
    refused: list[str] = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security" in msg.text else None
    )

    page.goto(f"{live_server}/login?next=/conversations")
    page.fill("input[name=email]", lead.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/conversations")
    for path in ["/conversations", f"/conversations/{conv.id}", "/import", f"/assist/{conv.id}"]:
        page.goto(f"{live_server}{path}")
        assert page.evaluate("getComputedStyle(document.body).margin") is not None
    assert page.evaluate("typeof window.poise") == "object"  # our script ran
    page.goto(f"{live_server}/conversations/999999")  # the error page's "Go back" link
    page.click("a[data-back]")
    page.wait_for_url(f"{live_server}/assist/{conv.id}")
    assert refused == []
