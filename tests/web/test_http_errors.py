"""An address no route answers, or a method it does not take: a page for a person, JSON for
a client, and nothing changes for the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token

HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_a_mistyped_address_gets_a_page_not_json(client: TestClient, session: Session) -> None:
    anonymous = client.get("/conversatons", headers=HTML)
    assert anonymous.status_code == 404 and anonymous.headers["content-type"].startswith(
        "text/html"
    )
    assert "<title>" in anonymous.text and "There is no page at this address" in anonymous.text
    sign_in(client, make_user(session, name="Ada Agent"))
    signed_in = client.get("/morale/no-such-page", headers=HTML)
    assert signed_in.status_code == 404 and "Ada Agent" in signed_in.text, "the usual menu"


def test_a_wrong_method_keeps_its_allow_header(client: TestClient) -> None:
    page = client.put("/login", headers=HTML)
    assert page.status_code == 405 and "does not take that kind of request" in page.text
    assert "GET" in page.headers["allow"]


def test_clients_that_do_not_ask_for_html_keep_json(client: TestClient) -> None:
    assert client.get("/api/v1/no-such-thing", headers=HTML).json() == {"detail": "Not Found"}
    assert client.get("/conversatons").json() == {"detail": "Not Found"}
    assert client.put("/login").json() == {"detail": "Method Not Allowed"}


OUT_OF_RANGE = ("99999999999999999999", str(2**31), "0", "-5", "abc")


@pytest.mark.parametrize("given", OUT_OF_RANGE)
def test_an_id_no_row_can_have_is_a_missing_thing(
    client: TestClient, session: Session, given: str
) -> None:
    """``/conversations/99999999999999999999`` answered a 422 quoting the validator ("Input
    should be less than or equal to 2147483647"): no row has that id, so it is a 404 like any
    missing one, on the not-found page for a person and as the API's usual body for a script."""
    user = make_user(session, role="admin")
    token = create_api_token(session, actor=None, user=user)
    sign_in(client, user)
    for address in (f"/conversations/{given}", f"/training/attempts/{given}"):
        page = client.get(address, headers=HTML)
        assert page.status_code == 404, (address, page.text)
        assert page.headers["content-type"].startswith("text/html")
        assert "Input should" not in page.text and "2147483647" not in page.text
    api = client.get(f"/api/v1/conversations/{given}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404, api.text
    assert api.json() == {"detail": f"no conversation with id {given}"}


def test_an_id_in_range_still_opens_its_row(client: TestClient, session: Session) -> None:
    user = make_user(session, role="admin")
    token = create_api_token(session, actor=None, user=user)
    conversation = make_conversation(session)
    sign_in(client, user)
    assert client.get(f"/conversations/{conversation.id}", headers=HTML).status_code == 200
    api = client.get(
        f"/api/v1/conversations/{conversation.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200 and api.json()["id"] == conversation.id
    missing = client.get(f"/conversations/{2**31 - 1}", headers=HTML)
    assert missing.status_code == 404 and f"no conversation with id {2**31 - 1}" in missing.text
