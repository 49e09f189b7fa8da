"""Intercom: conversations found through the search API by ``updated_at`` and read whole
(``conversation_parts``), replayed from responses written after Intercom's REST API reference
(version 2.11); and webhooks signed ``X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret,
body)>``. Intercom documents the scheme but publishes no test vector, so the test computes it
apart. The search API never lists deleted conversations: deletions arrive by webhook
(``conversation.deleted``), tested below.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
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
from poise.conversations.models import Conversation, Customer, Message, Rating, WebhookDelivery
from poise.settings import Settings

SEARCH = "/conversations/search"
T0 = 1_793_610_000  # 2026-11-02 around 10:00 UTC
CONTACT = {"type": "user", "id": "c-77", "name": "Chris Doe", "email": "chris@example.com"}
ADMIN = {"type": "admin", "id": "a-5", "name": "Ana Lopez", "email": "ana@poise.test"}


SECRET = "client-secret"


def part(
    part_id: str, kind: str, body: str | None, at: int, author: dict[str, Any] = ADMIN
) -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": kind,
        "body": body,
        "created_at": at,
        "updated_at": at,
        "notified_at": at,
        "author": author,
        "attachments": [],
        "redacted": False,
    }


REPLY = part("p1", "comment", "<p>Sorry! Refunded now.</p>", T0 + 600)
NOTE = part("p2", "note", "<p>Internal: VIP, be quick.</p>", T0 + 660)
CLOSE = part("p3", "close", None, T0 + 700)
THANKS = part("p4", "comment", "<p>Thank you!</p>", T0 + 90_000, CONTACT)


def conversation(
    conv_id: str, parts: list[Any], state: str = "open", updated: int = T0 + 700, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "conversation",
        "id": conv_id,
        "created_at": T0,
        "updated_at": updated,
        "state": state,
        "open": state == "open",
        "title": None,
        "source": {
            "type": "conversation",
            "id": f"s-{conv_id}",
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": "<p>I was charged twice.</p>",
            "author": CONTACT,
        },
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {"type": "contact", "id": "c-77", "external_id": None, "browser_language": "fr"}
            ],
        },
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "1", "name": "billing"}]},
        "conversation_rating": None,
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        },
        **extra,
    }


def found(items: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    pages: dict[str, Any] = {
        "type": "pages",
        "page": 1,
        "per_page": 50,
        "total_pages": 2 if after else 1,
    }
    if after:
        pages["next"] = {"page": 2, "starting_after": after}
    summaries = [
        {"type": "conversation", "id": c["id"], "updated_at": c["updated_at"]} for c in items
    ]
    return {
        "type": "conversation.list",
        "conversations": summaries,
        "total_count": len(items),
        "pages": pages,
    }


def connect(session: Session) -> None:
    given = {"access_token": "tok", "webhook_secret": SECRET}
    save_connector(session, actor=None, vendor_name="intercom", given=given)


def test_backfill_then_two_incremental_syncs(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    first = conversation("101", [REPLY, NOTE, CLOSE])
    replay.add("POST", SEARCH, too_many("2"))
    replay.json("POST", SEARCH, found([first]))
    replay.json("GET", "/conversations/101", first)
    sync(session, "intercom", replay, settings)
    assert replay.slept == [2.0]
    assert bodies(session, "intercom", "101") == [
        ("customer", "I was charged twice."),
        ("agent", "Sorry! Refunded now."),
    ]
    assert "Internal: VIP, be quick." not in all_bodies(session)
    assert session.scalar(select(Customer.language)) == "fr"

    rating = {"rating": 5, "remark": "Quick!", "created_at": T0 + 90_100}
    edited = conversation(
        "101", [REPLY, NOTE, CLOSE, THANKS], "closed", T0 + 90_100, conversation_rating=rating
    )
    replay.json("POST", SEARCH, found([edited]))
    replay.json("GET", "/conversations/101", edited)
    sync(session, "intercom", replay, settings)
    asked = replay.requests[-2].read()
    assert (
        f'"value": {T0 + 700 - 1}'.encode() in asked or f'"value":{T0 + 700 - 1}'.encode() in asked
    )
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    assert session.scalar(select(Conversation.status)) == "resolved"
    assert session.scalar(select(Rating.score)) == 5

    replay.json("POST", SEARCH, found([]))
    sync(session, "intercom", replay, settings)
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    assert not replay.unused()


def test_a_crash_mid_sync_resumes_from_the_cursor(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    first = conversation("101", [REPLY])
    replay.json("POST", SEARCH, found([first], after="WzE3OTM2MTA3MDAsMTAxXQ=="))
    replay.json("GET", "/conversations/101", first)
    replay.add("POST", SEARCH, crash())
    with pytest.raises(ConnectorError):
        sync(session, "intercom", replay, settings)
    connector = session.scalar(select(Connector))
    assert connector is not None and "WzE3OTM2MTA3MDAsMTAxXQ==" in (connector.cursor or "")
    second = conversation("102", [])
    replay.json("POST", SEARCH, found([second]))
    replay.json("GET", "/conversations/102", second)
    sync(session, "intercom", replay, settings)
    assert b"WzE3OTM2MTA3MDAsMTAxXQ==" in replay.requests[-2].read()
    assert (count(session, Conversation), count(session, Message)) == (2, 3)


def notification(
    item: dict[str, Any],
    created: int,
    topic: str = "conversation.user.replied",
    notif: str = "notif_1",
) -> bytes:
    return dumps(
        {
            "type": "notification_event",
            "app_id": "abc",
            "data": {"type": "notification_event_data", "item": item},
            "links": {},
            "id": notif,
            "topic": topic,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "first_sent_at": created,
            "created_at": created,
            "self": None,
        }
    )


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return {"X-Hub-Signature": f"sha1={digest}", "Content-Type": "application/json"}


def test_webhook_refuses_forged_stale_and_replayed(client: TestClient, session: Session) -> None:
    connect(session)
    now = int(time.time())
    item = conversation("101", [NOTE])
    good = notification(item, now)
    stale = notification(item, now - 3600)
    url = "/api/v1/connectors/intercom/webhook"
    refusals(
        client,
        url,
        good=(good, signed(good)),
        forged=(good, signed(good, "nope")),
        stale=(stale, signed(stale)),
    )
    assert all_bodies(session) == ["I was charged twice."]  # the note stayed private
    gone = notification(
        {"type": "conversation", "id": "101"}, now, "conversation.deleted", "notif_2"
    )
    assert client.post(url, content=gone, headers=signed(gone)).status_code == 200
    assert count(session, Conversation) == 0


def test_a_conversation_marked_priority_is_tagged_high(
    session: Session, settings: Settings
) -> None:
    """Intercom marks a conversation "priority" or "not_priority"; only the first is tagged."""
    connect(session)
    replay = Replay()
    marked = conversation("102", [REPLY], priority="priority")
    plain = conversation("103", [REPLY], priority="not_priority")
    replay.json("POST", SEARCH, found([marked, plain]))
    replay.json("GET", "/conversations/102", marked)
    replay.json("GET", "/conversations/103", plain)
    sync(session, "intercom", replay, settings)
    tags = dict(session.execute(select(Conversation.external_id, Conversation.tags)).all())
    assert tags == {"102": ["billing", "priority:high"], "103": ["billing"]}


def test_a_webhook_body_of_odd_shape_is_read_or_refused_not_a_server_error(
    client: TestClient, session: Session
) -> None:
    """Signed bodies whose objects are strings or lists where Intercom sends objects (and the
    reverse) used to raise AttributeError, a 500; a field of odd shape now reads as absent."""
    connect(session)
    url = "/api/v1/connectors/intercom/webhook"
    now = int(time.time())
    for n, data in enumerate(("not an object", [1, 2])):
        body = json.loads(notification(conversation("101", []), now, notif=f"odd-{n}"))
        body["data"] = data
        answer = client.post(url, content=dumps(body), headers=signed(dumps(body)))
        assert answer.status_code == 200, answer.text
        assert answer.json()["messages"] == 0
    odd = conversation("102", [], conversation_parts="x", tags=[1], contacts="x")
    body = notification(odd, now, notif="odd-3")
    answer = client.post(url, content=body, headers=signed(body))
    assert answer.status_code == 200, answer.text
    assert bodies(session, "intercom", "102") == [("customer", "I was charged twice.")]
    assert session.scalar(select(Conversation.tags)) == []
    outside = json.loads(notification(conversation("103", []), now, notif="odd-4"))
    outside["created_at"] = "0001-01-01T00:00:00+01:00"  # no UTC time: read as absent
    answer = client.post(url, content=dumps(outside), headers=signed(dumps(outside)))
    assert answer.status_code == 401, answer.text  # absent: no freshness to check
    assert "created_at" in answer.json()["detail"]


def test_a_notification_without_its_signed_time_is_refused_not_guarded_by_the_cache_alone(
    client: TestClient, session: Session
) -> None:
    """A notification with no ``created_at`` skipped the window: only the replay cache (an
    hour) stood between a captured delivery and its replay. Intercom signs that time in every
    notification, so one without it is refused, like a Zendesk delivery without its
    timestamp; nothing is stored, not even the replay key."""
    connect(session)
    url = "/api/v1/connectors/intercom/webhook"
    timeless = json.loads(notification(conversation("104", [REPLY]), int(time.time())))
    del timeless["created_at"]
    body = dumps(timeless)
    refused = client.post(url, content=body, headers=signed(body))
    assert refused.status_code == 401, refused.text
    assert "created_at" in refused.json()["detail"]
    assert (count(session, Conversation), count(session, WebhookDelivery)) == (0, 0)


def test_an_unsigned_body_is_refused_for_its_signature_before_its_content_is_judged(
    client: TestClient, session: Session
) -> None:
    """The app-wide input check read native webhook bodies before the signature: a forged
    delivery learned that its text held a NUL (400), and a signed one was refused for a
    character the connector drops anyway."""
    connect(session)
    url = "/api/v1/connectors/intercom/webhook"
    body = dumps({"id": "notif\x00", "topic": "ping", "created_at": int(time.time())})
    headers = {"Content-Type": "application/json"}
    forged = client.post(url, content=body, headers={**headers, "X-Hub-Signature": "sha1=0"})
    assert forged.status_code == 401, forged.text
    assert client.post(url, content=body, headers=signed(body)).status_code == 200
