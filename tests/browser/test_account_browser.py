"""A person changes their password in a real browser: a refusal beside its field with the
password fields empty, then the change, still signed in here and signed out on the other
device, under the CSP."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import PASSWORD, make_user, sign_in_page

pytestmark = pytest.mark.browser

NEW = "a-brand-new-password"


def test_a_person_changes_their_password(
    database_url: str, session: Session, live_server: str, browser_page: Any, chromium: Any
) -> None:
    agent = make_user(session, role="agent", team="Care")
    session.commit()
    other_device = chromium.new_context()
    try:
        phone = other_device.new_page()
        sign_in_page(phone, live_server, agent, "/account")

        page = browser_page
        refused: list[str] = []
        page.on(
            "console",
            lambda msg: refused.append(msg.text) if "Content Security" in msg.text else None,
        )
        sign_in_page(page, live_server, agent, "/account")
        page.fill("input[name=current_password]", "not-my-password")
        page.fill("input[name=new_password]", NEW)
        page.fill("input[name=confirm_password]", NEW)
        page.click("text=Change password")
        error = page.locator("#current_password-error")
        assert error.inner_text() == "that is not your current password"
        current = page.locator("input[name=current_password]")
        assert current.get_attribute("aria-invalid") == "true"
        for field in ("current_password", "new_password", "confirm_password"):
            assert page.locator(f"input[name={field}]").input_value() == "", "typed afresh"
        if os.environ.get("POISE_SCREENSHOTS"):
            page.screenshot(path=os.environ["POISE_SCREENSHOTS"] + "/account-password-refused.png")

        page.fill("input[name=current_password]", PASSWORD)
        page.fill("input[name=new_password]", NEW)
        page.fill("input[name=confirm_password]", NEW)
        page.click("text=Change password")
        page.wait_for_url(f"{live_server}/account")
        assert (
            "Password changed. You are still signed in here" in page.locator(".flash").inner_text()
        )
        assert page.locator("#current_password-error").count() == 0
        page.reload()
        assert page.url == f"{live_server}/account", "still signed in in this browser"
        assert page.locator("h1").inner_text() == "Your account"

        phone.goto(f"{live_server}/account")
        assert "/login" in phone.url, "the other device's session has ended"
        assert refused == []
    finally:
        other_device.close()
