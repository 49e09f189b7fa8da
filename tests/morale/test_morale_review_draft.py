"""A peer review's first draft from AutoQA: the words only, for an opted-in reviewee, and
what the reviewer typed or sent always wins over it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from morale_builders import post_form
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.models import Team, User
from poise.conversations.models import Conversation
from poise.conversations.records import MessageRecord
from poise.morale import actions
from poise.morale.models import PeerReview, PeerReviewScore, Scorecard
from poise.training import actions as training

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
UNDERSTAND = "I completely understand how frustrating this is."
BLAME = "You should have read the terms before booking, the fare was non-refundable."
SORRY = "I’m so sorry about the double charge, I’ve refunded it."
NOTE = "First draft from AutoQA — edit or clear it; nothing is saved until you submit."


def _conversation(session: Session, reviewee: User, *replies: tuple[User, str]) -> Conversation:
    """A customer's complaint, then each (author, body) reply in turn."""
    messages = [MessageRecord("c1", "customer", "I was charged twice for my fare!", AT, "Robin")]
    for n, (author, body) in enumerate(replies, start=1):
        at = AT + timedelta(minutes=n)
        messages.append(MessageRecord(f"a{n}", "agent", body, at, author.name, author.email))
    return make_conversation(session, start=AT, messages=messages, assignee_email=reviewee.email)


def _setup(session: Session, *, opted_in: bool) -> tuple[User, PeerReview, Scorecard]:
    """Ana reviews Ben, who acknowledged, blamed, then apologised and refunded; a teammate's
    brush-off in the same conversation is not Ben's."""
    lead = make_user(session, role="lead", team="Care")
    card = actions.create_scorecard(
        session, actor=lead, name="Tough calls", categories=[("Empathy", 5), ("Clarity", 3)]
    )
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    reviewee = make_user(session, name="Ben Reviewee", team="Care")
    mate = make_user(session, name="Cy Mate", team="Care")
    conv = _conversation(
        session,
        reviewee,
        (reviewee, f"{UNDERSTAND} {BLAME}"),
        (mate, "There is nothing I can do, it is our policy."),
        (reviewee, SORRY),
    )
    if opted_in:
        care = session.scalars(select(Team).where(Team.name == "Care")).one()
        training.set_autoqa(session, actor=lead, team_id=care.id, enabled=True)
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    return reviewer, review, card


def _textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match, f"no {name} text area"
    return html.unescape(match.group(1))


def test_the_form_starts_from_autoqas_draft_for_an_opted_in_reviewee_without_scores(
    client: TestClient, session: Session
) -> None:
    reviewer, review, _ = _setup(session, opted_in=True)
    sign_in(client, reviewer)
    page = client.get(f"/morale/reviews/{review.id}").text
    strengths, try_next = _textarea(page, "strengths"), _textarea(page, "try_next")
    assert NOTE in page and 'href="/help/training#autoqa"' in page
    assert "Acknowledged the customer's situation: “I completely understand”" in strengths
    assert "Apologised: “I’m so sorry”" in strengths
    assert "Took ownership: “I’ve refunded”" in strengths
    assert try_next.startswith("Blamed the customer: “You should have”")
    assert "Drop what the customer should have done" in try_next
    assert "nothing I can do" not in page  # the teammate's reply is not Ben's
    assert " checked" not in page  # the reviewer scores: no scale starts ticked
    empty = client.get(f"/morale/reviews/{review.id}?draft=0").text
    assert NOTE not in empty and _textarea(empty, "strengths") == ""
    session.expire_all()
    unchanged = session.get(PeerReview, review.id)
    assert unchanged is not None and unchanged.status == "assigned" and not unchanged.strengths
    assert session.scalars(select(PeerReviewScore)).all() == []  # the view wrote nothing


def test_no_draft_unless_the_team_opted_in_or_autoqa_found_something(
    client: TestClient, session: Session
) -> None:
    reviewer, review, card = _setup(session, opted_in=False)
    sign_in(client, reviewer)
    page = client.get(f"/morale/reviews/{review.id}").text
    assert NOTE not in page and _textarea(page, "strengths") == ""
    assert _textarea(page, "try_next") == ""
    care = session.scalars(select(Team).where(Team.name == "Care")).one()
    lead = session.scalars(select(User).where(User.role == "lead")).one()
    training.set_autoqa(session, actor=lead, team_id=care.id, enabled=True)
    silent = make_user(session, team="Care")  # wrote nothing in their conversation
    quiet = actions.start_review(
        session,
        actor=reviewer,
        conversation_id=_conversation(session, silent).id,
        scorecard_id=card.id,
    )
    page = client.get(f"/morale/reviews/{quiet.id}").text
    assert NOTE not in page and _textarea(page, "strengths") == ""


def test_a_refused_submission_keeps_what_the_reviewer_typed_not_the_draft(
    client: TestClient, session: Session
) -> None:
    reviewer, review, card = _setup(session, opted_in=True)
    csrf = sign_in(client, reviewer)
    url = f"/morale/reviews/{review.id}"
    assert NOTE in client.get(url).text
    empathy = card.categories[0].id
    typed = {f"score_{empathy}": 4, "strengths": "Owned the refund.", "try_next": ""}
    refused = post_form(client, f"{url}/submit", csrf, typed)
    assert refused.status_code == 400 and "Clarity" in refused.text
    assert _textarea(refused.text, "strengths") == "Owned the refund."
    assert _textarea(refused.text, "try_next") == ""  # cleared on purpose: stays cleared
    assert NOTE not in refused.text and 'value="4" required checked' in refused.text


def test_submitting_saves_what_was_submitted(client: TestClient, session: Session) -> None:
    reviewer, review, card = _setup(session, opted_in=True)
    csrf = sign_in(client, reviewer)
    url = f"/morale/reviews/{review.id}"
    drafted = _textarea(client.get(url).text, "strengths")
    assert drafted.startswith("Acknowledged")
    empathy, clarity = (c.id for c in card.categories)
    form = {
        f"score_{empathy}": 3,
        f"score_{clarity}": 2,
        "strengths": drafted.splitlines()[-1] + "\nAnd you kept it short.",
        "try_next": "",
    }
    assert post_form(client, f"{url}/submit", csrf, form).status_code == 303
    session.expire_all()
    sent = session.get(PeerReview, review.id)
    assert sent is not None and sent.status == "submitted"
    assert sent.strengths == "Took ownership: “I’ve refunded”\nAnd you kept it short."
    assert sent.try_next == ""
    assert {s.category_id: s.value for s in sent.scores} == {empathy: 3, clarity: 2}
    assert NOTE not in client.get(url).text


def test_an_odd_draft_value_opens_the_review_with_its_draft(
    client: TestClient, session: Session
) -> None:
    """``?draft=junk`` answered a bare error page ("Input should be a valid boolean"). The
    "Start from empty" link sends ``draft=0``; a mangled value means the page as it opens by
    default, so the draft stays and only an explicit off value empties the form."""
    reviewer, review, _ = _setup(session, opted_in=True)
    sign_in(client, reviewer)
    for odd in ("junk", "", "2", "maybe"):
        page = client.get(f"/morale/reviews/{review.id}", params={"draft": odd})
        assert page.status_code == 200, (odd, page.text[:200])
        assert NOTE in page.text and _textarea(page.text, "strengths"), odd
    for off in ("0", "false", "OFF", "no"):
        empty = client.get(f"/morale/reviews/{review.id}", params={"draft": off}).text
        assert NOTE not in empty and _textarea(empty, "strengths") == "", off
