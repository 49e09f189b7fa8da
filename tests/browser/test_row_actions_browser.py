"""Every table whose rows carry buttons (rename, delete, revoke, send a test alert…) keeps
each of them on a 390 px phone's screen, without the page scrolling sideways."""

from __future__ import annotations

import os
from typing import Any

import pytest
from connectors.alerts.alert_builders import ON_PREMISES, make_rule
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in_page
from poise.auth.actions import create_api_token
from poise.connectors.alerts.actions import queue_test
from poise.conversations.actions import create_integration
from poise.conversations.scoring import score_messages
from poise.knowledge import actions as manual
from poise.knowledge.search import search

pytestmark = pytest.mark.browser

PHONE = 390

# Each row's cells and controls whose left or right edge lies outside the window: on a phone
# the action column sat past the table's own scroll, where nobody looked for it.
OUT_OF_SIGHT = """() => [...document.querySelectorAll(
    'main table tbody :is(td, a, button, summary, select, input:not([type=hidden]))')]
  .filter(el => el.getClientRects().length)
  .map(el => [(el.textContent.trim() || el.name || el.tagName).slice(0, 40),
              el.getBoundingClientRect()])
  .filter(([, box]) => box.left < 0 || box.right > window.innerWidth)
  .map(([name, box]) => `${name} ${Math.round(box.left)}–${Math.round(box.right)}`)"""


def test_every_row_action_is_on_a_phones_screen(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """At 390 px a team's Delete began at 538 px, a rule's Send test alert at 677 px and
    an API token's Revoke at 373 px, inside tables as wide as their columns: reached only by
    scrolling the table sideways, past columns that gave no hint of what came after; the
    alert log's Sent began at 412 px. Rows now stack as cards there."""
    admin = make_user(session, role="admin", team="Care", name="Ada Admin")
    lead = make_user(session, role="lead", team="Care")
    make_user(session, team="Billing and invoices with a long team name")
    create_api_token(session, actor=admin, user=admin, name="helpdesk sync")
    create_integration(session, actor=admin, name="zammad")
    rule = make_rule(session, lead, target="http://127.0.0.1:9/hook", guard=ON_PREMISES)
    queue_test(session, actor=lead, rule_id=rule.id, base_url="http://poise")
    make_conversation(
        session,
        status="open",
        assignee_email=lead.email,
        customer_text="Third time I'm asking. Useless! Where is my refund?",
    )
    score_messages(session)
    manual.log_gap(session, actor=admin, result=search(session, "lights blink orange"))
    team_id = lead.team_id
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": 844})
    sign_in_page(page, live_server, admin, "/account")
    problems: dict[str, list[str]] = {}
    for path in (
        "/admin/teams",
        "/admin/users",
        "/admin/integrations",
        "/account",
        f"/alerts?team={team_id}",
        f"/alerts/log?team={team_id}",
        "/signals",
        "/manual/gaps",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("main table tbody :is(a, button)").count() > 0, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if out := page.evaluate(OUT_OF_SIGHT) + ([f"page {width} px"] if width > PHONE else []):
            problems[path] = out
        if os.environ.get("POISE_SCREENSHOTS"):
            name = path.strip("/").split("?")[0].replace("/", "-")
            shot = f"{os.environ['POISE_SCREENSHOTS']}/{name}-phone.png"
            page.screenshot(path=shot, full_page=True)
    assert not problems, "\n".join(f"{path}: {'; '.join(out)}" for path, out in problems.items())
