"""Every page and API read without parameters, for anonymous, agent, lead and admin readers.

The crawler follows links; this walks the routing table itself, so a page that no link reaches
is checked too. Rules: nobody gets a 5xx; an anonymous reader gets only the public pages (the
rest send them to sign in, or 401 on the API); an agent or a lead is either served or refused
with 403, never a 400 or 404 for a page that exists; an admin is served everything.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth import actions as auth_actions

PUBLIC = {"/", "/login", "/healthz", "/wall", "/wall/feed.atom", "/docs", "/redoc"}
SKIP = {"/logout"}  # signs the reader out: not a read


def _reads(app: FastAPI) -> list[str]:
    """GET routes that need no parameter (an id or a query the matrix cannot invent)."""
    paths = {
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and "{" not in route.path
        and not any(param.required for param in route.dependant.query_params)
    }
    return sorted(paths - SKIP)


def _answers(client: TestClient, paths: list[str], headers: dict[str, str]) -> dict[str, int]:
    return {
        path: client.get(path, headers=headers, follow_redirects=False).status_code
        for path in paths
    }


def test_every_read_answers_each_role_as_its_rights_say(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    paths = _reads(app)
    assert len(paths) > 40  # the routing table was read, not an empty list
    anonymous = _answers(client, paths, {})
    for path, status in anonymous.items():
        if path in PUBLIC or path.endswith(("openapi.json", ".js", ".css")):
            assert status in (200, 303), (path, status)
        elif path.startswith("/api/"):
            assert status == 401, (path, status)
        else:
            assert status == 303, (path, status)  # to the sign-in page

    for role in ("agent", "lead", "admin"):
        user = make_user(session, role=role, team="Care")  # no-team readers: test_team_choice
        sign_in(client, user)
        token = auth_actions.create_api_token(session, actor=None, user=user)
        answers = _answers(client, paths, {"Authorization": f"Bearer {token}"})
        client.cookies.clear()
        for path, status in answers.items():
            assert status < 500, (role, path, status)
            if role == "admin":
                assert status in (200, 303), (role, path, status)
            else:
                assert status in (200, 303, 403), (role, path, status)
        refused = [path for path, status in answers.items() if status == 403]
        if role == "agent":
            assert "/admin/users" in refused and "/conversations" not in refused
        if role == "admin":
            assert not refused
