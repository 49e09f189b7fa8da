"""Morale is a built area: in the navigation, in the API docs, and every page renders."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.web.nav import COMING, NAV


def test_morale_is_no_longer_coming() -> None:
    assert "morale" not in COMING
    assert [item.coming for item in NAV if item.href == "/morale"] == [False]


def test_every_morale_page_renders_for_an_agent_and_a_lead(
    client: TestClient, session: Session
) -> None:
    pages = [
        "/morale",
        "/morale/happy-file",
        "/morale/happy-file/pick-me-up",
        "/morale/reviews",
        "/morale/kudos",
        "/morale/balance",
        "/wall",
    ]
    sign_in(client, make_user(session, team="Care"))
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert "not on a team" not in client.get("/morale/kudos").text
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="Care"))
    for url in [
        *pages,
        "/morale/scorecards",
        "/morale/wall",
        "/morale/reviews/calibration",
        "/morale/balance/team",
    ]:
        assert client.get(url).status_code == 200, url


def test_signed_out_visitors_see_only_the_wall(client: TestClient) -> None:
    assert client.get("/wall").status_code == 200
    response = client.get("/morale/happy-file", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_api_is_documented(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/happy-file",
        "/api/v1/happy-file/{item_id}",
        "/api/v1/wall",
        "/api/v1/wall/{hug_id}/publish",
    } <= set(paths)


def test_a_signed_in_visitor_keeps_the_navigation_on_the_wall(
    client: TestClient, session: Session
) -> None:
    assert 'href="/morale"' not in client.get("/wall").text
    sign_in(client, make_user(session))
    assert 'href="/morale"' in client.get("/wall").text


def test_the_signed_out_wall_explains_itself_without_a_sign_in(client: TestClient) -> None:
    page = client.get("/wall").text
    about = page.split('id="about-the-wall"')[1].split("</details>")[0]
    assert "agreed to share" in about and "a team lead read it" in about
    assert "[name]" in about  # what a removed customer detail looks like
    assert 'href="/help' not in page  # help needs a sign-in, so it is not offered here


def test_an_empty_wall_says_so_outside_the_columns_of_cards(client: TestClient) -> None:
    page = client.get("/wall").text
    assert "The wall is empty for now" in page
    assert 'class="wall"' not in page  # the multi-column box would split the message in two
