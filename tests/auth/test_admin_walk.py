"""What a new admin meets on the users, teams and account pages: each rough edge found by
walking them, pinned at the HTTP level."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import csrf_from, make_user, sign_in
from poise.auth.actions import create_api_token


def test_deactivating_a_user_ends_their_sessions_even_once_reactivated(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    """A cookie taken while the account was active (a shared laptop, a stolen copy) must not
    come back to life when an admin reactivates the account: it is signed in anew."""
    admin_token = sign_in(client, make_user(session, role="admin"))
    agent = make_user(session, role="agent")
    with TestClient(app) as agent_client:
        sign_in(agent_client, agent)
        assert agent_client.get("/account", follow_redirects=False).status_code == 200
        copied = dict(agent_client.cookies)  # what a stolen copy of the cookie holds
        form = {"role": "agent", "team": "", "csrf_token": admin_token}
        client.post(f"/admin/users/{agent.id}", data=form)  # unticked: inactive
        assert agent_client.get("/account", follow_redirects=False).status_code == 303
        client.post(f"/admin/users/{agent.id}", data={**form, "is_active": "true"})
        agent_client.cookies.clear()
        agent_client.cookies.update(copied)
        again = agent_client.get("/account", follow_redirects=False)
        assert again.status_code == 303, "the old cookie came back to life with the account"


def test_the_users_page_finds_people_by_name_or_email_and_pages_through_them(
    client: TestClient, session: Session
) -> None:
    """With hundreds of agents, finding one to edit meant paging through them all."""
    sign_in(client, make_user(session, role="admin", name="Ada Admin"))
    make_user(session, name="Maria Gonzalez", email="maria@example.com")
    make_user(session, name="Tom Becker", email="tom@example.com")
    make_user(session, name="Tomás Ruiz", email="t.ruiz@example.com")
    page = client.get("/admin/users", params={"q": "  TOM "})
    assert page.status_code == 200
    rows = page.text.split('<tbody role="rowgroup">', 1)[1].split("</tbody>", 1)[0]
    assert "Tom Becker" in rows and "Tomás Ruiz" in rows and "Maria" not in rows
    assert 'name="q" value="TOM"' in page.text, "the search stays in its box"
    by_email = client.get("/admin/users", params={"q": "ruiz@"}).text
    assert (
        "Tomás Ruiz" in by_email
        and "Tom Becker" not in by_email.split('<tbody role="rowgroup">', 1)[1]
    )
    none = client.get("/admin/users", params={"q": "%"}).text
    assert "No users match “%”" in none, "a wildcard is a character, not everything"
    assert "<b>" not in client.get("/admin/users", params={"q": "<b>"}).text.split("<main")[1]
    for n in range(20):  # the tests' page holds 20
        make_user(session, name=f"Tom Extra {n:02}", email=f"extra{n}@example.com")
    paged = client.get("/admin/users", params={"q": "tom"}).text
    assert "22 users match “tom” · page 1 of 2" in paged
    assert 'href="?q=tom&amp;page=2"' in paged, "the next page keeps the search"


def test_revoking_a_token_takes_a_tick_first_and_a_stray_click_revokes_nothing(
    client: TestClient, session: Session
) -> None:
    """Revoking cannot be undone and stops a script at once; one click on Revoke did it."""
    ada = make_user(session, name="Ada Agent")
    secret = create_api_token(session, actor=None, user=ada, name="helpdesk sync")
    bearer = {"Authorization": f"Bearer {secret}"}
    csrf = sign_in(client, ada)
    page = client.get("/account").text
    found = re.search(r'action="(/account/tokens/(\d+)/revoke)"', page)
    assert found and "Yes, revoke helpdesk sync" in page
    stray = client.post(found.group(1), data={"csrf_token": csrf})
    assert stray.status_code == 400
    error = stray.text.split(f'id="revoke-{found.group(2)}-error">', 1)[1].split("</span>")[0]
    assert "tick “Yes, revoke helpdesk sync”" in error and "nothing was revoked" in error
    assert client.get("/api/v1/stats", headers=bearer).status_code == 200, "it still works"
    done = client.post(
        found.group(1), data={"csrf_token": csrf, "confirm": "true"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert client.get("/api/v1/stats", headers=bearer).status_code == 401


def test_an_admin_s_own_demotion_or_deactivation_is_refused_beside_the_field_at_fault(
    client: TestClient, session: Session
) -> None:
    """The refusal stood above the form saying both reasons at once, whichever was tried."""
    admin = make_user(session, role="admin")
    csrf = sign_in(client, admin)
    demoted = client.post(
        f"/admin/users/{admin.id}", data={"role": "lead", "is_active": "true", "csrf_token": csrf}
    )
    assert demoted.status_code == 400
    said = demoted.text.split('id="role-error">', 1)[1].split("</span>")[0]
    assert "you cannot take away your own admin role" in said
    assert "deactivate" not in said and "<option selected>lead</option>" in demoted.text
    deactivated = client.post(
        f"/admin/users/{admin.id}", data={"role": "admin", "csrf_token": csrf}
    )
    assert deactivated.status_code == 400
    said = deactivated.text.split('id="is_active-error">', 1)[1].split("</span>")[0]
    assert "you cannot deactivate yourself" in said
    assert 'name="is_active" value="true" aria-invalid="true"' in deactivated.text


def test_the_edit_page_says_whose_account_it_is_and_leads_back_to_the_list(
    client: TestClient, session: Session
) -> None:
    """It named the person only: two people called Alex could not be told apart, and there was
    no way back but the browser's."""
    sign_in(client, make_user(session, role="admin"))
    alex = make_user(session, name="Alex Kim", email="alex.kim@example.com")
    page = client.get(f"/admin/users/{alex.id}").text
    main = page.split("<main", 1)[1]
    assert "alex.kim@example.com" in main
    assert 'href="/admin/users"' in main and "All users" in main


def test_the_teams_page_help_link_leads_to_the_teams_help(
    client: TestClient, session: Session
) -> None:
    """Its "What is this?" opened the signals help on early warning, not how teams work."""
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/teams").text
    assert '<a class="help-link" href="/help/admin#teams">' in page


def test_each_user_s_name_opens_their_edit_page(client: TestClient, session: Session) -> None:
    """On a phone the list scrolls sideways and its Edit links, in the last column, sat out of
    sight: the name, in the first, is the way in."""
    sign_in(client, make_user(session, role="admin"))
    alex = make_user(session, name="Alex Kim")
    page = client.get("/admin/users").text
    assert f'<td role="cell"><a href="/admin/users/{alex.id}">Alex Kim</a></td>' in page


def test_a_deactivated_owner_s_token_is_refused_saying_why(
    client: TestClient, session: Session
) -> None:
    """It read "unknown or revoked", and the script's owner went looking for a revoked token
    on an account page they could no longer open."""
    agent = make_user(session, role="agent")
    secret = create_api_token(session, actor=None, user=agent, name="nightly export")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/stats", headers=bearer).status_code == 200
    csrf = sign_in(client, make_user(session, role="admin"))
    client.post(f"/admin/users/{agent.id}", data={"role": "agent", "csrf_token": csrf})
    refused = client.get("/api/v1/stats", headers=bearer)
    assert refused.status_code == 401
    assert "its owner's account is inactive: ask an admin" in refused.json()["detail"]


def test_the_api_reference_names_the_users_and_connector_operations_in_words(
    client: TestClient,
) -> None:
    """/redoc and /docs headed them with the function names: "Api Users", "Api Create User",
    "Vendor Webhook"."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/users"]["get"]["summary"] == "List users"
    assert paths["/api/v1/users"]["post"]["summary"] == "Add a user"
    webhook = paths["/api/v1/connectors/{vendor}/webhook"]["post"]["summary"]
    assert webhook == "Receive a helpdesk's own webhook"


def test_every_admin_tab_opens_alike_help_link_heading_then_tabs(
    client: TestClient, session: Session
) -> None:
    """Models put its tabs above its help link and heading, so the tabs jumped down the page
    when an admin went from Connectors to Models."""
    sign_in(client, make_user(session, role="admin"))
    for path in ("/admin/users", "/admin/teams", "/admin/connectors", "/admin/models"):
        main = client.get(path).text.split("<main", 1)[1]
        help_at, heading_at = main.index('class="help-link"'), main.index("<h1>Admin</h1>")
        assert help_at < heading_at < main.index('aria-label="Admin"'), path


def test_a_refused_sign_in_keeps_the_email_and_puts_the_cursor_in_the_password(
    client: TestClient, session: Session
) -> None:
    """The cursor went back to the email, already filled in, so retyping the password began
    with a click or a Tab."""
    agent = make_user(session)
    token = csrf_from(client.get("/login").text)
    refused = client.post(
        "/login", data={"email": agent.email, "password": "nope-nope", "csrf_token": token}
    )
    assert refused.status_code == 400
    focused = re.findall(r"<input[^>]*\sautofocus[^>]*>", refused.text)
    assert len(focused) == 1 and 'name="password"' in focused[0], focused
    assert f'value="{agent.email}"' in refused.text


def test_an_admin_corrects_a_user_s_name_and_email_on_the_edit_page(
    client: TestClient, session: Session
) -> None:
    """A typo in a new colleague's email could not be fixed: the edit page changed only role,
    team, active flag and password, so the account had to be made again."""
    csrf = sign_in(client, make_user(session, role="admin"))
    alex = make_user(session, name="Alx Kim", email="alex.kim@exmaple.com")
    make_user(session, name="Sam Taken", email="sam@example.com")
    page = client.get(f"/admin/users/{alex.id}").text
    assert 'name="name" required maxlength="120" value="Alx Kim"' in page
    assert 'name="email" required value="alex.kim@exmaple.com"' in page
    form = {"role": "agent", "is_active": "true", "csrf_token": csrf}
    taken = client.post(
        f"/admin/users/{alex.id}", data={**form, "name": "Alex Kim", "email": "SAM@example.com"}
    )
    assert taken.status_code == 400
    said = taken.text.split('id="email-error">', 1)[1].split("</span>")[0]
    assert "a user with email sam@example.com already exists" in said
    assert 'value="Alex Kim"' in taken.text and 'value="SAM@example.com"' in taken.text
    saved = client.post(
        f"/admin/users/{alex.id}",
        data={**form, "name": " Alex Kim ", "email": "Alex.Kim@Example.com"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.refresh(alex)
    assert (alex.name, alex.email) == ("Alex Kim", "alex.kim@example.com")


def test_the_users_api_names_each_user_s_team(client: TestClient, session: Session) -> None:
    """It gave a bare ``team_id`` and the API lists no teams, so a script could not tell which
    team was which; creating a user takes the team by name."""
    admin = make_user(session, role="admin")
    make_user(session, name="Bo Billing", team="Billing")
    bearer = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=admin)}"}
    listed = client.get("/api/v1/users", params={"q": "bo billing"}, headers=bearer).json()
    assert [(u["name"], u["team"]) for u in listed] == [("Bo Billing", "Billing")]
    made = client.post(
        "/api/v1/users",
        json={"email": "cy@example.com", "name": "Cy", "role": "agent", "team": "billing"},
        headers=bearer,
    )
    assert made.status_code == 201 and made.json()["team"] == "Billing"
    teamless = client.get("/api/v1/users", params={"q": admin.email}, headers=bearer).json()
    assert teamless[0]["team"] is None


def test_saving_a_user_says_what_a_deactivation_or_new_password_did(
    client: TestClient, session: Session
) -> None:
    """It said only "Saved": whether the person was signed out was left to guess."""
    csrf = sign_in(client, make_user(session, role="admin"))
    agent = make_user(session, name="Ann Agent")
    form = {"role": "agent", "csrf_token": csrf}
    off = client.post(f"/admin/users/{agent.id}", data=form).text
    assert "Saved Ann Agent. They cannot sign in now; their sessions have ended." in off
    new = client.post(
        f"/admin/users/{agent.id}", data={**form, "is_active": "true", "password": "long-enough"}
    ).text
    assert "Saved Ann Agent. The new password has signed them out everywhere." in new
