"""The hostile inputs issue #17 found giving 500s, each answered with a clear 4xx instead.

Huge ids on every id route (2^63 broke SQLite, 2^31 PostgreSQL), superscript digits and the
last day of year 9999 in filters, unknown source conversations, NUL bytes in text the database
cannot store, a NUL in a static path; and the API's search highlight escaping stored text.
"""

from __future__ import annotations

import json
import re
import socket

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.app import create_app
from poise.auth.actions import create_api_token
from poise.knowledge import actions as kb
from poise.morale.models import HappyItem
from poise.settings import Settings
from poise.training.actions import create_scenario
from poise.training.models import PracticeAttempt
from support import serving

HUGE = (2**31, 2**63, 10**30)  # PostgreSQL's integer, SQLite's, and beyond both


def _id_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) whose path carries an id."""
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and re.search(r"\{\w+_id\}", route.path):
            found.extend((m, route.path) for m in sorted(route.methods - {"HEAD"}))
    return found


def test_an_id_past_any_database_integer_is_not_found_or_refused_never_a_500(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin")
    csrf = sign_in(client, admin)
    token = create_api_token(session, actor=None, user=admin)
    routes = _id_routes(client)
    assert len(routes) > 50  # the routing table, not a hand-picked few
    wrong = []
    for method, path in routes:
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        if method != "GET" and not path.startswith("/api/"):
            headers = {"X-CSRF-Token": csrf}
        for value in HUGE:
            url = re.sub(r"\{\w+\}", str(value), path)
            status = client.request(method, url, headers=headers).status_code
            if status not in (400, 401, 404, 422):
                wrong.append(f"{method} {url} -> {status}")
    assert not wrong, "\n".join(wrong)
    client.cookies.clear()  # the issue's example, without signing in
    assert client.get(f"/wall/{2**63}").status_code in (404, 422)


def test_filters_refuse_superscript_digits_and_impossible_dates(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="lead", team="Care"))
    for query in ("assignee=²", "assignee=¹²", "opened_to=9999-12-31", "opened_from=0000-01-01"):
        for page in ("/conversations", "/signals"):
            status = client.get(f"{page}?{query}").status_code
            assert status in (200, 400, 422), (page, query, status)
    assert client.get("/conversations?opened_to=9999-12-31").status_code in (200, 400)


def test_an_article_from_unknown_conversations_is_refused_not_a_500(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    body = {"title": "Vouchers", "issue": "Do you sell vouchers?", "source_conversation_ids": [987]}
    answer = client.post("/api/v1/kb/articles", json=body, headers=headers)
    assert answer.status_code in (400, 404, 422), answer.text
    assert "987" in answer.text or "conversation" in answer.text
    assert client.get("/api/v1/kb/articles", headers=headers).json()["total"] == 0


def test_a_nul_byte_is_refused_with_the_field_named(client: TestClient, session: Session) -> None:
    """PostgreSQL cannot store NUL: each was a DataError (500) there."""
    lead = make_user(session, role="lead", team="Care")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    for url in ("/api/v1/kb/search?q=refund%00now", "/api/v1/conversations?product=a%00b"):
        answer = client.get(url, headers=headers)
        assert answer.status_code in (400, 422), (url, answer.text)
    happy = client.post("/api/v1/happy-file", json={"text": "kind\x00words"}, headers=headers)
    assert happy.status_code in (400, 422) and "text" in happy.text, happy.text
    article = client.post(
        "/api/v1/kb/articles", json={"title": "Re\x00fund", "issue": "Late"}, headers=headers
    )
    assert article.status_code in (400, 422) and "title" in article.text, article.text
    sign_in(client, lead)
    for page in ("/manual/search?q=refund%00now", "/conversations?product=a%00b"):
        assert client.get(page).status_code in (400, 422), page
    assert client.get("/static/x%00").status_code in (400, 404)


def test_the_api_search_highlight_escapes_stored_text(client: TestClient, session: Session) -> None:
    """The page escapes stored text and marks the words found; the JSON API gives the text as
    text (it carried ``<mark>`` tags and ``&lt;`` escapes) and the marks as offsets."""
    lead = make_user(session, role="lead")
    fields = kb.ArticleFields(
        title="Refund <b>late</b>", issue="My refund <script>alert(1)</script> is late"
    )
    article = kb.create_article(session, actor=lead, fields=fields)
    kb.change_status(session, actor=None, article_id=article.id, status="published")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    hits = client.get("/api/v1/kb/search?q=refund", headers=headers).json()["hits"]
    highlight = hits[0]["highlight"]
    assert highlight == "My refund <script>alert(1)</script> is late"
    assert [highlight[a:b] for a, b in hits[0]["highlight_marks"]] == ["refund"]
    sign_in(client, lead)
    page = client.get("/manual/search?q=refund").text
    assert "<mark>refund</mark>" in page and "&lt;script&gt;alert(1)" in page
    assert "<script>alert" not in page


def test_hostile_import_files_are_refused_through_the_api(
    client: TestClient, session: Session
) -> None:
    """A JSONL id that is ``true`` or an object, and 100,000 nested ``[``: tracebacks (500s)
    through the API before; refused with a message now, and nothing stored."""
    lead = make_user(session, role="lead")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    for data in (
        b'{"conversation_id": true, "channel": "chat", "author_role": "customer", '
        b'"body": "Hi", "sent_at": "2026-11-01T09:00:00Z"}\n',
        b'{"conversation_id": {"a": 1}, "channel": "chat", "author_role": "customer", '
        b'"body": "Hi", "sent_at": "2026-11-01T09:00:00Z"}\n',
        b"[" * 100_000,
    ):
        answer = client.post(
            "/api/v1/imports",
            data={"format": "jsonl"},
            files={"file": ("hostile.jsonl", data, "application/jsonl")},
            headers=headers,
        )
        assert answer.status_code in (400, 422), answer.text
        assert answer.json().get("detail") or answer.json().get("errors"), answer.text
    listed = client.get("/api/v1/conversations", headers=headers).json()
    assert listed["total"] == 0


def test_a_lone_surrogate_in_a_json_body_is_refused_naming_the_field_never_a_500(
    client: TestClient, session: Session
) -> None:
    """JSON may spell a lone surrogate (``\\ud800``). The input check refuses it like a NUL,
    naming the field: a plain ``str`` field (a practice reply) let it through to the
    tokenizer, a 500."""
    token = create_api_token(session, actor=None, user=make_user(session, role="lead"))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = '{"messages": [{"author_role": "customer", "body": "broken \\ud800 text"}]}'
    answer = client.post("/api/v1/assist", content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert "messages.0.body: must not contain a lone surrogate (U+D800" in answer.json()["detail"]
    scenario = create_scenario(session, actor=None, title="Late", customer_text="Where is it?")
    reply = '{"reply": "sorry \\udfff"}'
    url = f"/api/v1/training/practice/{scenario.id}"
    answer = client.post(url, content=reply, headers=headers)
    assert answer.status_code == 400, answer.text
    assert "reply: must not contain a lone surrogate" in answer.json()["detail"]
    assert session.scalar(select(func.count(PracticeAttempt.id))) == 0


def test_a_c1_control_is_refused_by_the_api_as_the_webhook_refuses_it(
    client: TestClient, session: Session
) -> None:
    """C1 controls (U+0080–U+009F) passed every JSON body, while Poise's signed webhook
    refused them: a NEL sent in a note was stored, invisible. Tab and newline stay text."""
    user = make_user(session)
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}
    api = client.post("/api/v1/happy-file", json={"text": "kind\x85words"}, headers=headers)
    assert api.status_code == 400, api.text
    assert "text: must not contain control characters (U+0085 at character 5)" in api.text
    assert session.scalar(select(func.count(HappyItem.id))) == 0
    kept = client.post("/api/v1/happy-file", json={"text": "kind\twords\nhere"}, headers=headers)
    assert kept.status_code in (200, 201), kept.text
    assert session.scalar(select(func.count(HappyItem.id))) == 1


def test_a_form_keeps_what_was_typed_without_its_control_characters(
    client: TestClient, session: Session
) -> None:
    """A note pasted with a vertical tab, an escape or a NEL in it got the bare error page
    ("Something is not right") and the note was lost: the characters are invisible, so the
    person could not even see what to remove. A form's values are stored without them, as
    the plain form and the page's own (multipart) form post them; tab and newline stay."""
    user = make_user(session)
    csrf = sign_in(client, user)
    plain = client.post(
        "/morale/happy-file", data={"csrf_token": csrf, "text": "You\x9f rock,\x0b\tthanks"}
    )
    assert plain.status_code in (200, 303), plain.text
    assert "Something is not right" not in plain.text
    multipart = client.post(
        "/morale/happy-file",
        data={"csrf_token": csrf, "text": "Made my \x1b[1mday\x00\nreally"},
        files={"unused": ("note.txt", b"\x0bbytes of a file are its own", "text/plain")},
    )
    assert multipart.status_code in (200, 303), multipart.text
    stored = set(session.scalars(select(HappyItem.text)))
    assert stored == {"You rock,\tthanks", "Made my [1mday\nreally"}


def test_a_json_body_without_a_type_or_sent_chunked_is_checked_like_any_other(
    client: TestClient, session: Session
) -> None:
    """FastAPI reads a body with no content type as JSON, but the input check skipped it, and
    one sent chunked (no Content-Length): a NUL reached the database either way."""
    token = create_api_token(session, actor=None, user=make_user(session))
    auth = {"Authorization": f"Bearer {token}"}
    body = json.dumps({"text": "kind\x00words"}).encode()
    untyped = client.post("/api/v1/happy-file", content=body, headers=auth)
    chunked = client.post(
        "/api/v1/happy-file",
        content=iter([body[:5], body[5:]]),
        headers={**auth, "Content-Type": "application/json"},
    )
    for answer in (untyped, chunked):
        assert answer.status_code == 400, answer.text
        assert "text: must not contain control characters (NUL" in answer.json()["detail"]
    assert session.scalar(select(func.count(HappyItem.id))) == 0


def test_a_json_body_over_the_cap_is_refused_before_it_is_read(
    settings: Settings, session: Session
) -> None:
    """A 200 MB JSON body was read whole, parsed, and echoed back in the 422. Through a real
    server (TestClient buffers bodies): the 413 comes from the header alone, and a chunked
    body is refused once it passes the cap, long before 200 MB."""
    token = create_api_token(session, actor=None, user=make_user(session))
    head = (
        "POST /api/v1/happy-file HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\n"
    )
    with serving(create_app(settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        declared = f"{head}Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
        assert _answer(port, declared, b"").startswith(b"HTTP/1.1 413 ")
        chunk = b"x" * 65536
        chunked = f"{head}Transfer-Encoding: chunked\r\n\r\n".encode()
        answer = _answer(port, chunked, b"%x\r\n%s\r\n" % (len(chunk), chunk))
        assert answer.startswith(b"HTTP/1.1 413 ")
    assert session.scalar(select(func.count(HappyItem.id))) == 0


def _answer(port: int, head: bytes, chunk: bytes) -> bytes:
    """Send ``head``, then ``chunk`` again and again (up to 8 MB, far past the cap) until the
    server answers; ``b""`` when it is still reading by then."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sock.settimeout(0.2)
        for _ in range(8 * 1024 * 1024 // len(chunk) if chunk else 25):
            try:
                return sock.recv(4096)
            except TimeoutError:
                sock.sendall(chunk)
        return b""


def test_the_api_s_form_uploads_still_refuse_a_control_character_naming_the_field(
    client: TestClient, session: Session
) -> None:
    """A page's form drops control characters; a program's upload to the API is refused as
    its JSON is, so its author hears of the encoding bug."""
    lead = make_user(session, role="lead")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    answer = client.post(
        "/api/v1/imports",
        headers=headers,
        data={"format": "csv", "source": "up\x0bload"},
        files={"file": ("file.csv", b"conversation_id,body\n", "text/csv")},
    )
    assert answer.status_code == 400, answer.text
    assert "source: must not contain control characters (U+000B at character 3)" in answer.text
