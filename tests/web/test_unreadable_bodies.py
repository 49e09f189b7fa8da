"""A JSON body FastAPI cannot parse at all (bytes that are not UTF-8, nesting deeper than the
parser goes) is refused saying what a body must be, not "There was an error parsing the body"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.actions import create_api_token
from poise.morale.models import HappyItem


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "caf\xe9 was lovely"}',  # Latin-1, not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # past the parser's recursion
    ],
    ids=["latin-1", "deep"],
)
def test_an_unparseable_json_body_says_what_a_body_must_be(
    client: TestClient, session: Session, body: bytes
) -> None:
    agent = make_user(session)
    headers = {
        "Authorization": f"Bearer {create_api_token(session, actor=None, user=agent)}",
        "Content-Type": "application/json",
    }
    answer = client.post("/api/v1/happy-file", content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert "UTF-8" in detail and "64 levels" in detail, detail
    assert session.scalar(select(func.count()).select_from(HappyItem)) == 0
