"""The manual's lists read each related table once, however many articles a page shows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.actions import create_api_token
from support import statements_naming


def test_the_article_list_api_reads_the_phrasings_of_a_page_at_once(
    client: TestClient, session: Session
) -> None:
    """It read each article's phrasings on its own: 20 statements for a page of 20 articles."""
    lead = make_user(session, role="lead")
    manual = publish_manual(session, lead)
    token = create_api_token(session, actor=None, user=lead)
    with statements_naming("FROM kb_phrasings") as reads:
        response = client.get("/api/v1/kb/articles", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    listed = {item["title"]: item["phrasings"] for item in response.json()["items"]}
    assert len(listed) == len(manual) >= 3
    for title, article in manual.items():
        assert listed[title] == [p.text for p in article.phrasings]
    assert len(reads) == 1, reads
