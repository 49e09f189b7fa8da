"""A lead's journey in a real browser: the dashboard, a product filter, the conversations
behind a number, and a hotspot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page
from insights.insight_builders import add_conversations

pytestmark = pytest.mark.browser


def test_a_lead_filters_follows_a_number_and_opens_a_hotspot(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    when = datetime.now(UTC) - timedelta(days=2)
    for product in ("Router", "Mesh", "Camera", "Hub"):
        unhappy = 24 if product == "Camera" else 3
        add_conversations(
            session, n=40, opened=when, product=product, assignee_id=agent.id, unhappy=unhappy
        )
    page = browser_page

    sign_in_page(page, live_server, lead, "/insights")
    assert page.inner_text('[data-figure="conversations"]') == "160"
    page.select_option("#filters select[name=product]", "Camera")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/insights?*product=Camera*")
    assert page.inner_text('[data-figure="unhappy_share"]') == "60.0%"
    page.click('[data-figure="unhappy_share"]')
    page.wait_for_url("**/insights/conversations?*metric=unhappy*")
    assert page.locator("table.conversations tbody tr").count() == 20  # the first page of 24
    assert "24 in all" in page.inner_text(".pagination")

    page.goto(f"{live_server}/insights/hotspots")
    page.click('table.hotspots a:has-text("Camera")')
    page.wait_for_url("**/insights/hotspot?*kind=product*")
    assert "Hotspot: early warnings stand above the rest." in page.inner_text("main")


def test_the_insights_pages_fit_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the dashboard was 773 px wide, the hotspots 679 px and the team's
    exposure 559 px: the whole page scrolled sideways. Their tables now scroll inside
    themselves, as the conversation list's do."""
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    when = datetime.now(UTC) - timedelta(days=2)
    for product in ("Router", "Camera"):
        add_conversations(session, n=25, opened=when, product=product, assignee_id=agent.id)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, live_server, lead, "/insights")
    assert page.inner_text('[data-figure="conversations"]') == "50"
    for path in ("/insights", "/insights/hotspots", "/insights/exposure/team"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
