"""Help Scout: an OAuth token, then conversations by ``modifiedSince`` with their threads
embedded, replayed from responses written after the Mailbox API 2.0 reference; and the
webhook signed ``base64(HMAC-SHA1(secret, body))``. Help Scout's docs show the formula in PHP
but publish no body, secret and signature to check against, so the test computes it apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connectors.recorded import (
    Replay,
    all_bodies,
    bodies,
    count,
    crash,
    dumps,
    refusals,
    sync,
    too_many,
)
from poise.connectors.actions import save_connector
from poise.connectors.client import ConnectorError
from poise.connectors.models import Connector
from poise.conversations.models import Conversation, Message, WebhookDelivery
from poise.settings import Settings

LIST = "/v2/conversations"
TOKEN = "/v2/oauth2/token"
CUSTOMER = {
    "id": 501,
    "type": "customer",
    "first": "Chris",
    "last": "Doe",
    "email": "chris@example.com",
}
AGENT = {"id": 9, "type": "user", "first": "Ana", "last": "Lopez", "email": "ana@poise.test"}


SECRET = "hs-secret"


def thread(thread_id: int, kind: str, body: str, at: str) -> dict[str, Any]:
    author = CUSTOMER if kind == "customer" else AGENT
    return {
        "id": thread_id,
        "type": kind,
        "status": "active",
        "state": "published",
        "body": f"<p>{body}</p>",
        "createdBy": author,
        "customer": CUSTOMER,
        "createdAt": at,
    }


OPENING = thread(1, "customer", "My invoice is wrong.", "2026-11-02T09:00:00Z")
REPLY = thread(2, "message", "Fixed it &amp; resent it.", "2026-11-02T09:20:00Z")
NOTE = thread(3, "note", "Internal: second time this month.", "2026-11-02T09:21:00Z")
THANKS = thread(4, "customer", "Thanks, looks right now.", "2026-11-03T08:00:00Z")


def conversation(
    number: int,
    threads: list[Any],
    status: str = "active",
    state: str = "published",
    updated: str = "2026-11-02T09:21:00Z",
) -> dict[str, Any]:
    return {
        "id": number,
        "number": 3000 + number,
        "type": "email",
        "mailboxId": 1,
        "status": status,
        "state": state,
        "subject": "Invoice problem",
        "createdAt": "2026-11-02T09:00:00Z",
        "closedAt": None,
        "userUpdatedAt": updated,
        "primaryCustomer": CUSTOMER,
        "assignee": AGENT,
        "tags": [{"id": 1, "color": "#fff", "tag": "billing"}],
        "_embedded": {"threads": threads},
    }


def listing(items: list[Any], number: int = 1, pages: int = 1) -> dict[str, Any]:
    return {
        "_embedded": {"conversations": items},
        "page": {"size": 25, "totalElements": len(items), "totalPages": pages, "number": number},
    }


def token(replay: Replay) -> None:
    replay.json(
        "POST", TOKEN, {"token_type": "bearer", "access_token": "tok", "expires_in": 172800}
    )


def connect(session: Session) -> None:
    given = {"app_id": "app", "app_secret": "s3cret", "webhook_secret": SECRET}
    save_connector(session, actor=None, vendor_name="helpscout", given=given)


def test_backfill_then_two_incremental_syncs(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    token(replay)
    replay.add("GET", LIST, too_many("5"))
    replay.json(
        "GET",
        LIST,
        listing([conversation(1, [OPENING, REPLY, NOTE]), conversation(2, [OPENING | {"id": 20}])]),
    )
    sync(session, "helpscout", replay, settings)
    assert replay.slept == [5.0]
    assert replay.requests[-1].headers["Authorization"] == "Bearer tok"
    assert bodies(session, "helpscout", "1") == [
        ("customer", "My invoice is wrong."),
        ("agent", "Fixed it & resent it."),
    ]
    assert NOTE["body"] not in all_bodies(session)

    token(replay)
    edited = conversation(
        1, [OPENING, REPLY, NOTE, THANKS], "closed", updated="2026-11-03T08:00:00Z"
    )
    replay.json("GET", LIST, listing([edited, conversation(2, [], state="deleted")]))
    sync(session, "helpscout", replay, settings)
    assert replay.params(LIST)[-1]["modifiedSince"] == "2026-11-02T09:21:00Z"
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    assert session.scalar(select(Conversation.status)) == "resolved"

    token(replay)
    replay.json("GET", LIST, listing([]))
    sync(session, "helpscout", replay, settings)
    assert replay.params(LIST)[-1]["modifiedSince"] == "2026-11-03T08:00:00Z"
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    assert not replay.unused()


def test_a_crash_mid_sync_resumes_from_the_cursor(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    token(replay)
    replay.json("GET", LIST, listing([conversation(1, [OPENING])], 1, pages=2))
    replay.add("GET", LIST, crash())
    with pytest.raises(ConnectorError):
        sync(session, "helpscout", replay, settings)
    connector = session.scalar(select(Connector))
    assert connector is not None and "could not reach Help Scout" in connector.last_error
    token(replay)
    replay.json("GET", LIST, listing([conversation(2, [OPENING | {"id": 20}])], 2, pages=2))
    sync(session, "helpscout", replay, settings)
    assert [p["page"] for p in replay.params(LIST)] == ["1", "2", "2"]
    assert (count(session, Conversation), count(session, Message)) == (2, 2)


def signed(
    body: bytes, secret: str = SECRET, event: str = "convo.customer.reply.created"
) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return {
        "X-HelpScout-Signature": base64.b64encode(digest).decode(),
        "X-HelpScout-Event": event,
        "Content-Type": "application/json",
    }


def test_webhook_refuses_forged_stale_and_replayed(client: TestClient, session: Session) -> None:
    connect(session)
    now = datetime.now(UTC)
    fresh = thread(5, "customer", "Still wrong!", now.isoformat())
    good = dumps(conversation(1, [fresh], updated=now.isoformat()))
    old = (now - timedelta(hours=2)).isoformat()
    stale = dumps(conversation(1, [fresh | {"createdAt": old}], updated=old))
    url = "/api/v1/connectors/helpscout/webhook"
    refusals(
        client,
        url,
        good=(good, signed(good)),
        forged=(good, signed(good, "nope")),
        stale=(stale, signed(stale)),
    )
    noted = dumps(
        conversation(1, [fresh, NOTE | {"createdAt": now.isoformat()}], updated=now.isoformat())
    )
    assert (
        client.post(
            url, content=noted, headers=signed(noted, event="convo.note.created")
        ).status_code
        == 200
    )
    assert all_bodies(session) == ["Still wrong!"]
    gone = dumps({"id": 1})
    assert (
        client.post(url, content=gone, headers=signed(gone, event="convo.deleted")).status_code
        == 200
    )
    assert count(session, Conversation) == 0


def test_a_webhook_body_of_odd_shape_is_read_or_refused_not_a_server_error(
    client: TestClient, session: Session
) -> None:
    """``_embedded`` as a string and a time with no UTC equivalent used to be 500s."""
    connect(session)
    url = "/api/v1/connectors/helpscout/webhook"
    odd = conversation(7, []) | {"_embedded": "x", "userUpdatedAt": "0001-01-01T00:00:00+01:00"}
    odd["createdAt"] = datetime.now(UTC).isoformat()  # the one time left to judge it by
    answer = client.post(url, content=dumps(odd), headers=signed(dumps(odd)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["messages"] == 0
    assert count(session, Conversation) == 0


URL = "/api/v1/connectors/helpscout/webhook"


def test_a_captured_conversation_sent_again_as_a_deletion_is_refused(
    client: TestClient, session: Session
) -> None:
    """Help Scout signs the body, not the ``X-HelpScout-Event`` header. A deletion read only
    the id and skipped the window, so a captured reply sent again with ``convo.deleted``,
    once the replay cache had let it go, deleted the conversation with its messages."""
    connect(session)
    now = datetime.now(UTC).isoformat()
    body = dumps(conversation(1, [thread(5, "customer", "Still wrong!", now)], updated=now))
    assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    session.execute(delete(WebhookDelivery))  # an hour on: the replay cache let it go
    session.commit()
    swapped = client.post(URL, content=body, headers=signed(body, event="convo.deleted"))
    assert swapped.status_code == 400, swapped.text
    assert "event header does not match" in swapped.json()["detail"]
    assert (count(session, Conversation), all_bodies(session)) == (1, ["Still wrong!"])
    gone = dumps({"id": 1})  # what Help Scout sends for a deletion
    answer = client.post(URL, content=gone, headers=signed(gone, event="convo.deleted"))
    assert answer.status_code == 200, answer.text
    assert count(session, Conversation) == 0
    again = client.post(URL, content=gone, headers=signed(gone, event="convo.deleted"))
    assert again.status_code == 409  # no time to judge: the replay cache holds it an hour


def test_a_conversation_with_no_time_is_refused_not_guarded_by_the_cache_alone(
    client: TestClient, session: Session
) -> None:
    """A conversation body without any time skipped the window, so only the replay cache (an
    hour) kept a captured delivery from being stored again. Help Scout's conversation objects
    always carry ``createdAt``; one with no time at all is refused and nothing is written."""
    connect(session)
    timeless = conversation(8, [OPENING | {"createdAt": None}])
    del timeless["createdAt"], timeless["userUpdatedAt"]
    body = dumps(timeless)
    refused = client.post(URL, content=body, headers=signed(body))
    assert refused.status_code == 401, refused.text
    assert "carries no time" in refused.json()["detail"]
    assert (count(session, Conversation), count(session, WebhookDelivery)) == (0, 0)


def test_c1_control_characters_are_dropped_like_the_other_controls(
    client: TestClient, session: Session
) -> None:
    """A connector drops control characters rather than refuse a helpdesk's ticket, but only
    C0 and DEL were dropped: U+0080 to U+009F (mojibake of Windows-1252 text, a stray NEL)
    were stored."""
    connect(session)
    now = datetime.now(UTC).isoformat()
    odd = thread(6, "customer", "Hello\x85 again\x1b, \x9bstill broken", now)
    body = dumps(conversation(9, [odd], updated=now) | {"subject": "Invoice\x80 problem"})
    answer = client.post(URL, content=body, headers=signed(body))
    assert answer.status_code == 200, answer.text
    assert all_bodies(session) == ["Hello again, still broken"]
    assert session.scalar(select(Conversation.subject)) == "Invoice problem"


def test_a_long_conversation_fits_a_delivery_and_a_huge_body_is_still_refused(
    client: TestClient, session: Session
) -> None:
    """Help Scout sends the whole conversation with every thread. The cap was sized for one
    message (about 145 kB at the default limit), so every delivery of a long e-mail thread was
    refused (413) and its new reply waited for the next sync."""
    connect(session)
    start = datetime.now(UTC) - timedelta(minutes=3)
    threads = [
        thread(
            100 + n,
            "customer" if n % 2 else "message",
            f"{n} " + "word " * 3000,
            (start + timedelta(seconds=n)).isoformat(),
        )
        for n in range(20)
    ]
    now = datetime.now(UTC).isoformat()
    body = dumps(conversation(10, threads, updated=now))
    assert len(body) > 200_000
    answer = client.post(URL, content=body, headers=signed(body))
    assert answer.status_code == 200, answer.text[:200]
    assert answer.json()["messages"] == 20
    huge = b"{" + b" " * (4 * 1024 * 1024) + b"}"
    refused = client.post(URL, content=huge, headers=signed(huge))
    assert refused.status_code == 413, refused.text
