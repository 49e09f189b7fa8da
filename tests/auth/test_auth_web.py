"""Signing in and out, CSRF, roles on pages and API, API tokens."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import PASSWORD, csrf_from, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.auth.models import ApiToken, Team, User


def test_pages_redirect_to_login_when_signed_out(client: TestClient) -> None:
    response = client.get("/conversations", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/conversations"


def test_sign_in_and_out(client: TestClient, session: Session) -> None:
    agent = make_user(session, role="agent", name="Ada Agent")
    sign_in(client, agent)
    page = client.get("/conversations")
    assert page.status_code == 200
    assert "Ada Agent" in page.text
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/conversations", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_without_saying_which_part(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"email": agent.email, "password": "nope-nope", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Wrong email or password" in response.text
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_inactive_user_cannot_sign_in(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    agent.is_active = False
    session.commit()
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"email": agent.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


def test_login_next_only_goes_to_local_paths(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "email": agent.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_forged_form_without_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    sign_in(client, admin)
    response = client.post("/admin/teams", data={"name": "Forged team"}, follow_redirects=False)
    assert response.status_code == 403
    assert "CSRF" in response.text
    wrong = client.post("/admin/teams", data={"name": "Forged", "csrf_token": "guess"})
    assert wrong.status_code == 403
    assert client.get("/admin/teams").text.count("Forged") == 0


def test_a_token_of_another_session_or_a_body_a_form_cannot_send_is_refused(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """What a forging site can get or send: its own session's valid token (it signs in as
    itself), the token in a JSON or text/plain body (no form field FastAPI reads), a logout
    with no token at all. Each is refused and changes nothing; the page's own token works."""
    admin = make_user(session, role="admin")
    own = sign_in(client, admin)
    # another cookie jar on the same app; not entered, so the app's start-up and shut-down
    # (which dispose its database engine under the other client's open session) do not run
    attacker = TestClient(app)
    theirs = sign_in(attacker, make_user(session, role="admin"))
    assert theirs != own
    sent = [
        client.post("/admin/teams", data={"name": "Forged", "csrf_token": theirs}),
        client.post(
            "/admin/teams",
            content=f'{{"name": "Forged", "csrf_token": "{own}"}}'.encode(),
            headers={"content-type": "application/json"},
        ),
        client.post(
            "/admin/teams",
            content=f"name=Forged&csrf_token={own}".encode(),
            headers={"content-type": "text/plain"},
        ),
        client.post("/logout", follow_redirects=False),
    ]
    assert [r.status_code for r in sent] == [403] * 4
    assert client.get("/admin/teams").text.count("Forged") == 0, "and still signed in"
    assert client.post("/admin/teams", data={"name": "Real", "csrf_token": own}).status_code == 200


def test_agent_cannot_reach_admin_pages(client: TestClient, session: Session) -> None:
    agent = make_user(session, role="agent")
    token = sign_in(client, agent)
    for path in ("/admin/users", "/admin/teams", "/admin/integrations", "/admin/jobs", "/import"):
        assert client.get(path).status_code == 403, path
    response = client.post(
        "/admin/users",
        data={
            "email": "x@example.com",
            "name": "X",
            "role": "admin",
            "password": "longenough",
            "csrf_token": token,
        },
    )
    assert response.status_code == 403
    assert session.query(User).filter_by(email="x@example.com").count() == 0


def test_lead_may_import_but_not_administer(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    sign_in(client, lead)
    assert client.get("/import").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_admin_manages_users_and_teams(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    token = sign_in(client, admin)
    client.post("/admin/teams", data={"name": "Billing", "csrf_token": token})
    team_id = session.query(Team).filter_by(name="Billing").one().id
    response = client.post(
        "/admin/users",
        data={
            "email": "New.Agent@Example.com",
            "name": "New Agent",
            "role": "agent",
            "password": "longenough",
            "team": str(team_id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert "Added New Agent" in response.text
    created = session.query(User).filter_by(email="new.agent@example.com").one()
    assert created.team_id == team_id
    duplicate = client.post(
        "/admin/users",
        data={
            "email": "new.agent@example.com",
            "name": "Again",
            "role": "agent",
            "password": "longenough",
            "csrf_token": token,
        },
    )
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.text
    edit = client.post(
        f"/admin/users/{created.id}", data={"role": "lead", "team": "", "csrf_token": token}
    )
    assert edit.status_code == 200
    session.refresh(created)
    assert (created.role, created.is_active) == ("lead", False)


def test_a_team_name_differing_only_in_case_or_spacing_is_refused_as_taken(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    client.post("/admin/teams", data={"name": "Billing Desk", "csrf_token": token})
    for twin in ("billing desk", "  BILLING   Desk "):
        refused = client.post("/admin/teams", data={"name": twin, "csrf_token": token})
        assert refused.status_code == 400, twin
        assert "a team named “Billing Desk” already exists" in refused.text
        assert f'value="{twin}"' in refused.text, "what was typed is kept"
    names = session.scalars(select(Team.name).where(Team.name.ilike("%billing%"))).all()
    assert names == ["Billing Desk"]


def test_a_refused_email_is_said_in_words_without_quoting_a_huge_paste(
    client: TestClient, session: Session
) -> None:
    """An empty field read "'' is not a valid email address"; a long paste came back whole."""
    token = sign_in(client, make_user(session, role="admin"))
    form = {"name": "New Agent", "role": "agent", "password": "longenough", "csrf_token": token}
    cases = {
        "": "enter the person&#39;s email address",
        "x" * 5000: "at most 254 characters (this one has 5000)",
        "not-an-address-" * 5: "is not an email address: it looks like name@example.com",
    }
    for email, said in cases.items():
        refused = client.post("/admin/users", data={**form, "email": email})
        assert refused.status_code == 400
        error = refused.text.split('id="email-error">', 1)[1].split("</span>", 1)[0]
        assert said in error, error
        assert "x" * 100 not in error and "not-an-address-" * 5 not in error
    assert session.scalars(select(User).where(User.name == "New Agent")).all() == []


def test_admin_cannot_demote_themselves(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    token = sign_in(client, admin)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"role": "agent", "is_active": "true", "csrf_token": token},
    )
    assert response.status_code == 400
    session.refresh(admin)
    assert admin.role == "admin"


def test_a_refused_user_edit_shows_the_error_beside_its_field_and_keeps_the_choices(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    agent = make_user(session, role="agent")
    refused = client.post(
        f"/admin/users/{agent.id}",
        data={"role": "lead", "password": "short", "csrf_token": token},
    )
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.text and "at least 8 characters" in refused.text
    assert "<option selected>lead</option>" in refused.text, "the chosen role is kept"
    assert "short" not in refused.text.split("<main")[1], "a typed password is never echoed"
    session.refresh(agent)
    assert (agent.role, agent.is_active) == ("agent", True), "nothing was saved"


def test_a_user_edit_naming_a_team_gone_since_is_refused_beside_the_team_field(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    agent = make_user(session, role="agent")
    refused = client.post(
        f"/admin/users/{agent.id}",
        data={"role": "lead", "team": "999999", "is_active": "true", "csrf_token": token},
    )
    assert refused.status_code == 400, "a stale team choice is the form's error, not a 404"
    assert 'class="field-error"' in refused.text and "no team with id 999999" in refused.text
    assert "<option selected>lead</option>" in refused.text, "the chosen role is kept"
    session.refresh(agent)
    assert agent.role == "agent", "nothing was saved"


def test_api_token_authenticates_and_roles_apply(client: TestClient, session: Session) -> None:
    agent = make_user(session, role="agent")
    admin = make_user(session, role="admin")
    agent_token = create_api_token(session, actor=None, user=agent)
    admin_token = create_api_token(session, actor=None, user=admin)
    assert client.get("/api/v1/stats").status_code == 401
    bad = client.get("/api/v1/stats", headers={"Authorization": "Bearer poise_wrong"})
    assert bad.status_code == 401
    ok = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {agent_token}"})
    assert ok.status_code == 200
    assert ok.json()["users"] == 2
    assert (
        client.get("/api/v1/users", headers={"Authorization": f"Bearer {agent_token}"}).status_code
        == 403
    )
    created = client.post(
        "/api/v1/users",
        headers={"Authorization": f"Bearer {agent_token}"},
        json={"email": "sneaky@example.com", "name": "Sneaky", "role": "admin"},
    )
    assert created.status_code == 403
    listed = client.get("/api/v1/users", headers={"Authorization": f"Bearer {admin_token}"})
    assert {u["email"] for u in listed.json()} == {agent.email, admin.email}


def test_the_users_api_says_how_many_there_are_and_links_the_next_page(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin", name="Ada Admin")
    for name in ("Bo Agent", "Cy Agent"):
        make_user(session, name=name)
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=admin)}"}
    first = client.get("/api/v1/users?page_size=2", headers=headers)
    assert [u["name"] for u in first.json()] == ["Ada Admin", "Bo Agent"]
    assert first.headers["X-Total-Count"] == "3"
    next_url = first.headers["Link"].removeprefix("<").split(">;")[0]
    assert first.headers["Link"].endswith('; rel="next"') and "page_size=2" in next_url
    last = client.get(next_url, headers=headers)
    assert [u["name"] for u in last.json()] == ["Cy Agent"]
    assert last.headers["X-Total-Count"] == "3" and "Link" not in last.headers
    refused = client.get("/api/v1/users?page_size=500", headers=headers)
    assert refused.status_code == 422  # like any out-of-range parameter, page included
    (problem,) = refused.json()["detail"]
    assert problem["loc"] == ["query", "page_size"] and problem["ctx"] == {"le": 200}


def test_a_person_sees_their_api_tokens_and_revokes_one(
    client: TestClient, session: Session
) -> None:
    """A leaked token must be stoppable: the account page lists one's own live tokens, with
    their last use, and revoking one refuses it at once; another's token is not theirs."""
    ada = make_user(session, name="Ada Agent")
    ben = make_user(session, name="Ben Agent")
    script = create_api_token(session, actor=None, user=ada, name="helpdesk sync")
    create_api_token(session, actor=None, user=ada, name="reports")
    create_api_token(session, actor=None, user=ben, name="bens own")
    bearer = {"Authorization": f"Bearer {script}"}
    assert client.get("/api/v1/stats", headers=bearer).status_code == 200

    csrf = sign_in(client, ada)
    page = client.get("/account").text
    assert "helpdesk sync" in page and "reports" in page and "bens own" not in page
    revoke = re.findall(r'action="(/account/tokens/\d+/revoke)"', page)
    assert len(revoke) == 2  # newest first: "reports", then "helpdesk sync"
    done = client.post(
        revoke[1], data={"csrf_token": csrf, "confirm": "true"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert client.get("/api/v1/stats", headers=bearer).status_code == 401
    after = client.get("/account").text
    assert "“helpdesk sync” revoked" in after
    assert after.count("/revoke") == 1 and "reports" in after

    bens = session.scalars(select(ApiToken).where(ApiToken.user_id == ben.id)).one()
    theirs = client.post(f"/account/tokens/{bens.id}/revoke", data={"csrf_token": csrf})
    assert theirs.status_code == 404
    session.refresh(bens)
    assert bens.revoked_at is None


def test_session_cookie_api_writes_need_the_csrf_header(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin")
    token = sign_in(client, admin)
    body = {"email": "via.cookie@example.com", "name": "Via Cookie", "role": "agent"}
    assert client.post("/api/v1/users", json=body).status_code == 403
    response = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 201


def test_account_page_creates_a_token_shown_once(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    token = sign_in(client, agent)
    page = client.post("/account/tokens", data={"name": "sync", "csrf_token": token})
    assert 'id="new-token"' in page.text
    secret = page.text.split('id="new-token">')[1].split("<")[0]
    assert (
        client.get("/api/v1/stats", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    assert 'id="new-token"' not in client.get("/account").text


def test_a_token_needs_a_name_and_a_refused_one_is_shown_beside_the_field(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    token = sign_in(client, agent)
    blank = client.post("/account/tokens", data={"name": "   ", "csrf_token": token})
    assert blank.status_code == 400
    assert 'id="name-error"' in blank.text and "Give the token a name" in blank.text
    long_name = "n" * 121
    too_long = client.post("/account/tokens", data={"name": long_name, "csrf_token": token})
    assert too_long.status_code == 400
    assert "at most 120 characters" in too_long.text
    assert f'value="{long_name}"' in too_long.text  # what was typed is kept
    assert 'id="new-token"' not in too_long.text
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == agent.id)).all() == []
    kept = client.post("/account/tokens", data={"name": "n" * 120, "csrf_token": token})
    assert 'id="new-token"' in kept.text
    names = session.scalars(select(ApiToken.name).where(ApiToken.user_id == agent.id)).all()
    assert names == ["n" * 120]


def test_the_account_page_says_its_times_are_utc(client: TestClient, session: Session) -> None:
    """A token's times were bare ("2026-11-02 09:00"): read as local time, an hour or more off."""
    agent = make_user(session)
    token = create_api_token(session, actor=None, user=agent, name="helpdesk sync")
    assert client.get(
        "/api/v1/conversations", headers={"Authorization": f"Bearer {token}"}
    ).is_success
    sign_in(client, agent)
    page = client.get("/account").text
    assert (
        '<th role="columnheader">Created (UTC)</th><th role="columnheader">Last used (UTC)</th>'
        '<th role="columnheader">Expires (UTC)</th>' in page
    )
    stamps = re.findall(r'<time datetime="([^"]+)">(\d{4}-\d\d-\d\d \d\d:\d\d) UTC</time>', page)
    assert len(stamps) == 3, page
    assert all(iso.endswith("+00:00") and iso.startswith(shown[:10]) for iso, shown in stamps)


def test_the_users_list_past_its_end_says_where_it_ends_not_that_there_are_none(
    client: TestClient, session: Session
) -> None:
    """Page 99 of an old link read "No users yet." above "3 in all"."""
    sign_in(client, make_user(session, role="admin"))
    make_user(session)
    make_user(session)
    page = client.get("/admin/users?page=99").text
    assert "No users yet" not in page
    assert "Nothing on page 99: the list ends at page 1." in page
    assert '<a href="?page=1">Go to page 1</a>' in page


def test_creating_a_user_by_api_in_a_team_that_does_not_exist_is_a_bad_request_naming_it(
    client: TestClient, session: Session
) -> None:
    """It answered 404, which reads as "no such endpoint" to a script posting to /users."""
    admin = make_user(session, role="admin", team="Billing")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=admin)}"}
    body = {"email": "new@example.com", "name": "New Agent", "team": "Biling"}
    refused = client.post("/api/v1/users", json=body, headers=headers)
    assert refused.status_code == 400, refused.text
    said = "no team named 'Biling': teams are Billing"
    assert refused.json() == {"detail": said, "fields": {"team": said}}
    assert session.scalars(select(User).where(User.email == "new@example.com")).all() == []
    made = client.post("/api/v1/users", json={**body, "team": "billing"}, headers=headers)
    assert made.status_code == 201 and made.json()["team_id"] == admin.team_id


def test_a_refused_field_on_the_admin_forms_is_marked_invalid_and_described_by_its_message(
    client: TestClient, session: Session
) -> None:
    """Only the e-mail field was: a screen reader heard "Name, edit text" with no hint that the
    team's or person's name, a role or a password had been refused."""
    admin = make_user(session, role="admin")
    token = sign_in(client, admin)

    def marked(html: str, tag: str, name: str) -> bool:
        found = re.search(rf'<{tag}[^>]*name="{name}"[^>]*>', html)
        assert found, name
        return f'aria-invalid="true" aria-describedby="{name}-error"' in found.group(0)

    team = client.post("/admin/teams", data={"name": "  ", "csrf_token": token})
    assert team.status_code == 400 and marked(team.text, "input", "name")
    form = {"email": "a@example.com", "role": "agent", "password": "longenough"}
    person = client.post("/admin/users", data={**form, "name": " ", "csrf_token": token})
    assert person.status_code == 400 and marked(person.text, "input", "name")
    assert not marked(person.text, "input", "email")
    short = client.post(
        "/admin/users", data={**form, "name": "A", "password": "short", "csrf_token": token}
    )
    assert short.status_code == 400 and marked(short.text, "input", "password")
    role = client.post(
        "/admin/users", data={**form, "name": "A", "role": "boss", "csrf_token": token}
    )
    assert role.status_code == 400 and marked(role.text, "select", "role")
    other = make_user(session)
    edit = client.post(
        f"/admin/users/{other.id}",
        data={"role": "agent", "is_active": "true", "password": "short", "csrf_token": token},
    )
    assert edit.status_code == 400 and marked(edit.text, "input", "password")
    gone = client.post(
        f"/admin/users/{other.id}", data={"role": "agent", "team": "999999", "csrf_token": token}
    )
    assert gone.status_code == 400 and marked(gone.text, "select", "team")
