"""An e-mail address with characters nobody sees is refused: it made a second account that
reads as an existing one, which nobody could sign in to."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.actions import create_api_token
from poise.auth.models import User


@pytest.mark.parametrize(
    ("email", "said"),
    [
        ("sam\u200b@example.com", "U+200B"),  # zero-width space: reads as sam@example.com
        ("\u202esam@example.com", "U+202E"),  # right-to-left override: reads reversed
        ("sam@exa\u00admple.com", "U+00AD"),  # soft hyphen
    ],
)
def test_an_email_with_an_invisible_character_is_refused(
    client: TestClient, session: Session, email: str, said: str
) -> None:
    admin = make_user(session, role="admin", email="admin@example.com")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=admin)}"}
    make_user(session, email="sam@example.com")
    users = session.scalar(select(func.count()).select_from(User))
    answer = client.post(
        "/api/v1/users",
        json={"email": email, "name": "Sam", "role": "agent"},
        headers=headers,
    )
    assert answer.status_code == 400, answer.text
    assert said in answer.json()["detail"] and "invisible" in answer.json()["detail"]
    assert session.scalar(select(func.count()).select_from(User)) == users
