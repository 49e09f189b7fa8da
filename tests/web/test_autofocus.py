"""One ``autofocus`` a page at most, with and without refused input (HTML allows one).

The form helper (``RefusedFields``) gives the focus to the first refused field only; the
manual's search and proposals pages wrote their own ``autofocus`` beside it, so they are
rendered here in each state and their attributes counted.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.knowledge.models import Proposal

AUTOFOCUS = re.compile(r"\sautofocus[\s>=]")


def _focused(page: str) -> list[str]:
    """The tags that carry ``autofocus``."""
    return [tag for tag in re.findall(r"<[^>]+>", page) if AUTOFOCUS.search(tag + ">")]


def test_the_manual_search_focuses_its_field_once_refused_or_not(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="agent"))
    for url in ("/manual/search", "/manual/search?q=refund", "/manual/search?q=%3F%3F%3F"):
        answer = client.get(url)
        tags = _focused(answer.text)
        assert len(tags) == 1 and 'name="q"' in tags[0], (url, tags)
    refused = client.get("/manual/search?q=%3F%3F%3F")
    assert refused.status_code == 400 and 'aria-invalid="true"' in _focused(refused.text)[0]


def test_the_proposals_page_focuses_the_refused_split_only(
    client: TestClient, session: Session
) -> None:
    conversations = [make_conversation(session) for _ in range(2)]
    proposals = [
        Proposal(issue=f"Issue {n}", group_size=2, conversation_ids=[c.id for c in conversations])
        for n in range(3)
    ]
    session.add_all(proposals)
    session.commit()
    token = sign_in(client, make_user(session, role="lead"))
    assert _focused(client.get("/manual/proposals").text) == []
    refused = client.post(
        f"/manual/proposals/{proposals[1].id}/split", data={"csrf_token": token, "parts": "40"}
    )
    assert refused.status_code == 400
    tags = _focused(refused.text)
    assert len(tags) == 1 and f"split-error-{proposals[1].id}" in tags[0], tags
    merged = client.post(
        "/manual/proposals/merge", data={"csrf_token": token, "proposal_ids": [proposals[0].id]}
    )
    assert merged.status_code == 400 and len(_focused(merged.text)) <= 1


def test_the_sign_in_page_focuses_the_email_once(client: TestClient) -> None:
    tags = _focused(client.get("/login").text)
    assert len(tags) == 1 and 'name="email"' in tags[0]
    refused = client.post("/login", data={"email": "nobody@poise.test", "password": "wrong"})
    assert len(_focused(refused.text)) <= 1
