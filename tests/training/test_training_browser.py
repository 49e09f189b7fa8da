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


def test_the_training_lists_fit_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the drills list was 585 px wide, the reflections 616, progress 551,
    the practice history 428 and the review queue 394: the whole page scrolled sideways. The
    tables now scroll inside themselves."""
    from datetime import date

    from poise.training.drills import actions as drills
    from poise.training.reflections import actions as reflections

    lead = make_user(session, role="lead", team="Care", name="Lena Lead")
    agent = make_user(session, team="Care", name="Maximiliana Oyelaran-Castellanos")
    lesson = actions.create_lesson(
        session,
        actor=lead,
        title="Owning the next step, even on the hardest launch day",
        body="Say **who** and **when**.",
        quiz=QUIZ,
    )
    due = datetime.now(UTC) + timedelta(days=3)
    actions.assign_lesson(session, actor=lead, lesson_id=lesson.id, user_id=agent.id, due_at=due)
    drills.open_drill(
        session,
        actor=lead,
        fields=drills.DrillFields(
            product="Web Dashboard", feature="New navigation", launch_on=date.today()
        ),
    )
    scenario = actions.create_scenario(
        session, actor=lead, title="Late refund", customer_text="Three weeks and no refund!"
    )
    attempt = actions.practise(
        session, actor=agent, scenario_id=scenario.id, reply="I'm sorry; I will refund it today."
    )
    actions.share_practice(session, actor=agent, attempt_id=attempt.id)
    reflections.create_reflection(session, actor=agent, text="I always freeze when they shout.")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    sign_in_page(page, live_server, agent, "/training/reflections")
    for path in ("/training/reflections", "/training/practice", "/training/drills"):
        page.goto(f"{live_server}{path}")
        assert page.locator("main table tbody tr").count() >= 1, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    page.context.clear_cookies()
    sign_in_page(page, live_server, lead, "/training/progress")
    for path in ("/training/progress", "/training/practice/review", "/training/drills"):
        page.goto(f"{live_server}{path}")
        assert page.locator("main table tbody tr").count() >= 1, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)


def test_a_reflection_s_scales_stay_inside_their_cards_on_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the pole at the end of each 1–7 scale ("7 Permanent") ran out of
    its card: the scale did not wrap."""
    from poise.training.reflections import actions as reflections

    agent = make_user(session)
    made = reflections.create_reflection(
        session, actor=agent, text="I always freeze when they shout. I'm useless at this job."
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, live_server, agent, f"/training/reflections/{made.id}")
    outside = page.evaluate(
        """() => [...document.querySelectorAll('.style-rating')].flatMap(card => {
            const edge = card.getBoundingClientRect().right;
            return [...card.querySelectorAll('.pole')]
                .filter(pole => pole.getBoundingClientRect().right > edge)
                .map(pole => pole.textContent); })"""
    )
    assert page.locator(".style-rating .pole").count() == 6
    assert outside == []


def test_a_word_without_spaces_wraps_instead_of_widening_the_page(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """A reflection of one 3,900-letter word (a pasted link, a key held down) made its page
    44,000 px wide: every line of the page then scrolled sideways to be read."""
    from poise.training.reflections import actions as reflections

    agent = make_user(session)
    held = reflections.create_reflection(session, actor=agent, text="a" * 3900)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_page(page, live_server, agent, "/training/reflections")
    for path in (f"/training/reflections/{held.id}", "/training/reflections"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (path, width)
