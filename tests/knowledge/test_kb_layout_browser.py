"""The manual's pages laid out in a real browser: the article form one field under another,
and every page within a phone's width."""

from __future__ import annotations

from typing import Any

import pytest
from kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in_page
from poise.knowledge import actions
from poise.knowledge.models import Proposal, ProposalMember
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


def test_a_refused_split_says_why_in_one_box_under_the_field(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The split's error was a bordered span inside an inline form: at 1280 px it started
    beside the button and broke onto the next line as two half boxes, and on a phone it ran
    in pieces down the page. Now it is one box under the field, within the screen."""
    lead = make_user(session, role="lead")
    ids = [make_conversation(session).id for _ in range(3)]
    proposal = Proposal(
        issue="My parcel is stuck in customs",
        phrasings=["stuck in customs"],
        resolution="Contact the carrier.",
        group_size=3,
        conversation_ids=ids,
        members=[ProposalMember(conversation_id=c, rank=r) for r, c in enumerate(ids)],
    )
    session.add(proposal)
    session.commit()
    page = browser_page
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        sign_in_page(page, live_server, lead, "/manual/proposals")
        split = page.locator(f'form[action="/manual/proposals/{proposal.id}/split"]')
        split.evaluate("form => { form.noValidate = true }")
        split.locator("input[name=parts]").fill("40")
        split.locator("button").click()
        error = page.locator(f"#split-error-{proposal.id}")
        assert "parts must be between 2 and 3" in error.inner_text()
        boxes = error.evaluate("e => e.getClientRects().length")
        assert boxes == 1, (width, boxes)
        box, field = error.bounding_box(), split.locator("input[name=parts]").bounding_box()
        assert box["y"] >= field["y"] + field["height"], (width, box, field)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.context.clear_cookies()
