"""A refused form that quotes what was typed stays inside a phone's window."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page

pytestmark = pytest.mark.browser

PHONE = 390

FILL_QUIET_START = """long => {
  const form = document.querySelector("form[action='/alerts/rules']");
  form.noValidate = true;
  form.querySelector('[name=name]').value = 'VIP early warnings';
  form.querySelector('[name=threshold]').value = '60';
  const start = form.querySelector('[name=quiet_start]');
  start.type = 'text';
  start.value = long;
}"""


def test_a_message_quoting_a_long_value_wraps_inside_a_phones_window(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The alert rule's quiet hours (and time zone) quote the refused value back: 20,000
    characters without a space made the page 170,000 px wide, the message unreadable."""
    lead = make_user(session, role="lead", team="Care")
    session.commit()
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": 844})
    sign_in_page(page, live_server, lead, f"/alerts/new?team={lead.team_id}")
    page.evaluate(FILL_QUIET_START, "9" * 20_000)
    with page.expect_navigation():
        page.locator("form[action='/alerts/rules'] button[type=submit]").first.click()
    assert "write a time of day like 22:00" in page.locator("#quiet_start-error").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE
