"""A list page's page number that is not a number shows page 1; the JSON API refuses it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token

LISTS = (
    "/conversations?page={}",
    "/admin/users?page={}",
    "/manual?page={}",
    "/morale/happy-file?page={}",
    "/morale/wall?page={}",
    "/morale/reviews?to_do={}&received={}&given={}",
    "/training/drills?page={}",
    "/training/reflections?page={}",
    "/training/practice?page={}&replies={}",
)


@pytest.mark.parametrize("page", ["abc", "0", "-2", "1.5", "²", "99999999999"])
def test_a_page_number_that_is_not_one_shows_page_one(
    client: TestClient, session: Session, page: str
) -> None:
    """``/conversations?page=abc`` answered pydantic's "Input should be a valid integer,
    unable to parse string as an integer": an edited or mangled address now shows the list."""
    admin = make_user(session, role="admin", team="Care")
    make_conversation(session, subject="The one on page 1")
    sign_in(client, admin)
    for url in LISTS:
        answer = client.get(url.replace("{}", page))
        assert answer.status_code == 200, (url, page, answer.text[-600:])
        assert "Input should be" not in answer.text, (url, page)
    listing = client.get(f"/conversations?page={page}").text
    assert "The one on page 1" in listing


def test_the_api_still_refuses_a_page_that_is_not_a_number(
    client: TestClient, session: Session
) -> None:
    """A program sending ``page=abc`` has a bug to hear of: a 422 naming ``page``."""
    lead = make_user(session, role="lead")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    answer = client.get("/api/v1/conversations?page=abc", headers=headers)
    assert answer.status_code == 422
    assert [p["loc"] for p in answer.json()["detail"]] == [["query", "page"]]


@pytest.mark.parametrize("value", ["maybe", "2", "☑", ""])
def test_a_checkbox_filter_with_an_odd_value_shows_the_list_unticked(
    client: TestClient, session: Session, value: str
) -> None:
    """``/morale/happy-file?starred=maybe`` answered a bare "Something is not right" page with
    pydantic's "Input should be a valid boolean": the filters and the list were gone. A box
    that is not ticked in a way a browser ticks it reads as not ticked."""
    lead = make_user(session, role="lead", team="Care")
    sign_in(client, lead)
    for url in ("/morale/happy-file?starred={}", "/manual?flagged={}"):
        answer = client.get(url.format(value))
        assert answer.status_code == 200, (url, value, answer.text[-600:])
        assert "Input should be" not in answer.text, (url, value)
        assert (
            'type="checkbox"' in answer.text
            and "checked" not in answer.text.split('type="checkbox"', 1)[1].split(">", 1)[0]
        ), (url, value)
    assert (
        "checked"
        in client.get("/morale/happy-file?starred=true")
        .text.split('name="starred"', 1)[1]
        .split(">", 1)[0]
    )
