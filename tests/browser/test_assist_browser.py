"""The assist page updates by itself when a webhook brings a new customer message."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from builders import PASSWORD, make_user
from poise.conversations.actions import create_integration, signature_for

pytestmark = pytest.mark.browser


def webhook(base: str, secret: str, message_id: str, body: str) -> httpx.Response:
    data = json.dumps(
        {
            "conversation": {
                "id": "Z-1",
                "channel": "chat",
                "subject": "Broken router",
                "customer": {"id": "cust-1", "name": "Kim"},
            },
            "message": {"id": message_id, "author_role": "customer", "body": body},
        }
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "X-Poise-Integration": "desk",
        "X-Poise-Timestamp": stamp,
        "X-Poise-Signature": signature_for(secret, data, stamp),
        "Content-Type": "application/json",
    }
    return httpx.post(f"{base}/api/v1/webhooks/messages", content=data, headers=headers)


def test_assist_panel_updates_after_a_webhook_message(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the browser journey runs once, on SQLite")
    agent = make_user(session, role="agent")
    secret = create_integration(session, actor=None, name="desk").secret
    first = webhook(live_server, secret, "m1", "Hi, my router setup page won't load.")
    assert first.status_code == 201, first.text
    conv_id = first.json()["conversation_id"]
    page = browser_page

    page.goto(f"{live_server}/login?next=/assist/{conv_id}")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/assist/{conv_id}")
    assert page.locator("#assist-thread .turn").count() == 1
    assert "abusive" not in page.locator("#assist-latest").inner_text()

    angry = "This is useless, you idiots. Fix it NOW or I'm cancelling everything!"
    assert webhook(live_server, secret, "m2", angry).status_code == 201
    # A selector, not wait_for_function: the Content-Security-Policy refuses evaluated strings.
    page.locator("#assist-thread .turn").nth(1).wait_for(timeout=15_000)
    latest = page.locator("#assist-latest").inner_text()
    assert "abusive" in latest
    assert "boundary" in page.locator("#assist-guidance").inner_text()
