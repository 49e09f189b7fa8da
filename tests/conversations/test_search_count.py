"""The list's search counts its matches up to a cap; the API's total stays exact."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import conversation_record, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.conversations import queries
from poise.conversations.writer import write_conversations
from support import statements_naming

MATCHES = 45  # over two pages of the tests' 20


def seed(session: Session) -> None:
    """``MATCHES`` refund conversations and one that is not about a refund."""
    records = [conversation_record(subject=f"Refund {i} not received") for i in range(MATCHES)]
    other = conversation_record(subject="Router drops", customer_text="My router drops the line")
    write_conversations(session, "test", [*records, other])
    session.commit()


def test_a_search_counts_at_most_its_cap(client: TestClient, session: Session) -> None:
    """A search's count read every conversation, the words sought in each: 55-72 ms at
    52,000 conversations, the slowest page at scale."""
    seed(session)
    sign_in(client, make_user(session, role="admin"))
    with statements_naming("LIKE") as searched:
        page = client.get("/conversations?q=refund")
    assert page.status_code == 200
    counts = [s for s in searched if "count(" in s]
    assert len(counts) == 1, searched
    assert "LIMIT" in counts[0], counts[0]
    assert f"{MATCHES} conversations match these filters · page 1 of 3" in page.text


def test_more_matches_than_the_cap_say_more_than(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 30, raising=False)
    seed(session)
    admin = make_user(session, role="admin")
    sign_in(client, admin)
    page = client.get("/conversations?q=refund").text
    assert "more than 30 conversations match these filters · page 1<" in page
    assert "page 1 of" not in page, "no last page named: the end is not known"
    assert 'rel="next" href="?q=refund&amp;page=2"' in page
    second = client.get("/conversations?q=refund&page=2").text
    assert "more than 30 conversations match these filters · page 2<" in second
    assert 'rel="prev"' in second and 'rel="next" href="?q=refund&amp;page=3"' in second
    last = client.get("/conversations?q=refund&page=3").text
    assert f"{MATCHES} conversations match these filters · page 3 of 3" in last, (
        "a page that is not full ends the list, and so tells the total"
    )
    past = client.get("/conversations?q=refund&page=9").text
    assert "the list ends at page 3" in past, "an empty page is counted in full"
    assert f"{MATCHES + 1} conversations in all" in client.get("/conversations").text, (
        "a plain list keeps its exact total"
    )
    token = create_api_token(session, actor=None, user=admin)
    api = client.get(
        "/api/v1/conversations?q=refund&page_size=20", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.json()["total"] == MATCHES and api.json()["pages"] == 3, "the API's stay exact"
    assert api.headers["X-Total-Count"] == str(MATCHES)
