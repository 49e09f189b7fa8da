"""An agent opens Today in a real browser, takes an assigned lesson, then practises a reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page
from poise.training import actions

pytestmark = pytest.mark.browser

QUIZ = (
    "? Which sentence owns the next step?\n- Someone will be in touch\n* I will email you by noon"
)


def test_an_agent_does_today_s_lesson_and_a_practice_reply(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    agent = make_user(session, name="Maya Lopez")
    lesson = actions.create_lesson(
        session,
        actor=None,
        title="Owning the next step",
        body="Say **who** and **when**.",
        quiz=QUIZ,
    )
    due = datetime.now(UTC) + timedelta(days=3)
    actions.assign_lesson(session, actor=None, lesson_id=lesson.id, user_id=agent.id, due_at=due)
    scenario = actions.create_scenario(
        session, actor=None, title="Late refund", customer_text="Three weeks and no refund!"
    )
    page = browser_page

    sign_in_page(page, live_server, agent, "/training")
    assert f"1 to do: 1 assigned lesson, the soonest due {due.date()}" in page.inner_text(
        ".due-count"
    )
    page.click("text=Owning the next step")
    assert page.inner_text(".lesson-body strong") == "who"
    page.check("input[name=q0][value='1']")
    page.click("#quiz-form button[type=submit]")
    page.wait_for_url("**/training/attempts/*")
    assert "Passed." in page.inner_text(".result")
    page.click("text=Today")
    page.wait_for_url(f"{live_server}/training")
    assert "Nothing due today" in page.inner_text(".due-count")

    page.goto(f"{live_server}/training/practice/{scenario.id}")
    page.fill("textarea[name=reply]", "Calm down. You should have read the terms.")
    page.click("#practice-form button[type=submit]")
    page.wait_for_url("**/training/practice/replies/*")
    assert "calm down" in page.inner_text('[data-label="dismissive"]')
    assert "Apologise once" in page.inner_text('[data-label="apologizes"] .suggestion')
    page.click("text=All scenarios")
    assert "Late refund" in page.inner_text(".practice-history")
