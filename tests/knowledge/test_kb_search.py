"""Hybrid search: the API, the search page, highlighting, and gaps logged when nothing fits."""

from __future__ import annotations

from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.knowledge import actions
from poise.knowledge.models import Gap


def auth(session: Session, role: str = "agent") -> dict[str, str]:
    user = make_user(session, role=role)
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def test_api_finds_the_issue_in_other_words_with_highlights(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    headers = auth(session)
    body = client.get(
        "/api/v1/kb/search", params={"q": "my refund still hasn't shown up"}, headers=headers
    ).json()
    assert body["gap"] is False
    assert body["hits"][0]["title"] == "Refund not received"
    assert "<mark>refund</mark>" in body["hits"][0]["highlight"].lower()
    # Hardly a shared word: found by meaning.
    body = client.get(
        "/api/v1/kb/search", params={"q": "the bank refused my visa when I paid"}, headers=headers
    ).json()
    assert body["hits"][0]["title"] == "Card declined at checkout"
    assert client.get("/api/v1/kb/search", headers=headers).status_code == 422
    assert session.query(Gap).count() == 0


def test_unmatched_issue_is_a_gap_and_is_logged(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    body = client.get(
        "/api/v1/kb/search",
        params={"q": "what will the weather be in Lisbon tomorrow"},
        headers=auth(session),
    ).json()
    assert body["gap"] is True and body["confidence"] < 0.55
    gap = session.query(Gap).one()
    assert gap.query == "what will the weather be in Lisbon tomorrow"
    sign_in(client, lead)
    report = client.get("/manual/gaps").text
    assert "what will the weather be in Lisbon tomorrow" in report


def test_only_published_articles_are_found(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    articles = publish_manual(session, lead)
    refund = articles["Refund not received"]
    actions.change_status(session, actor=lead, article_id=refund.id, status="retired")
    body = client.get(
        "/api/v1/kb/search", params={"q": "where is my refund"}, headers=auth(session)
    ).json()
    assert "Refund not received" not in [h["title"] for h in body["hits"]]


def test_search_page_highlights_and_says_when_it_is_a_gap(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    publish_manual(session, lead)
    sign_in(client, agent)
    assert "Type what the customer said" in client.get("/manual/search").text
    page = client.get("/manual/search", params={"q": "I forgot my password"}).text
    assert "Password reset email missing" in page
    assert "<mark>password</mark>" in page.lower()
    page = client.get("/manual/search", params={"q": "<b>do you sell gift vouchers for horses</b>"})
    assert "logged as a gap" in page.text and "<b>do you" not in page.text


def test_search_with_an_empty_manual_says_so(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="agent"))
    page = client.get("/manual/search", params={"q": "refund"}).text
    assert "No published article yet" in page


def test_conversation_suggestions_follow_the_customer(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    publish_manual(session, lead)
    conv = make_conversation(session, customer_text="Hi, my card got declined when paying")
    sign_in(client, agent)
    fragment = client.get(f"/manual/suggestions/{conv.id}").text
    assert fragment.index("Card declined at checkout") < fragment.index("Refund not received")
    detail = client.get(f"/conversations/{conv.id}").text
    assert 'id="kb-suggestions"' in detail and "/manual/kb.js" in detail
    assert client.get("/manual/kb.js").headers["content-type"].startswith("text/javascript")


def test_assist_answer_carries_article_suggestions(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    response = client.post(
        "/api/v1/assist",
        json={
            "messages": [
                {"author_role": "customer", "body": "I can't log in, I forgot my password"},
                {"author_role": "agent", "body": "Let me help."},
            ]
        },
        headers=auth(session),
    )
    assert response.status_code == 200, response.text
    articles = response.json()["articles"]
    assert articles["hits"][0]["title"] == "Password reset email missing"
    assert articles["gap"] is False and articles["turns"] == 1


def test_a_conversation_gap_is_logged_once_and_cleared_when_a_turn_matches(
    client: TestClient, session: Session
) -> None:
    from datetime import UTC, datetime

    from poise.conversations.models import Message

    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    conv = make_conversation(session, customer_text="Do you sell gift vouchers for horses?")
    sign_in(client, make_user(session, role="agent"))
    for _ in range(2):
        box = client.get(f"/manual/suggestions/{conv.id}").text
        assert "logged as a gap" in box
    gap = session.query(Gap).one()
    assert (gap.conversation_id, gap.product) == (conv.id, "Poise Mobile")
    session.add(
        Message(
            conversation_id=conv.id,
            external_id="m9",
            author_role="customer",
            body="Forget that. My card was declined when I tried to pay.",
            sent_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        )
    )
    session.commit()
    box = client.get(f"/manual/suggestions/{conv.id}").text
    assert "logged as a gap" not in box and "Card declined at checkout" in box
    assert session.query(Gap).count() == 0
