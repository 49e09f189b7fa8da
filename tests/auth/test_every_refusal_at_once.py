"""The admin forms say every refused field in one round, each beside its field, with what was
typed kept: they said the first alone, so an admin fixed it, saved, and met the next."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import PASSWORD, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.auth.models import ApiToken, User


def said_beside(html: str, field: str) -> str:
    """The message shown beside ``field`` (its ``field_error`` span), or "" when none is."""
    marker = f'id="{field}-error">'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</span>", 1)[0]


def test_a_user_edit_with_several_problems_says_each_beside_its_field(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    agent = make_user(session, role="agent", name="Ann Agent")
    refused = client.post(
        f"/admin/users/{agent.id}",
        data={
            "name": "Ann Renamed",
            "email": "not-an-address",
            "role": "boss",
            "password": "short",
            "is_active": "true",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 400
    html = refused.text
    assert "is not an email address" in said_beside(html, "email")
    assert "role must be one of" in said_beside(html, "role")
    assert "at least 8 characters" in said_beside(html, "password")
    assert said_beside(html, "name") == ""
    assert 'value="Ann Renamed"' in html and 'value="not-an-address"' in html, "input kept"
    assert "short" not in html.split("<main")[1], "a typed password is never echoed"
    assert html.count(" autofocus") == 1, "one field takes the focus"
    session.refresh(agent)
    assert (agent.name, agent.role) == ("Ann Agent", "agent"), "nothing was saved"


def test_an_admin_editing_themselves_hears_every_refusal_at_once(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin", name="Ada Admin")
    token = sign_in(client, admin)
    refused = client.post(
        f"/admin/users/{admin.id}",
        data={
            "name": " ",
            "email": admin.email,
            "role": "agent",
            "password": "short",
            "current_password": "",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 400
    html = refused.text
    assert "a user needs a name" in said_beside(html, "name")
    assert "your own admin role" in said_beside(html, "role")
    assert "cannot deactivate yourself" in said_beside(html, "is_active")
    assert "at least 8 characters" in said_beside(html, "password")
    assert "enter your current password" in said_beside(html, "current_password")
    session.refresh(admin)
    assert (admin.name, admin.role, admin.is_active) == ("Ada Admin", "admin", True)


def test_adding_a_user_with_several_problems_says_each_beside_its_field(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    refused = client.post(
        "/admin/users",
        data={
            "name": "Newly Typed",
            "email": "not-an-address",
            "role": "boss",
            "password": "short",
            "team": "999999",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 400
    html = refused.text
    assert "is not an email address" in said_beside(html, "email")
    assert "role must be one of" in said_beside(html, "role")
    assert "at least 8 characters" in said_beside(html, "password")
    assert "no team with id 999999" in said_beside(html, "team")
    assert 'value="Newly Typed"' in html and 'value="not-an-address"' in html, "input kept"
    assert "short" not in html.split("<main")[1], "a typed password is never echoed"
    assert session.scalars(select(User).where(User.name == "Newly Typed")).all() == []


def test_a_token_with_no_name_and_a_bad_lifetime_says_both(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, password=PASSWORD)
    token = sign_in(client, user)
    refused = client.post(
        "/account/tokens", data={"name": " ", "expires": "forever", "csrf_token": token}
    )
    assert refused.status_code == 400
    html = refused.text
    assert "Give the token a name" in said_beside(html, "name")
    assert "or never expires (not “forever”)" in said_beside(html, "expires")
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all() == []


def test_the_api_names_every_refused_field_of_a_new_user(
    client: TestClient, session: Session
) -> None:
    """The web form showed each refusal beside its field, but the API answered one joined
    sentence ("email: …; role: …"): a script had to parse prose to tell which field was at
    fault. The JSON refusal names each field with its own message, and keeps ``detail``."""
    admin = make_user(session, role="admin")
    bearer = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=admin)}"}
    refused = client.post(
        "/api/v1/users",
        json={"email": "not-an-address", "name": "   ", "role": "wizard"},
        headers=bearer,
    )
    assert refused.status_code == 400
    body = refused.json()
    assert set(body["fields"]) == {"email", "name", "role"}
    assert all(message and message in body["detail"] for message in body["fields"].values())
    one = client.post(
        "/api/v1/users",
        json={"email": "cy@example.com", "name": "Cy", "role": "wizard"},
        headers=bearer,
    ).json()
    assert list(one["fields"]) == ["role"] and one["fields"]["role"] == one["detail"]
