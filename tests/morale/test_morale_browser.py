"""A collector runs a kudos round in a real browser, from preparation to publication."""

from __future__ import annotations

import os
from typing import Any

import pytest
from morale_builders import praised_conversation
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page
from poise.auth.models import Team
from poise.morale import actions, queries
from poise.morale.models import HappyItem

pytestmark = pytest.mark.browser

SPECIFIC = "Maya explained every step and called me back the next day, I'm so grateful!"


def test_a_kudos_round_from_preparation_to_publication(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    maya = make_user(session, name="Maya Lopez", team="Care")
    quinn = make_user(session, name="Quinn Quiet", team="Care")
    month = queries.previous_month()  # what the page offers by default
    at = actions.month_bounds(month)[0]
    praised_conversation(session, maya, comment="thanks", thanks="ok", at=at)
    praised_conversation(session, maya, comment=SPECIFIC, thanks="ok", at=at)
    team = session.scalars(select(Team)).one()
    collector = actions.rotating_collector(team, month)
    assert collector is not None
    page = browser_page

    sign_in_page(page, live_server, collector, "/morale/kudos")
    page.click(f"#prepare-{team.id} button")
    page.wait_for_url("**/morale/kudos/*")
    assert "How the board is ranked" in page.inner_text("details.how")
    maya_line = page.locator(f'.board-line[data-member="{maya.id}"]')
    assert maya_line.locator(".candidate.proposed q").inner_text() == SPECIFIC
    assert "No green robots" in page.locator(f'.board-line[data-member="{quinn.id}"]').inner_text()
    page.fill(f'textarea[name="custom_{quinn.id}"]', "Quinn kept the queue calm all month.")
    page.fill('textarea[name="note"]', "Thank you, team!")
    if os.environ.get("POISE_SCREENSHOTS"):
        page.screenshot(path=os.environ["POISE_SCREENSHOTS"] + "/kudos-board.png", full_page=True)
    page.click("#kudos-form button[type=submit]")
    page.wait_for_selector(".kudos-wall")
    cards = page.locator(".kudos-card").all_inner_texts()
    assert any(SPECIFIC in card and "Maya Lopez" in card for card in cards)
    assert any("Quinn kept the queue calm" in card for card in cards)
    assert "Published to the team" in page.inner_text(".flash")
    assert f"— {collector.name}" in page.inner_text(".round-note"), "signed by its writer"
    if os.environ.get("POISE_SCREENSHOTS"):
        page.screenshot(
            path=os.environ["POISE_SCREENSHOTS"] + "/kudos-published.png", full_page=True
        )


def test_keep_it_clicked_twice_sends_one_request_and_keeps_one_note(
    session: Session, live_server: str, browser_page: Any
) -> None:
    """ "Keep it" clicked again while the server was still answering sent the form twice (two
    notes kept): the page's script now sends a POST form once, and the button is usable
    again when Back returns to the form."""
    maya = make_user(session, name="Maya Lopez", team="Care")
    page = browser_page
    sign_in_page(page, live_server, maya, "/morale/happy-file")
    held: list[Any] = []  # the server is slow: each POST waits here until the clicks are done
    page.route("**/morale/happy-file", lambda r: _hold_posts(r, held))
    page.fill('#add-happy textarea[name="text"]', "You made my week, thank you!")
    box = page.locator("#add-happy button[type=submit]").bounding_box()
    assert box is not None
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(*middle)
    while not held:
        page.wait_for_timeout(20)
    page.mouse.click(*middle)
    page.wait_for_timeout(300)
    assert len(held) == 1, "one request for two clicks"
    held[0].continue_()
    page.wait_for_selector(".flash")
    assert "Kept in your Happy File." in page.inner_text(".flash")
    kept = session.scalars(select(HappyItem).where(HappyItem.owner_id == maya.id)).all()
    assert [item.text for item in kept] == ["You made my week, thank you!"]
    page.go_back()  # to the form as it was sent (from the back/forward cache, if kept there)
    page.wait_for_selector("#add-happy")
    assert page.locator("#add-happy button[type=submit]").is_enabled(), "it may go again"


def _hold_posts(route: Any, held: list[Any]) -> None:
    """Keep a POST waiting (as a slow server would); let every other request through."""
    if route.request.method == "POST":
        held.append(route)
    else:
        route.continue_()


def test_the_peer_reviews_page_fits_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """On a 390 px phone the peer reviews page was 470 px wide: the picker's longest
    conversation ("Name · subject…") widened the one-column layout, so the page scrolled
    sideways."""
    from builders import make_conversation

    lead = make_user(session, role="lead", team="Care", name="Lena Lead")
    agent = make_user(session, team="Care", name="Maya Lopez")
    teammate = make_user(session, team="Care", name="Maximiliana Oyelaran-Castellanos")
    make_conversation(
        session,
        subject="Charged twice for the annual plan after the upgrade last week",
        assignee_email=teammate.email,
    )
    actions.create_scorecard(session, actor=lead, name="Tough calls", categories=[("Empathy", 5)])
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    for who in (agent, lead):
        sign_in_page(page, live_server, who, "/morale/reviews")
        assert page.locator("#start-review select[name=conversation_id] option").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (who.name, width)
        page.context.clear_cookies()


def test_a_teammate_s_words_keep_their_line_breaks(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """A peer review's strengths written on two lines (as AutoQA's first draft writes them),
    and a kudos note and own words on two lines, were shown run together on one line."""
    from builders import make_conversation

    lead = make_user(session, role="lead", team="Care", name="Lena Lead")
    maya = make_user(session, team="Care", name="Maya Lopez")
    ben = make_user(session, team="Care", name="Ben Okoro")
    conv = make_conversation(session, subject="Refund", assignee_email=ben.email)
    card = actions.create_scorecard(session, actor=lead, name="Calls", categories=[("Empathy", 5)])
    review = actions.start_review(
        session, actor=maya, conversation_id=conv.id, scorecard_id=card.id
    )
    actions.submit_review(
        session,
        actor=maya,
        review_id=review.id,
        scores={card.categories[0].id: 4},
        strengths="Owned the refund.\nNamed the day it lands.",
        try_next="Say sorry once.\nThen the next step.",
    )
    actions.acknowledge_review(session, actor=ben, review_id=review.id, reply="Thanks!\nNoted.")
    team = session.scalars(select(Team)).one()
    kudos = actions.prepare_round(
        session, actor=lead, team_id=team.id, month=queries.previous_month()
    )
    actions.change_collector(session, actor=lead, round_id=kudos.id, collector_id=maya.id)
    own = actions.PickInput(ben.id, "Took every late shift.\nNever once grumbled.", own_words=True)
    actions.publish_round(
        session, actor=maya, round_id=kudos.id, picks=[own], note="Well done.\nAll of you."
    )
    page = browser_page

    sign_in_page(page, live_server, ben, f"/morale/reviews/{review.id}")
    assert page.inner_text("blockquote.strengths") == "Owned the refund.\nNamed the day it lands."
    assert page.inner_text(".review .try-next") == "Say sorry once.\nThen the next step."
    assert page.inner_text(".review .reply") == "Thanks!\nNoted."
    page.goto(f"{live_server}/morale/kudos/{kudos.id}")
    assert page.inner_text(".round-note").startswith("Well done.\nAll of you.")
    assert page.inner_text(".kudos-card .own-words").startswith(
        "Took every late shift.\nNever once grumbled."
    )
    # the card's signature looks like the note's, not like more of the words
    style = "el => [getComputedStyle(el).color, getComputedStyle(el).fontSize]"
    signed = page.eval_on_selector(".kudos-card .own-words footer", style)
    assert signed == page.eval_on_selector(".round-note footer", style)


# A search box's hint (its placeholder) against the room inside the field, measured in the
# field's own font: Chromium's scrollWidth leaves a placeholder out (210 of 210 px while the
# hint was cut), so the field's own overflow is checked besides, not instead.
HINT_CUT = """(field) => {
  const style = getComputedStyle(field);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = style.font;
  const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {hint: Math.ceil(pen.measureText(field.placeholder).width), room: Math.floor(room),
          scroll: field.scrollWidth, client: field.clientWidth};
}"""


def test_the_peer_review_search_shows_its_whole_hint(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """In the narrow card beside the reviews the search box read "Subject, purpose or
    cu": beside its label the field kept its default width, 194 px inside for a 223 px
    hint, at 1280 and 390 px alike. Under its label it takes the card's width."""
    from builders import make_conversation

    lead = make_user(session, role="lead", team="Care", name="Lena Lead")
    teammate = make_user(session, team="Care", name="Maya Lopez")
    make_conversation(session, subject="Charged twice", assignee_email=teammate.email)
    actions.create_scorecard(session, actor=lead, name="Tough calls", categories=[("Empathy", 5)])
    page = browser_page
    sign_in_page(page, live_server, lead, "/morale/reviews")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        field = page.locator("#find-conversation input[name=q]")
        seen = field.evaluate(HINT_CUT)
        assert seen["hint"] <= seen["room"] and seen["scroll"] <= seen["client"], (width, seen)
        if os.environ.get("POISE_SCREENSHOTS"):
            shot = f"{os.environ['POISE_SCREENSHOTS']}/peer-reviews-{width}.png"
            page.screenshot(path=shot, full_page=True)
