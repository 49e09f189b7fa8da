"""The manual's pages laid out in a real browser: the article form one field under another."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page

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
