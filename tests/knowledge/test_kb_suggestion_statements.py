"""A conversation's suggestions read the manual's version once and search each wording once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.conversations.records import MessageRecord
from poise.knowledge.search import fts_query
from poise.knowledge.suggest import customer_queries, purpose_queries
from support import statements_naming

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TURNS = [
    "Where is my refund? It's been two weeks.",
    "I asked for it on the 3rd.",
    "Also my card was declined at checkout",
]
SEARCHED = ("FROM kb_fts", "FROM kb_search_entries")  # the full text: SQLite FTS5, PostgreSQL


@pytest.mark.parametrize("path", ["/manual/suggestions/{id}", "/api/v1/kb/suggestions/{id}"])
def test_suggestions_search_each_wording_once(
    client: TestClient, session: Session, path: str
) -> None:
    """Each search of the request read the manual's version and checked the full-text table
    again: 19 statements, 4 version reads, the same wording searched twice when the agent's
    purpose was the customer's latest words."""
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    messages = [
        MessageRecord(f"m{n}", "customer", text, START + timedelta(minutes=n), "Robin Customer")
        for n, text in enumerate(TURNS)
    ]
    conv = make_conversation(session, messages=messages, purpose=TURNS[-1])
    wordings = purpose_queries(conv, TURNS[0]) + customer_queries(TURNS)
    distinct = {fts_query(w) for w in wordings}
    assert len(distinct) < len(wordings)  # the purpose is also the latest turn's words
    sign_in(client, lead)
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    client.get(path.format(id=conv.id), headers=headers)  # the manual's index, once a version
    with (
        statements_naming("instance_facts") as versions,
        statements_naming("sqlite_master") as checks,
        statements_naming(*SEARCHED) as searches,
    ):
        response = client.get(path.format(id=conv.id), headers=headers)
    assert response.status_code == 200, response.text
    assert "Card declined at checkout" in response.text
    assert len(versions) == 1, versions
    assert len(checks) <= 1, checks
    assert len(searches) == len(distinct), searches
