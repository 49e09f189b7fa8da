"""An address no route answers, or a method it does not take: a page for a person, JSON for
a client, and nothing changes for the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in

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
