"""The help in a real browser: a "What is this?" link lands on its section, under the CSP."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page
from poise.web.help import HELP_PAGES

pytestmark = pytest.mark.browser


def test_a_help_link_lands_on_its_section(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    agent = make_user(session, role="agent", team="Care")
    page = browser_page
    refused: list[str] = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security" in msg.text else None
    )
    sign_in_page(page, live_server, agent, "/signals")
    if os.environ.get("POISE_SCREENSHOTS"):
        page.screenshot(path=os.environ["POISE_SCREENSHOTS"] + "/signals-help-link.png")
    page.click("a.help-link")
    page.wait_for_url(f"{live_server}/help/signals#early-warning")
    assert page.evaluate("document.querySelector('section:target').id") == "early-warning"
    if os.environ.get("POISE_SCREENSHOTS"):
        page.screenshot(path=os.environ["POISE_SCREENSHOTS"] + "/help-signals.png")
    for help_page in HELP_PAGES:
        page.goto(f"{live_server}{help_page.href}")
        assert page.locator("h1").inner_text() == help_page.title
    page.click("header.topbar >> text=Help")
    page.wait_for_url(f"{live_server}/help")
    if os.environ.get("POISE_SCREENSHOTS"):
        page.screenshot(path=os.environ["POISE_SCREENSHOTS"] + "/help-index.png", full_page=True)
    assert refused == []


def test_the_signals_page_marks_the_view_it_shows(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    agent = make_user(session, role="agent", team="Care")
    session.commit()
    page = browser_page
    sign_in_page(page, live_server, agent, "/signals")

    def weights() -> dict[str, str]:
        tabs = page.locator("nav.tabs a")
        return {
            tabs.nth(i).inner_text(): tabs.nth(i).evaluate("a => getComputedStyle(a).fontWeight")
            for i in range(tabs.count())
        }

    assert weights() == {"All I can open": "600", "Mine": "400", "My team": "400"}
    page.click("nav.tabs >> text=Mine")
    page.wait_for_url(f"{live_server}/signals?assignee=me")
    assert weights() == {"All I can open": "400", "Mine": "600", "My team": "400"}


def test_every_help_page_fits_a_320_px_window(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The conversations help's CSV table (``conversation_id`` in a code cell does not break)
    pushed the whole page to 437 px on a 390 px phone; help tables now scroll inside themselves."""
    admin = make_user(session, role="admin")
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_page(page, live_server, admin, "/help")
    wide = {}
    for help_page in HELP_PAGES:
        page.goto(f"{live_server}{help_page.href}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[help_page.href] = width
    assert wide == {}
