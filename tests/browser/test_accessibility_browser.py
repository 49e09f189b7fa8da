"""Keyboard use in a real browser: the skip link, and the assist panel, which updates itself,
leaving the keyboard where it is."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, post_live_message, sign_in_page, write_thread
from poise.auth.actions import create_api_token
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation
from poise.conversations.scoring import score_messages
from poise.jobs.models import JobChunk, JobRun

pytestmark = pytest.mark.browser

FOCUSED = "document.activeElement"


def focused(page: Any, what: str = "") -> Any:
    """A property of the element that has the keyboard focus (evaluated by Playwright's own
    channel, which the Content-Security-Policy leaves alone)."""
    return page.evaluate(f"() => {FOCUSED}{what}")


def test_the_skip_link_is_the_first_stop_and_takes_the_keyboard_to_the_content(
    session: Session, live_server: str, browser_page: Any
) -> None:
    lead = make_user(session, role="lead", team="Care")
    make_conversation(session, status="open")
    page = browser_page
    sign_in_page(page, live_server, lead, "/conversations")
    skip = page.locator("a.skip-link")
    assert skip.bounding_box()["y"] < 0  # out of sight until the keyboard reaches it
    page.keyboard.press("Tab")
    assert focused(page, ".textContent") == "Skip to main content"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0  # shown while it has the focus
    page.keyboard.press("Enter")
    assert focused(page, ".id") == "main"
    page.keyboard.press("Tab")  # past the nav, the account links, the sign-out button
    assert focused(page, ".textContent") == "What is this?"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_the_assist_panel_waits_while_the_agent_types_in_it_then_says_it_changed(
    session: Session, live_server: str, browser_page: Any
) -> None:
    """A new turn swapped the whole panel under the agent typing a purpose: the focus and the
    words typed were gone. It now waits until the keyboard leaves, then updates and says so."""
    agent = make_user(session, role="agent")
    secret = create_integration(session, actor=None, name="desk").secret
    first = post_live_message(live_server, secret, "k1", "Hi, my router setup page won't load.")
    assert first.status_code == 201, first.text
    conv_id = first.json()["conversation_id"]
    page = browser_page
    sign_in_page(page, live_server, agent, f"/assist/{conv_id}")
    page.locator("details.purpose-fix summary").click()
    page.locator("#purpose-text").fill("Router setup page")
    page.locator("#purpose-text").focus()
    page.keyboard.type(" half-typed")

    angry = "This is useless. Fix it NOW or I'm cancelling everything!"
    assert post_live_message(live_server, secret, "k2", angry).status_code == 201
    page.wait_for_timeout(5_000)  # two of the panel's 2-second checks
    assert page.locator("#assist-thread .turn").count() == 1  # not swapped under the keyboard
    assert focused(page, ".id") == "purpose-text"
    assert page.locator("#purpose-text").input_value() == "Router setup page half-typed"

    page.locator("h1").click()  # the keyboard leaves the panel: now it updates
    page.locator("#assist-thread .turn").nth(1).wait_for(timeout=15_000)
    assert "up to date" in page.locator("#assist-news").inner_text()
    assert page.locator("#assist-news").get_attribute("role") == "status"


def test_on_a_phone_only_the_wide_tables_scroll_sideways_not_the_page(
    session: Session, live_server: str, browser_page: Any
) -> None:
    """At 320 CSS pixels (WCAG 1.4.10, a 1280 px window zoomed to 400%), the import history,
    the models' figures, the integrations and the alert rules and log pushed the whole page
    sideways: each table now scrolls inside itself."""
    admin = make_user(session, role="admin")
    team = make_user(session, role="lead", team="Care").team_id
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_page(page, live_server, admin, "/import")
    for url in ("/import", "/admin/models", "/admin/integrations", f"/alerts?team={team}"):
        page.goto(f"{live_server}{url}")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, url


def test_on_a_phone_the_tables_of_the_other_areas_scroll_inside_themselves(
    session: Session, live_server: str, browser_page: Any
) -> None:
    """The users, the teams and the account's API tokens pushed the whole page sideways at
    320 CSS pixels; the other areas' tables are held to it too."""
    admin = make_user(session, role="admin", name="Administrator With A Long Name")
    lead = make_user(session, role="lead", team="Customer Care Europe And Beyond")
    agent = make_user(session, role="agent", team="Customer Care Europe And Beyond")
    for n in range(3):
        write_thread(
            session,
            [
                ("customer", "My router keeps dropping the connection, this is useless."),
                ("agent", "Sorry about that. Let us reset it together."),
            ],
            external_id=f"phone-{n}",
            assignee_email=agent.email,
        )
    score_messages(session)
    create_api_token(session, actor=admin, user=admin, name="helpdesk-nightly-sync-of-tickets")
    job = failed_split_job(session)
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_page(page, live_server, admin, "/admin/users")
    wide = {}
    for url in (
        "/admin/users",
        "/admin/teams",
        "/admin/jobs",
        f"/admin/jobs/{job}",
        "/account",
        "/manual",
        "/manual/gaps",
        "/manual/fcr",
        "/insights",
        "/insights/conversations",
        "/insights/hotspots",
        "/insights/exposure",
        f"/insights/exposure/team?team={lead.team_id}",
        "/morale/balance",
        "/morale/reviews/calibration",
        "/training/progress",
        "/training/autoqa",
    ):
        page.goto(f"{live_server}{url}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[url] = width
    assert wide == {}


def failed_split_job(session: Session) -> int:
    """A scoring job split among workers, failed on a chunk a worker gave up on: the Jobs
    page's widest row (progress bar, owner, detail) and its job's chunk tables."""
    conversations = list(session.scalars(select(Conversation.id)))
    job = JobRun(
        kind="score",
        subject="sweep:" + ",".join(map(str, conversations)),
        status="failed",
        done=2,
        total=3,
        owner="worker-host-with-a-long-name.example.internal:123456",
        detail="it failed; the worker log has the detail (error 0123456789abcdef)",
    )
    session.add(job)
    session.flush()
    session.add(
        JobChunk(
            job_id=job.id,
            seq=0,
            keys=conversations,
            size=3,
            status="failed",
            attempts=3,
            owner="worker-host-with-a-long-name.example.internal:123456",
        )
    )
    session.commit()
    return job.id
