"""Sign-in throttling, constant-time refusals, sessions that end, token use without writes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from builders import PASSWORD, csrf_from, make_conversation, make_user, sign_in
from poise.app import create_app
from poise.auth.actions import create_api_token
from poise.auth.models import ApiToken, LoginFailure
from poise.db.base import utcnow
from poise.settings import Settings


def attempt(client: TestClient, email: str, password: str) -> Response:
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_the_sixth_try_is_throttled_even_with_the_right_password(
    client: TestClient, session: Session, settings: Settings
) -> None:
    agent = make_user(session)
    for _ in range(5):
        assert attempt(client, agent.email, "wrong-password").status_code == 400
    refused = attempt(client, agent.email.upper(), PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this account" in refused.text
    assert "try again in 15 minutes" in refused.text
    assert agent.email.upper() in refused.text  # the form keeps what was typed
    assert 800 < int(refused.headers["Retry-After"]) <= 900
    assert client.get("/account", follow_redirects=False).status_code == 303
    with TestClient(create_app(settings)) as other_process:  # counted in the database
        assert attempt(other_process, agent.email, PASSWORD).status_code == 429
    other = make_user(session)
    assert attempt(client, other.email, PASSWORD).status_code == 303  # only that account

    session.query(LoginFailure).update({"failed_at": utcnow() - timedelta(minutes=16)})
    session.commit()
    assert attempt(client, agent.email, PASSWORD).status_code == 303  # the window passed


def test_one_address_trying_many_accounts_is_throttled(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    for n in range(20):
        assert attempt(client, f"guess{n}@example.com", "wrong-password").status_code == 400
    refused = attempt(client, agent.email, PASSWORD)
    assert refused.status_code == 429
    assert "from your network address" in refused.text


def test_a_right_password_clears_the_accounts_failures(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    for _ in range(4):
        attempt(client, agent.email, "wrong-password")
    assert attempt(client, agent.email, PASSWORD).status_code == 303
    assert session.query(LoginFailure).filter_by(email=agent.email).count() == 0


@pytest.mark.production_hashing  # a cheap hash would make a known e-mail the quick one
def test_an_unknown_email_takes_as_long_as_a_known_one(
    client: TestClient, session: Session
) -> None:
    """Before, an unknown e-mail was refused in ~3 ms against ~300 ms for a real account."""
    agent = make_user(session)
    attempt(client, "warm-up@example.com", "wrong-password")  # makes the dummy hash once

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert attempt(client, email, "wrong-password").status_code == 400
        return time.perf_counter() - started

    known = statistics.median(timed(agent.email) for _ in range(3))
    unknown = statistics.median(timed(f"nobody{n}@example.com") for n in range(3))
    assert unknown > known * 0.5, (unknown, known)


def _cookie(client: TestClient) -> str:
    value = client.cookies.get("poise_session")
    assert value
    return value


def test_sign_out_ends_every_session_of_the_user(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    agent = make_user(session)
    laptop = TestClient(app)  # another browser on the same running app (no second lifespan)
    token = sign_in(client, agent)
    sign_in(laptop, agent)
    copied = _cookie(client)
    client.post("/logout", data={"csrf_token": token})
    replayed = TestClient(app, cookies={"poise_session": copied})
    assert replayed.get("/account", follow_redirects=False).status_code == 303
    assert laptop.get("/account", follow_redirects=False).status_code == 303
    sign_in(client, agent)
    assert client.get("/account").status_code == 200


def test_a_new_password_ends_every_session(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    agent = make_user(session)
    admin = make_user(session, role="admin")
    admins_browser = TestClient(app)
    sign_in(client, agent)
    token = sign_in(admins_browser, admin)
    saved = admins_browser.post(
        f"/admin/users/{agent.id}",
        data={
            "role": "agent",
            "is_active": "true",
            "password": "a-new-password",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 200
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert admins_browser.get("/account").status_code == 200


def test_a_new_password_unlocks_a_throttled_account(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """The throttle's message says to ask an admin for a new password: that must work."""
    agent = make_user(session)
    for _ in range(5):
        attempt(client, agent.email, "wrong-password")
    assert attempt(client, agent.email, PASSWORD).status_code == 429
    admins_browser = TestClient(app)
    token = sign_in(admins_browser, make_user(session, role="admin"))
    form = {"role": "agent", "is_active": "true", "password": "a-new-password", "csrf_token": token}
    assert admins_browser.post(f"/admin/users/{agent.id}", data=form).status_code == 200
    assert attempt(client, agent.email, "a-new-password").status_code == 303


@contextmanager
def _token_updates(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_token_use_is_recorded_at_most_once_a_minute(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    token = create_api_token(session, actor=None, user=make_user(session))
    headers = {"Authorization": f"Bearer {token}"}
    with _token_updates(app.state.engine) as updates:
        for _ in range(5):
            assert client.get("/api/v1/stats", headers=headers).status_code == 200
    assert len(updates) == 1
    row = session.query(ApiToken).one()
    session.refresh(row)
    assert row.last_used_at is not None
    row.last_used_at = utcnow() - timedelta(minutes=2)
    session.commit()
    with _token_updates(app.state.engine) as updates:
        for _ in range(3):
            assert client.get("/api/v1/stats", headers=headers).status_code == 200
    assert len(updates) == 1


def test_a_read_only_database_still_answers_token_reads(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """Before, recording the token's use on a GET failed the request with a 500."""
    token = create_api_token(session, actor=None, user=make_user(session))
    engine: Engine = app.state.engine

    def read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
        cursor.close()

    event.listen(engine, "connect", read_only)
    engine.dispose()  # every new connection is read only
    try:
        response = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
    finally:
        event.remove(engine, "connect", read_only)
        engine.dispose()


def test_an_admin_setting_their_own_password_stays_signed_in_here_only(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """Saving one's own new password on the edit form signed the admin out of the very browser
    they saved it in (to the sign-in page, the "Saved" message lost); their other sessions
    must end, this one not. Their own needs their current one, as on the account page."""
    admin = make_user(session, role="admin")
    laptop = TestClient(app)
    sign_in(laptop, admin)
    token = sign_in(client, admin)
    form = {
        "role": "admin",
        "is_active": "true",
        "password": "my-new-password",
        "current_password": PASSWORD,
        "csrf_token": token,
    }
    saved = client.post(f"/admin/users/{admin.id}", data=form)
    assert saved.status_code == 200 and saved.url.path == "/admin/users"
    assert f"Saved {admin.name}." in saved.text
    assert client.get("/account").status_code == 200
    assert laptop.get("/account", follow_redirects=False).status_code == 303
    assert attempt(TestClient(app), admin.email, "my-new-password").status_code == 303


def test_a_demoted_or_moved_lead_loses_lead_pages_at_once_in_every_session_and_token(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """A cookie and a token taken while someone led Care answer as the account is now: the
    role and team are read on every request, not kept in the cookie or the token."""
    ada = make_user(session, team="Care", name="Ada")
    cara = make_user(session, role="lead", team="Care", name="Cara")
    care = cara.team_id
    bearer = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=cara)}"}
    lead_pages = ("/import", "/insights/digest", "/morale/wall", "/training/progress")
    lead_browser = TestClient(app)  # not entered: the app's shut-down would dispose its engine
    sign_in(lead_browser, cara)
    assert all(lead_browser.get(p).status_code == 200 for p in lead_pages)
    admin = sign_in(client, make_user(session, role="admin"))
    form = {"role": "agent", "team": str(care), "is_active": "true"}
    client.post(f"/admin/users/{cara.id}", data={**form, "csrf_token": admin})
    assert [lead_browser.get(p).status_code for p in lead_pages] == [403] * 4
    assert client.get("/api/v1/insights/dashboard", headers=bearer).status_code == 403
    billing = make_user(session, role="lead", team="Billing").team_id
    moved = {**form, "role": "lead", "team": str(billing), "csrf_token": admin}
    client.post(f"/admin/users/{cara.id}", data=moved)
    assert lead_browser.get("/import").status_code == 200  # a lead again, of Billing
    assert lead_browser.get(f"/morale/balance/team?team={billing}").status_code == 200
    assert lead_browser.get(f"/morale/balance/team?team={care}").status_code in (403, 404)
    conv = make_conversation(session, assignee_email=ada.email)
    assert lead_browser.get(f"/conversations/{conv.id}").status_code == 404
    api = f"/api/v1/conversations/{conv.id}"
    assert client.get(api, headers=bearer).status_code == 404
