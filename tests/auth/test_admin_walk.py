"""What a new admin meets on the users, teams and account pages: each rough edge found by
walking them, pinned at the HTTP level."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in


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
