"""The alert rule form as a lead sees it: short fields keep a short width, and the switch that
turns the rule on reads as one line with its words."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page

pytestmark = pytest.mark.browser


def test_the_alert_form_lays_out_its_short_fields_and_switch(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The percentage, the quiet hours and the hourly limit stretched across the window
    (1,180 px for "50"), and the "On" box sat alone in the middle of a row above its word."""
    lead = make_user(session, role="lead", team="Billing")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    landing = f"/alerts/new?team={lead.team_id}"
    sign_in_page(page, live_server, lead, landing)
    for name in ("threshold", "quiet_start", "quiet_end", "hourly_limit"):
        box = page.locator(f"input[name={name}]").bounding_box()
        assert box is not None and box["width"] < 200, (name, box)
    switch = page.locator("input[name=enabled]").bounding_box()
    words = page.get_by_text("On: send alerts for this rule").bounding_box()
    assert switch is not None and words is not None
    assert abs(switch["y"] + switch["height"] / 2 - (words["y"] + words["height"] / 2)) < 12
    assert switch["x"] < 100
