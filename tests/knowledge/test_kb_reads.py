"""Reads never write: every GET route of the manual, walked with real ids, leaves every table's
row count as it was (searches, gaps, suggestions and page views included)."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.db.base import Base


def row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def manual_get_paths(client: TestClient, ids: dict[str, int]) -> list[str]:
    """Every GET route under /manual and /api/v1/kb, its path parameters filled in."""
    paths = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if not route.path.startswith(("/manual", "/api/v1/kb")):
            continue
        paths.append(re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), route.path))
    return paths


def test_no_get_of_the_manual_writes_a_row(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    article = publish_manual(session, lead)["Refund not received"]
    conv = make_conversation(session, customer_text="Do you sell gift vouchers for horses?")
    token = create_api_token(session, actor=None, user=lead)
    ids = {"article_id": article.id, "conversation_id": conv.id, "id": article.id}
    sign_in(client, lead)
    paths = manual_get_paths(client, ids)
    assert "/manual/search" in paths and f"/manual/suggestions/{conv.id}" in paths
    extra = [
        "/manual/search?q=xyzzy+nonsense",
        f"/manual/search?conversation_id={conv.id}",
        "/api/v1/kb/search?q=xyzzy+nonsense",
        f"/conversations/{conv.id}",
    ]
    client.get("/manual/search?q=warm+up")  # the first search builds the index in memory
    before = row_counts(session)
    for path in [*paths, *extra]:
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.text)
        after = row_counts(session)
        assert after == before, (
            path,
            {k: (before[k], v) for k, v in after.items() if v != before[k]},
        )
