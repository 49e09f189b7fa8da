"""The manual's pages laid out in a real browser: the article form one field under another,
and every page within a phone's width."""

from __future__ import annotations

from typing import Any

import pytest
from kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page
from poise.knowledge import actions
from poise.knowledge.search import search

pytestmark = pytest.mark.browser


def test_the_article_form_gives_each_field_the_whole_width(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The form was laid out as a filter bar: eight fields side by side in 220 px columns,
    the resolution (the article's steps) typed into a box a fifth of the window wide."""
    lead = make_user(session, role="lead")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_page(page, live_server, lead, "/manual/new")
    form = page.locator("form.kb-form").bounding_box()
    for field in ("input[name=title]", "textarea[name=issue]", "textarea[name=resolution]"):
        box = page.locator(f"form.kb-form {field}").bounding_box()
        assert box["width"] > 0.8 * form["width"], (field, box["width"], form["width"])
    title = page.locator("form.kb-form input[name=title]").bounding_box()
    resolution = page.locator("form.kb-form textarea[name=resolution]").bounding_box()
    assert resolution["y"] > title["y"] + title["height"], "one field under another"


def test_the_manual_pages_fit_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the article list was 587 px wide, the gap report 479 px and the
    search 547 px (its box kept 24rem): the whole page scrolled sideways. The tables now
    scroll inside themselves and the search box shrinks to the screen."""
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    asked = "The router's lights blink orange after the storm last night"
    actions.log_gap(session, actor=lead, result=search(session, asked))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, live_server, lead, "/manual")
    assert page.locator("table.kb-articles tbody tr").count() == 4
    for path in ("/manual", "/manual/search?q=where+is+my+refund", "/manual/gaps", "/manual/new"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    assert "blink orange" in page.goto(f"{live_server}/manual/gaps").text()
