"""Peer reviews: a lead's scorecard, strengths first, acknowledged and answered, calibrated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from morale_builders import post_form, praised_conversation
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import conversation_record, make_conversation, make_user, sign_in
from poise.auth.models import User
from poise.conversations.writer import write_conversations
from poise.db.base import utcnow
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.morale import actions, queries
from poise.morale.models import PeerReview, Scorecard


def _scorecard(session: Session, lead_team: str = "Care") -> Scorecard:
    lead = make_user(session, role="lead", team=lead_team)
    return actions.create_scorecard(
        session, actor=lead, name="Tough calls", categories=[("Empathy", 5), ("Clarity", 3)]
    )


def test_a_review_from_start_to_reply(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead", team="Care")
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    reviewee = make_user(session, name="Ben Reviewee", team="Care")
    conv = praised_conversation(session, reviewee, subject="Router saga")

    csrf = sign_in(client, lead)
    created = post_form(
        client,
        "/morale/scorecards",
        csrf,
        {"name": "Tough calls", "categories": "Empathy | 5\nClarity | 3"},
    )
    assert created.status_code == 303
    card = session.scalars(select(Scorecard)).one()

    client.cookies.clear()
    csrf = sign_in(client, reviewer)
    assert "Router saga" in client.get("/morale/reviews").text
    started = post_form(
        client,
        "/morale/reviews",
        csrf,
        {"conversation_id": conv.id, "scorecard_id": card.id},
    )
    review_url = started.headers["location"]
    empathy, clarity = (c.id for c in card.categories)
    incomplete = post_form(
        client, f"{review_url}/submit", csrf, {f"score_{empathy}": 5, "strengths": "Calm"}
    )
    assert incomplete.status_code == 400 and "Clarity" in incomplete.text
    no_strengths = post_form(
        client, f"{review_url}/submit", csrf, {f"score_{empathy}": 5, f"score_{clarity}": 2}
    )
    assert no_strengths.status_code == 400 and "strengths" in no_strengths.text
    sent = post_form(
        client,
        f"{review_url}/submit",
        csrf,
        {
            f"score_{empathy}": 5,
            f"score_{clarity}": 2,
            "strengths": "You named the worry before they did.",
            "try_next": "Summarise the fix at the end.",
        },
    )
    assert sent.status_code == 303

    client.cookies.clear()
    csrf = sign_in(client, reviewee)
    page = client.get(review_url).text
    assert page.index("named the worry") < page.index("Summarise the fix")
    post_form(client, f"{review_url}/acknowledge", csrf, {"reply": "Thank you, Ana!"})
    review = session.scalars(select(PeerReview)).one()
    session.refresh(review)
    assert review.acknowledged_at is not None and review.reply == "Thank you, Ana!"

    client.cookies.clear()
    sign_in(client, make_user(session, team="Care"))  # a teammate who is neither
    assert client.get(review_url).status_code == 404


def test_only_leads_configure_scorecards_and_reviews_stay_in_the_team(
    session: Session,
) -> None:
    card = _scorecard(session)
    agent = make_user(session, team="Care")
    with pytest.raises(PermissionDenied):
        actions.create_scorecard(session, actor=agent, name="Mine", categories=[("A", 5)])
    outsider = make_user(session, team="Billing")
    conv = praised_conversation(session, make_user(session, team="Care"))
    with pytest.raises(NotFound, match=f"^no conversation with id {conv.id}$"):  # not "exists"
        actions.start_review(session, actor=outsider, conversation_id=conv.id, scorecard_id=card.id)
    own = praised_conversation(session, agent)
    with pytest.raises(InvalidInput):
        actions.start_review(session, actor=agent, conversation_id=own.id, scorecard_id=card.id)
    with pytest.raises(InvalidInput):
        actions.parse_categories("Empathy | 40")


def test_a_scorecard_refuses_a_long_repeated_or_endless_list_of_categories(
    client: TestClient, session: Session
) -> None:
    """A 300-character category name was refused as "a scale runs from 1 to between 2 and
    10"; "Empathy" twice, or sixty categories, were put on every review form."""
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    cases = {
        "x" * 300: "category names are at most 120 characters",
        "Empathy | 5\nClarity\nempathy | 3": "category &#39;empathy&#39; is listed twice",
        "\n".join(f"Skill {n}" for n in range(13)): "at most 12 categories (this one has 13)",
    }
    for categories, said in cases.items():
        refused = post_form(
            client, "/morale/scorecards", csrf, {"name": "Card", "categories": categories}
        )
        assert refused.status_code == 400
        error = refused.text.split('id="categories-error">', 1)[1].split("</span>", 1)[0]
        assert said in error and "x" * 100 not in error
    assert session.scalars(select(Scorecard)).all() == []
    assert len(actions.parse_categories("\n".join(f"Skill {n}" for n in range(12)))) == 12


def test_a_scorecard_named_like_one_in_use_or_too_long_is_refused_beside_its_name(
    client: TestClient, session: Session
) -> None:
    """A double-submitted form put two "Weekly card" entries in the reviewers' list, and a long
    name was cut at 120 characters without a word."""
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    form = {"name": "Weekly card", "categories": "Empathy\nClarity"}
    assert post_form(client, "/morale/scorecards", csrf, form).status_code == 303
    for name in ("WEEKLY CARD", "x" * 121):
        refused = post_form(client, "/morale/scorecards", csrf, {**form, "name": name})
        assert refused.status_code == 400, name
        error = refused.text.split('id="name-error">', 1)[1].split("</span>", 1)[0]
        assert "already in use" in error or "at most 120 characters (this one has 121)" in error
        assert "Empathy\nClarity" in refused.text, "the categories typed are kept"
    assert session.scalars(select(Scorecard.name)).all() == ["Weekly card"]
    other = make_user(session, role="lead", team="Billing")
    elsewhere = actions.create_scorecard(
        session, actor=other, name="Weekly card", categories=[("Tone", 5)]
    )
    assert elsewhere.team_id == other.team_id, "another team's lead may use the same name"


def test_a_scorecard_with_no_name_and_no_categories_says_both_at_once(
    client: TestClient, session: Session
) -> None:
    """The categories were read first and refused alone: the missing name was said only on
    the next try."""
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    refused = post_form(client, "/morale/scorecards", csrf, {"name": " ", "categories": ""})
    assert refused.status_code == 400
    name = refused.text.split('id="name-error">', 1)[1].split("</span>", 1)[0]
    listed = refused.text.split('id="categories-error">', 1)[1].split("</span>", 1)[0]
    assert "cannot be empty" in name and "at least one category" in listed
    assert session.scalars(select(Scorecard)).all() == []


def test_calibration_shows_agreement_between_two_reviewers(
    client: TestClient, session: Session
) -> None:
    card = _scorecard(session)
    first, second = make_user(session, team="Care"), make_user(session, team="Care")
    conv = praised_conversation(session, make_user(session, team="Care"))
    empathy, clarity = (c.id for c in card.categories)
    for reviewer, scores in ((first, (4, 2)), (second, (2, 2))):
        review = actions.start_review(
            session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
        )
        actions.submit_review(
            session,
            actor=reviewer,
            review_id=review.id,
            scores={empathy: scores[0], clarity: scores[1]},
            strengths="Warm tone",
            try_next="",
        )
    lead_user = make_user(session, role="lead", team="Care")
    result = queries.calibration(session, actor=lead_user, team_id=lead_user.team_id)
    assert result.conversations == 1
    assert result.categories[empathy].mean_absolute_difference == 2.0
    assert result.categories[empathy].exact_share == 0.0
    assert result.categories[clarity].exact_share == 1.0

    sign_in(client, lead_user)
    page = client.get("/morale/reviews/calibration").text
    assert "2.00" in page and "100%" in page
    client.cookies.clear()
    sign_in(client, first)
    assert client.get("/morale/reviews/calibration").status_code == 403
    with pytest.raises(PermissionDenied):
        other_lead = make_user(session, role="lead", team="Billing")
        queries.calibration(session, actor=other_lead, team_id=lead_user.team_id)
    client.cookies.clear()
    sign_in(client, make_user(session, role="admin"))  # in no team: asked which team first
    choose = client.get("/morale/reviews/calibration").text
    assert "choose the team to show" in choose and "No conversation has two reviews" not in choose
    assert f'href="/morale/reviews/calibration?team={lead_user.team_id}"' in choose
    assert "2.00" in client.get(f"/morale/reviews/calibration?team={lead_user.team_id}").text


def test_a_lead_assigns_a_review_within_their_team(client: TestClient, session: Session) -> None:
    card = _scorecard(session)
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    conv = praised_conversation(session, make_user(session, team="Care"), subject="Lost parcel")
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    assigned = post_form(
        client,
        "/morale/reviews",
        csrf,
        {"conversation_id": conv.id, "scorecard_id": card.id, "reviewer_id": reviewer.id},
    )
    assert assigned.status_code == 303
    review = session.scalars(select(PeerReview)).one()
    assert (review.reviewer_id, review.assigned_by_id, review.status) == (
        reviewer.id,
        lead.id,
        "assigned",
    )
    assert queries.my_reviews(session, actor=reviewer).to_do.items[0].id == review.id
    other_lead = make_user(session, role="lead", team="Billing")
    with pytest.raises(PermissionDenied):
        actions.start_review(
            session,
            actor=other_lead,
            conversation_id=conv.id,
            scorecard_id=card.id,
            reviewer=reviewer,
        )


def test_a_lead_follows_the_reviews_of_their_team_on_the_reviews_page(
    client: TestClient, session: Session
) -> None:
    """A review a lead assigns to a teammate stays in sight: the lead lands back on Peer
    reviews, which lists the team's reviews, waiting or written; another team's lead and an
    agent who neither wrote nor received one are not shown it."""
    card = _scorecard(session)
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    reviewee = make_user(session, name="Ben Reviewee", team="Care")
    conv = praised_conversation(session, reviewee, subject="Lost parcel")
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    fields = {"conversation_id": conv.id, "scorecard_id": card.id, "reviewer_id": reviewer.id}
    assert post_form(client, "/morale/reviews", csrf, fields).headers["location"] == (
        "/morale/reviews"
    )
    review = session.scalars(select(PeerReview)).one()
    page = " ".join(client.get("/morale/reviews").text.split())
    assert "Reviews in your team" in page
    assert f'href="/morale/reviews/{review.id}">Ana Reviewer reviews Ben Reviewee' in page
    assert "on “Lost parcel” · waiting" in page
    for outsider, has_list in (
        (make_user(session, role="lead", team="Billing"), True),
        (make_user(session, name="Cleo Teammate", team="Care"), False),
    ):
        client.cookies.clear()
        sign_in(client, outsider)
        seen = client.get("/morale/reviews").text
        assert ("Reviews in your team" in seen) is has_list and "Lost parcel”" not in seen
    client.cookies.clear()
    sign_in(client, make_user(session, role="admin"))
    every = " ".join(client.get("/morale/reviews").text.split())
    assert "Reviews in every team" in every and "on “Lost parcel” · waiting" in every


def test_a_lead_who_picks_the_agent_who_handled_it_is_told_beside_the_reviewer(
    client: TestClient, session: Session
) -> None:
    """A lead assigning a review to the very agent who handled the conversation got a bare
    error page saying "not your own" (it was not theirs), and their picks were gone."""
    card = _scorecard(session)
    handler = make_user(session, name="Rosa Handler", team="Care")
    conv = praised_conversation(session, handler, subject="Lost parcel")
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    picks = {"conversation_id": conv.id, "scorecard_id": card.id, "reviewer_id": handler.id}
    refused = post_form(client, "/morale/reviews", csrf, picks)
    assert refused.status_code == 400
    assert 'id="reviewer_id-error"' in refused.text
    assert "Rosa Handler handled this conversation: choose another reviewer" in refused.text
    assert f'<option value="{handler.id}" selected>' in refused.text
    assert f'<option value="{conv.id}" selected>' in refused.text
    assert session.scalars(select(PeerReview)).all() == []
    praised_conversation(session, make_user(session, team="Care"), subject="Teammate's")
    client.cookies.clear()
    csrf = sign_in(client, handler)  # reviewing one's own: said beside the conversation
    own = post_form(
        client, "/morale/reviews", csrf, {"conversation_id": conv.id, "scorecard_id": card.id}
    )
    assert own.status_code == 400 and 'id="conversation_id-error"' in own.text
    assert "not your own" in own.text


def test_a_review_names_a_conversation_gone_to_another_team_without_linking_it(
    client: TestClient, session: Session
) -> None:
    """The review page linked its conversation after it had gone to another team's agent,
    and the reviewer who opened the link met "this conversation belongs to another team"."""
    card = _scorecard(session)
    reviewer = make_user(session, team="Care")
    conv = praised_conversation(session, make_user(session, team="Care"), subject="Router saga")
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    sign_in(client, reviewer)
    assert f'href="/conversations/{conv.id}"' in client.get(f"/morale/reviews/{review.id}").text
    conv.assignee_id = make_user(session, team="Billing").id
    session.commit()
    assert client.get(f"/conversations/{conv.id}").status_code == 404  # as if missing
    page = client.get(f"/morale/reviews/{review.id}").text
    assert "Router saga" in page and f'href="/conversations/{conv.id}"' not in page


def test_strengths_that_show_nothing_are_refused(session: Session) -> None:
    """Zero-width spaces passed for the strengths a review must name first."""
    card = _scorecard(session)
    reviewer = make_user(session, team="Care")
    conv = praised_conversation(session, make_user(session, team="Care"))
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    scores = {c.id: 2 for c in card.categories}
    with pytest.raises(InvalidInput, match="strengths"):
        actions.submit_review(
            session,
            actor=reviewer,
            review_id=review.id,
            scores=scores,
            strengths="\u200b\u200e",
            try_next="",
        )
    session.rollback()
    done = actions.submit_review(
        session,
        actor=reviewer,
        review_id=review.id,
        scores=scores,
        strengths="Calm",
        try_next="\u200b",
    )
    assert done.status == "submitted" and done.try_next == ""


def _waiting_reviews(session: Session, subject: str) -> User:
    """Ana, with 21 reviews of Ben waiting for her (one more than the test app's page size,
    20), on conversations "<subject> 00" to "<subject> 20"."""
    card = _scorecard(session)
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    reviewee = make_user(session, name="Ben Reviewee", team="Care")
    for n in range(21):
        conv = make_conversation(
            session,
            external_id=f"{subject.lower()}-{n:02d}",
            subject=f"{subject} {n:02d}",
            assignee_email=reviewee.email,
        )
        actions.start_review(session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id)
    return reviewer


def test_each_review_list_pages_on_its_own(client: TestClient, session: Session) -> None:
    sign_in(client, _waiting_reviews(session, "Case"))
    first = client.get("/morale/reviews").text
    assert first.count("Review Ben Reviewee on") == 20
    assert "on “Case 20”" in first and "on “Case 00”" not in first
    assert "21 in all · page 1 of 2" in first
    assert 'href="?to_do=2"' in first
    second = client.get("/morale/reviews?to_do=2&given=3").text
    assert second.count("Review Ben Reviewee on") == 1 and "on “Case 00”" in second
    assert 'href="?given=3&amp;to_do=1"' in second  # the way back keeps the other list's page
    assert "reviewed anyone yet" in second  # an empty list says so on any page
    past = client.get("/morale/reviews?to_do=9").text
    assert "Nothing on page 9: the list ends at page 2." in past
    assert 'href="?to_do=2">Go to page 2' in past
    assert "2 waiting for you" not in client.get("/morale").text
    assert "21 waiting for you" in client.get("/morale").text


def test_the_review_picker_says_it_offers_the_newest_and_finds_older_ones(
    client: TestClient, session: Session
) -> None:
    _scorecard(session)
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    reviewee = make_user(session, name="Ben Reviewee", team="Care")
    for n in range(queries.REVIEW_PICKS + 2):
        make_conversation(
            session,
            external_id=f"pick-{n:02d}",
            subject=f"Case {n:02d}" + (" quokka" if n == 0 else ""),  # a word only it has
            assignee_email=reviewee.email,
        )
    sign_in(client, reviewer)
    page = client.get("/morale/reviews").text
    assert f"The newest 30 of {queries.REVIEW_PICKS + 2} conversations of your teammates" in page
    assert "Case 31</option>" in page and "Case 00 quokka</option>" not in page
    # ("00" alone would also find a customer id such as cust100: the builders count on)
    found = client.get("/morale/reviews?q=case+quokka").text
    assert "Case 00 quokka</option>" in found and "Case 31</option>" not in found
    assert "1 conversation of your teammates matching “case quokka”" in found
    assert 'name="q" value="case quokka"' in found
    none = client.get("/morale/reviews?q=nothing-like-it").text
    assert "matching “nothing-like-it”: try other words" in none and "start-review" not in none


def test_the_review_picker_counts_a_big_team_s_conversations_as_every_page_does(
    client: TestClient, session: Session
) -> None:
    """The picker said "The newest 30 of 1001 conversations" where every other count of
    conversations reads "1,001"."""
    _scorecard(session)
    teammate = make_user(session, name="Ben Reviewee", team="Care")
    records = [conversation_record(assignee_email=teammate.email) for _ in range(1001)]
    write_conversations(session, "helpdesk", records)
    session.commit()
    sign_in(client, make_user(session, name="Ana Reviewer", team="Care"))
    page = " ".join(client.get("/morale/reviews").text.split())
    assert "The newest 30 of 1,001 conversations of your teammates" in page
    found = " ".join(client.get("/morale/reviews?q=refund").text.split())
    assert "The newest 30 of 1,001 conversations of your teammates matching" in found


def test_the_review_lists_pages_keep_the_pickers_search_and_the_search_keeps_them(
    client: TestClient, session: Session
) -> None:
    sign_in(client, _waiting_reviews(session, "Router"))
    searched = client.get("/morale/reviews?q=router").text
    assert 'href="?q=router&amp;to_do=2"' in searched  # page 2 of "waiting" keeps the search
    paged = client.get("/morale/reviews?to_do=2").text
    assert '<input type="hidden" name="to_do" value="2">' in paged


def test_a_lead_retires_a_scorecard_and_brings_it_back(
    client: TestClient, session: Session
) -> None:
    """The scorecards page had no way to retire a card: it now has one, for a lead of the
    card's team or an admin; a retired card is offered for no new review, while the reviews
    made with it still show, and it is listed apart with Restore."""
    lead = make_user(session, role="lead", team="Care")
    reviewer = make_user(session, name="Ana Reviewer", team="Care")
    reviewee = make_user(session, name="Ben Reviewee", team="Care")
    categories = [("Empathy", 5), ("Clarity", 3)]
    card = actions.create_scorecard(session, actor=lead, name="Tough calls", categories=categories)
    conv = praised_conversation(session, reviewee, subject="Router saga")
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    retire = f"/morale/scorecards/{card.id}/retire"

    for outsider, status in (
        (make_user(session, role="lead", team="Billing"), 404),
        (reviewer, 403),
    ):
        csrf = sign_in(client, outsider)
        assert post_form(client, retire, csrf).status_code == status
        client.cookies.clear()
    csrf = sign_in(client, lead)
    page = client.get("/morale/scorecards").text
    assert "Retiring a scorecard takes it out of the list" in page and retire in page
    assert post_form(client, retire, csrf).status_code == 303
    session.refresh(card)
    assert not card.is_active
    page = client.get("/morale/scorecards").text
    assert "Retired" in page and f"/morale/scorecards/{card.id}/restore" in page
    assert retire not in page

    client.cookies.clear()
    csrf = sign_in(client, reviewer)
    assert f'<option value="{card.id}"' not in client.get("/morale/reviews").text
    other = praised_conversation(session, reviewee, subject="Second call")
    picks = {"conversation_id": other.id, "scorecard_id": card.id}
    assert post_form(client, "/morale/reviews", csrf, picks).status_code == 404
    shown = client.get(f"/morale/reviews/{review.id}").text
    assert "Tough calls" in shown and "Empathy" in shown and "Clarity" in shown

    client.cookies.clear()
    csrf = sign_in(client, lead)
    same_name = actions.create_scorecard(
        session, actor=lead, name="tough CALLS", categories=categories
    )
    restore = f"/morale/scorecards/{card.id}/restore"
    refused = post_form(client, restore, csrf)
    assert refused.status_code == 400 and "already in use" in refused.text
    assert post_form(client, f"/morale/scorecards/{same_name.id}/retire", csrf).status_code == 303
    assert post_form(client, restore, csrf).status_code == 303
    session.refresh(card)
    assert card.is_active
    assert [c.id for c in queries.scorecards_for(session, actor=reviewer)] == [card.id]


def test_only_an_admin_retires_a_scorecard_for_every_team(session: Session) -> None:
    admin = make_user(session, role="admin")
    lead = make_user(session, role="lead", team="Care")
    card = actions.create_scorecard(session, actor=admin, name="Everyone", categories=[("A", 5)])
    with pytest.raises(NotFound):
        actions.set_scorecard_retired(session, actor=lead, scorecard_id=card.id, retired=True)
    actions.set_scorecard_retired(session, actor=admin, scorecard_id=card.id, retired=True)
    assert queries.scorecards_for(session, actor=lead) == []
    assert queries.retired_scorecards(session, actor=lead) == []
    assert queries.retired_scorecards(session, actor=admin) == [card]


def test_a_scorecard_sent_twice_at_once_is_made_once_and_reads_as_made(
    client: TestClient, session: Session
) -> None:
    """Save clicked twice answered "a scorecard named 'Weekly card' is already in use" for the
    card the same click had just made; the repeat now reads as made. Other categories, another
    lead, or the same form later are still refused beside the name."""
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    form = {"name": "Weekly card", "categories": "Empathy\nClarity"}
    sent = [post_form(client, "/morale/scorecards", csrf, form) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[1].headers["location"] == "/morale/scorecards"
    assert "Scorecard Weekly card is ready" in client.get("/morale/scorecards").text
    assert session.scalars(select(Scorecard.name)).all() == ["Weekly card"]
    other = post_form(client, "/morale/scorecards", csrf, {**form, "categories": "Tone"})
    assert other.status_code == 400 and "already in use" in other.text
    client.cookies.clear()
    colleague = sign_in(client, make_user(session, role="lead", team="Care"))
    assert post_form(client, "/morale/scorecards", colleague, form).status_code == 400
    client.cookies.clear()
    csrf = sign_in(client, lead)
    card = session.scalars(select(Scorecard)).one()
    card.created_at = utcnow() - timedelta(minutes=3)
    session.commit()
    assert post_form(client, "/morale/scorecards", csrf, form).status_code == 400
    assert session.scalars(select(Scorecard.name)).all() == ["Weekly card"]


def test_a_refused_reply_to_a_review_keeps_the_words_beside_the_box(
    client: TestClient, session: Session
) -> None:
    """A reply over the limit gave the bare error page and lost what the agent wrote."""
    card = _scorecard(session)
    reviewer = make_user(session, team="Care")
    reviewee = make_user(session, team="Care")
    conv = praised_conversation(session, reviewee)
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    scores = {c.id: 1 for c in card.categories}
    actions.submit_review(
        session,
        actor=reviewer,
        review_id=review.id,
        scores=scores,
        strengths="Calm and kind.",
        try_next="",
    )
    csrf = sign_in(client, reviewee)
    long_reply = "Thank you! " * 400
    refused = post_form(
        client, f"/morale/reviews/{review.id}/acknowledge", csrf, {"reply": long_reply}
    )
    assert refused.status_code == 400 and "Calm and kind." in refused.text
    box = refused.text.split('<textarea name="reply"')[1]
    assert box.split(">", 1)[1].startswith(f"{long_reply}</textarea>")
    assert 'aria-invalid="true"' in box.split(">", 1)[0]
    assert 'id="reply-error">the reply is longer than 4000 characters' in box
    session.expire_all()
    assert session.get(PeerReview, review.id).acknowledged_at is None  # type: ignore[union-attr]


def test_a_review_submitted_twice_at_once_reads_as_sent(
    client: TestClient, session: Session
) -> None:
    """Submit clicked twice showed "this review was already submitted" for the review just
    sent; the repeat now thanks the reviewer and changes nothing. Other words, or the same
    ones later, are still refused."""
    card = _scorecard(session)
    reviewer = make_user(session, team="Care")
    conv = praised_conversation(session, make_user(session, team="Care"))
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    csrf = sign_in(client, reviewer)
    empathy, clarity = (c.id for c in card.categories)
    form = {
        f"score_{empathy}": 5,
        f"score_{clarity}": 2,
        "strengths": "You named the worry first.",
        "try_next": "Summarise the fix.",
    }
    url = f"/morale/reviews/{review.id}/submit"
    sent = [post_form(client, url, csrf, form) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[1].headers["location"] == f"/morale/reviews/{review.id}"
    assert "your review is with your teammate" in client.get(sent[1].headers["location"]).text
    session.expire_all()
    assert len(session.get(PeerReview, review.id).scores) == 2  # type: ignore[union-attr]
    changed = post_form(client, url, csrf, {**form, "strengths": "Something else."})
    assert changed.status_code == 400  # refused, and the page says why above the review
    said = changed.text.split('<section class="card review">')[0]
    assert '<p class="flash error" role="alert">this review was already submitted</p>' in said
    kept = session.get(PeerReview, review.id)
    assert kept is not None and kept.submitted_at is not None
    kept.submitted_at = utcnow() - timedelta(minutes=3)
    session.commit()
    assert post_form(client, url, csrf, form).status_code == 400
    session.expire_all()
    assert session.get(PeerReview, review.id).strengths == "You named the worry first."  # type: ignore[union-attr]


def test_a_review_missing_a_rating_and_its_strengths_says_both_at_once(
    client: TestClient, session: Session
) -> None:
    """A review sent without a category's rating and without strengths said only the rating;
    rated and sent again, it met the strengths next. Both are said at once, each beside its
    own field, with what was typed kept."""
    card = _scorecard(session)
    reviewer = make_user(session, team="Care")
    conv = praised_conversation(session, make_user(session, team="Care"))
    review = actions.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    empathy = card.categories[0].id
    csrf = sign_in(client, reviewer)
    sent = post_form(
        client,
        f"/morale/reviews/{review.id}/submit",
        csrf,
        {f"score_{empathy}": 4, "strengths": " ", "try_next": "Name the next step sooner"},
    )
    assert sent.status_code == 400
    assert "rate every category: Clarity" in sent.text
    assert "cannot be empty" in sent.text and 'id="strengths-error"' in sent.text
    assert "Name the next step sooner" in sent.text
    session.refresh(review)
    assert review.status != "submitted"
