"""An article's tags and phrasings are bounded like its other fields: a tag of 10,000
characters (or a phrasing of 500,000, embedded whole) is refused naming the field, not stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.actions import create_api_token
from poise.knowledge.models import Article


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"tags": ["x" * 10_000]}, "tag"), ({"phrasings": ["no signal " * 50_000]}, "phrasing")],
)
def test_a_tag_or_phrasing_past_its_limit_is_refused(
    client: TestClient, session: Session, extra: dict[str, list[str]], field: str
) -> None:
    lead = make_user(session, role="lead")
    auth = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    article = {"title": "Wifi drops", "issue": "The wifi keeps dropping", **extra}
    answer = client.post("/api/v1/kb/articles", json=article, headers=auth)
    assert answer.status_code == 400, answer.text[:300]
    assert field in answer.json()["detail"] and "at most" in answer.json()["detail"]
    assert len(answer.text) < 1000, "the refusal quotes the start of the value, not all of it"
    assert session.scalar(select(func.count()).select_from(Article)) == 0
