"""Zendesk: backfill and incremental syncs over the cursor-based ticket export, replayed from
responses written after Zendesk's API reference (Incremental Exports, Ticket Comments, Users),
and the native webhook through real requests to the app.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.recorded import Replay, all_bodies, bodies, count, crash, dumps, sync, too_many
from poise.connectors.actions import save_connector
from poise.connectors.client import ConnectorError
from poise.connectors.models import Connector
from poise.connectors.vendors.zendesk import Zendesk
from poise.conversations.actions import import_file
from poise.conversations.importers.common import ImportLimits
from poise.conversations.models import Conversation, Customer, Message, Rating, WebhookDelivery
from poise.settings import Settings
from support import serving

EXPORT = "/api/v2/incremental/tickets/cursor.json"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="  # Zendesk's documented test secret
CHRIS = {
    "id": 20978392,
    "name": "Chris Doe",
    "email": "chris@example.com",
    "role": "end-user",
    "locale": "de",
}
ANA = {
    "id": 235323,
    "name": "Ana Lopez",
    "email": "ana@poise.test",
    "role": "agent",
    "locale": "en-US",
}


def ticket(
    ticket_id: int, status: str = "open", updated: str = "2026-11-02T10:00:00Z", **extra: Any
) -> dict[str, Any]:
    return {
        "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "id": ticket_id,
        "subject": "Help, my printer is on fire!",
        "status": status,
        "created_at": "2026-11-02T09:00:00Z",
        "updated_at": updated,
        "via": {"channel": "web"},
        "requester_id": CHRIS["id"],
        "assignee_id": ANA["id"],
        "tags": ["hardware"],
        **extra,
    }


def comment(
    comment_id: int, author: dict[str, Any], body: str, at: str, public: bool = True
) -> dict[str, Any]:
    return {
        "id": comment_id,
        "type": "Comment",
        "author_id": author["id"],
        "body": body,
        "html_body": f"<p>{body}</p>",
        "plain_body": body,
        "public": public,
        "created_at": at,
        "attachments": [],
    }


def export(tickets: list[dict[str, Any]], after: str, end: bool) -> dict[str, Any]:
    return {
        "tickets": tickets,
        "users": [CHRIS, ANA],
        "after_cursor": after,
        "after_url": f"https://acme.zendesk.com{EXPORT}?cursor={after}",
        "before_cursor": None,
        "before_url": None,
        "end_of_stream": end,
    }


def comments(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "comments": list(items),
        "users": [CHRIS, ANA],
        "next_page": None,
        "previous_page": None,
        "count": len(items),
    }


OPENING = comment(
    1001, CHRIS, "The printer started smoking after the update.", "2026-11-02T09:00:00Z"
)
REPLY = comment(1002, ANA, "Please unplug it right away.", "2026-11-02T09:12:00Z")
NOTE = comment(
    1003, ANA, "Internal: firmware 2.3 again, escalate.", "2026-11-02T09:13:00Z", public=False
)
THANKS = comment(1004, CHRIS, "Unplugged. Thank you!", "2026-11-03T08:00:00Z")


def connect(session: Session, secret: str = SECRET) -> None:
    given = {
        "subdomain": "acme",
        "email": "ana@poise.test",
        "api_token": "t0ken",
        "webhook_secret": secret,
    }
    save_connector(session, actor=None, vendor_name="zendesk", given=given)


def test_backfill_then_two_incremental_syncs(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    replay.add("GET", EXPORT, too_many("7"))
    replay.json("GET", EXPORT, export([ticket(35436)], "c1", end=False))
    replay.json("GET", "/api/v2/tickets/35436/comments.json", comments(OPENING, REPLY, NOTE))
    other = ticket(
        501, "solved", satisfaction_rating={"id": 9, "score": "bad", "comment": "Too slow."}
    )
    replay.json("GET", EXPORT, export([other], "c2", end=True))
    more = "https://acme.zendesk.com/api/v2/tickets/501/comments.json?page=2"
    replay.json(
        "GET",
        "/api/v2/tickets/501/comments.json",
        comments(OPENING | {"id": 2001}) | {"next_page": more},
        comments(THANKS | {"id": 2002}),
    )
    sync(session, "zendesk", replay, settings)

    assert replay.slept == [7.0]  # the 429's Retry-After, honoured once
    assert "start_time" in replay.params(EXPORT)[0]
    assert replay.params(EXPORT)[-1]["cursor"] == "c1"
    assert bodies(session, "zendesk", "35436") == [
        ("customer", OPENING["body"]),
        ("agent", REPLY["body"]),
    ]
    assert NOTE["body"] not in all_bodies(session)  # a private note is no customer message
    assert (
        session.scalar(select(Customer.language).where(Customer.external_id == "20978392")) == "de"
    )
    assert session.scalar(select(Rating.score)) == 1
    assert len(bodies(session, "zendesk", "501")) == 2  # both pages of its comments

    edited = ticket(
        35436,
        "solved",
        "2026-11-03T08:05:00Z",
        satisfaction_rating={"score": "good", "comment": "Fast!"},
    )
    replay.json("GET", EXPORT, export([edited, ticket(501, "deleted")], "c3", end=True))
    replay.json(
        "GET", "/api/v2/tickets/35436/comments.json", comments(OPENING, REPLY, NOTE, THANKS)
    )
    sync(session, "zendesk", replay, settings)

    assert replay.params(EXPORT)[-1]["cursor"] == "c2"
    assert [b for _, b in bodies(session, "zendesk", "35436")][-1] == THANKS["body"]
    assert count(session, Message) == 3  # the new turn appended, nothing doubled (501 gone)
    assert session.scalar(select(Conversation.status)) == "resolved"
    assert session.scalar(select(Conversation.external_id)) == "35436"  # 501 deleted: forgotten

    replay.json("GET", EXPORT, export([], "c3", end=True))
    sync(session, "zendesk", replay, settings)
    assert replay.params(EXPORT)[-1]["cursor"] == "c3"
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    connector = session.scalar(select(Connector))
    assert connector is not None and connector.backfilled and not connector.last_error
    assert connector.synced_through == datetime(2026, 11, 3, 8, 5, tzinfo=UTC)
    assert not replay.unused()


def test_a_next_page_on_another_host_is_not_followed(session: Session, settings: Settings) -> None:
    """Zendesk names a ticket's next comments page by full address, and the sync followed it to
    any host with the account's credentials (an internal one included): only addresses on
    the account's own host are followed now, and the sync says where it was pointed."""
    connect(session)
    replay = Replay()
    replay.json("GET", EXPORT, export([ticket(35436)], "c1", end=True))
    inside = "http://169.254.169.254/latest/meta-data/?page=2"
    replay.json(
        "GET",
        "/api/v2/tickets/35436/comments.json",
        comments(OPENING) | {"next_page": inside},
    )
    with pytest.raises(ConnectorError, match=r"another host \(169\.254\.169\.254\)"):
        sync(session, "zendesk", replay, settings)
    assert {r.url.host for r in replay.requests} == {"acme.zendesk.com"}
    connector = session.scalar(select(Connector))
    assert connector is not None and "acme.zendesk.com" in (connector.last_error or "")


def test_a_crash_mid_sync_resumes_from_the_cursor(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    replay.json("GET", EXPORT, export([ticket(35436)], "c1", end=False))
    replay.json("GET", "/api/v2/tickets/35436/comments.json", comments(OPENING, REPLY))
    replay.add("GET", EXPORT, crash())
    with pytest.raises(ConnectorError, match="could not reach Zendesk"):
        sync(session, "zendesk", replay, settings)
    connector = session.scalar(select(Connector))
    assert connector is not None and connector.cursor == "c1"
    assert "could not reach Zendesk" in connector.last_error
    assert count(session, Message) == 2  # page 1 was committed with its cursor

    replay.json("GET", EXPORT, export([ticket(502)], "c2", end=True))
    replay.json("GET", "/api/v2/tickets/502/comments.json", comments(THANKS))
    sync(session, "zendesk", replay, settings)
    assert replay.params(EXPORT)[-1]["cursor"] == "c1"  # resumed, page 1 not asked again
    assert (count(session, Conversation), count(session, Message)) == (2, 3)
    session.refresh(connector)
    assert connector.last_error == "" and connector.cursor == "c2"


def test_a_ticket_from_a_file_and_from_the_api_is_one_conversation(
    session: Session, settings: Settings
) -> None:
    data = (FIXTURES / "zendesk_export.json").read_bytes()
    import_file(session, actor=None, data=data, filename="export.json", fmt="zendesk")
    before = (count(session, Conversation), count(session, Message))
    file_ticket = json.loads(data)["tickets"][0]
    same = {k: v for k, v in file_ticket.items() if k != "comments"}
    connect(session)
    replay = Replay()
    replay.json("GET", EXPORT, export([same], "c1", end=True))
    replay.json(
        "GET",
        "/api/v2/tickets/35436/comments.json",
        {"comments": file_ticket["comments"], "users": [CHRIS, ANA], "next_page": None},
    )
    sync(session, "zendesk", replay, settings)
    assert (count(session, Conversation), count(session, Message)) == before


def signed(body: bytes, stamp: str, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def event(comment_id: str, body: str, public: bool = True, event_id: str = "evt-1") -> bytes:
    """A ``ticket.comment_added`` event as Zendesk's event-webhooks reference shows it."""
    return dumps(
        {
            "account_id": 1234,
            "id": event_id,
            "time": "2026-11-02T10:00:00Z",
            "type": "zen:event-type:ticket.comment_added",
            "subject": "zen:ticket:35436",
            "zendesk_event_version": "2022-11-06",
            "detail": {
                "id": "35436",
                "subject": "Help, my printer is on fire!",
                "status": "OPEN",
                "requester_id": "20978392",
                "created_at": "2026-11-02T09:00:00Z",
                "via": {"channel": "web"},
                "tags": [],
            },
            "event": {
                "comment": {
                    "id": comment_id,
                    "body": body,
                    "is_public": public,
                    "author": {"id": "20978392", "is_staff": False, "name": "Chris Doe"},
                }
            },
        }
    )


def now_stamp(shift: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")


URL = "/api/v1/connectors/zendesk/webhook"


def test_the_signature_matches_zendesks_formula() -> None:
    """Zendesk's webhook reference gives the formula, ``base64(HMACSHA256(TIMESTAMP + BODY))``,
    and a test signing secret, but no signature computed from them; this checks ours against
    the formula computed independently, on that secret. (The one worked example Zendesk
    publishes, on its older event-connectors page, signs the body *then* the timestamp,
    against its own main reference and every implementation we found, so it is no vector.)"""
    body, stamp = b'{"a":1}', "2021-08-24T17:05:47Z"
    Zendesk().verify(SECRET, {k.lower(): v for k, v in signed(body, stamp).items()}, body)


def test_webhook_stores_a_comment_and_refuses_forged_stale_and_replayed(
    client: TestClient, session: Session
) -> None:
    connect(session)
    body = event("1005", "It is smoking again!")
    stamp = now_stamp()
    assert client.post(URL, content=body, headers=signed(body, stamp, "wrong")).status_code == 401
    old = now_stamp(-timedelta(minutes=10))
    assert client.post(URL, content=body, headers=signed(body, old)).status_code == 401
    assert count(session, Message) == 0  # forged and stale: nothing stored

    first = client.post(URL, content=body, headers=signed(body, stamp))
    assert first.status_code == 200, first.text
    assert first.json()["messages"] == 1
    again = client.post(URL, content=body, headers=signed(body, stamp))
    assert again.status_code == 409
    note = event("1006", "Internal: refund him.", public=False, event_id="evt-2")
    assert client.post(URL, content=note, headers=signed(note, now_stamp())).status_code == 200
    assert all_bodies(session) == ["It is smoking again!"]
    deleted = dumps(
        {
            "id": "evt-3",
            "time": "2026-11-02T10:05:00Z",
            "type": "zen:event-type:ticket.soft_deleted",
            "detail": {"id": "35436"},
        }
    )
    assert (
        client.post(URL, content=deleted, headers=signed(deleted, now_stamp())).status_code == 200
    )
    assert count(session, Conversation) == 0


def test_an_event_without_an_id_is_keyed_by_its_signed_body_not_an_unsigned_header(
    client: TestClient, session: Session
) -> None:
    """The replay key of an event without an ``id`` came from the invocation-id header, which
    Zendesk does not sign: a captured delivery sent again with a new header value was stored
    as new. Now the key is a digest of the signed body."""
    connect(session)
    data = json.loads(event("1008", "Smoke again"))
    del data["id"]
    body, stamp = dumps(data), now_stamp()
    headers = signed(body, stamp) | {"X-Zendesk-Webhook-Invocation-Id": "inv-1"}
    first = client.post(URL, content=body, headers=headers)
    assert first.status_code == 200, first.text
    forged = headers | {"X-Zendesk-Webhook-Invocation-Id": "inv-2"}  # not signed: anyone can
    replayed = client.post(URL, content=body, headers=forged)
    assert replayed.status_code == 409, replayed.text
    assert count(session, WebhookDelivery) == 1
    other = dumps(data | {"time": "2026-11-02T10:01:00Z"})  # another event, also without an id
    assert client.post(URL, content=other, headers=signed(other, stamp)).status_code == 200


def test_a_webhook_for_a_helpdesk_not_set_up_says_so_not_a_bad_signature(
    client: TestClient, session: Session
) -> None:
    """Before the connector is saved a delivery answered "the signature does not match",
    sending whoever set up the helpdesk's side after a wrong secret."""
    body = event("1005", "It is smoking again!")
    for headers in (signed(body, now_stamp()), {}):
        refused = client.post(URL, content=body, headers=headers)
        assert refused.status_code == 404, refused.text
        assert refused.json() == {
            "detail": "the Zendesk connector is not set up in Poise (no webhook secret): "
            "nothing stored"
        }
    connect(session)
    other = client.post("/api/v1/connectors/helpscout/webhook", content=body)
    assert other.status_code == 404 and "Help Scout connector is not set up" in other.text
    assert count(session, Message) == 0


def test_a_comment_dated_in_the_future_is_refused_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    """One turn dated ahead would stay the ticket's newest for ever: later comments could no
    longer change its status."""
    connect(session)
    ahead = json.loads(event("1007", "From the future"))
    ahead["time"] = "9999-12-31T00:00:00Z"
    body = dumps(ahead)
    refused = client.post(URL, content=body, headers=signed(body, now_stamp()))
    assert refused.status_code == 400
    assert "in the future" in refused.json()["detail"]
    assert count(session, Message) == 0


def test_a_permanently_deleted_ticket_is_forgotten_too() -> None:
    """Zendesk's ticket events name two deletions: ``soft_deleted`` and ``permanently_deleted``."""
    body = dumps(
        {
            "id": "evt-9",
            "time": "2026-11-02T10:05:00Z",
            "type": "zen:event-type:ticket.permanently_deleted",
            "subject": "zen:ticket:35436",
            "detail": {"id": "35436"},
        }
    )
    headers = {"x-zendesk-webhook-signature-timestamp": "2026-11-02T10:05:00Z"}
    read = Zendesk().delivery(headers, body, ImportLimits(max_message_chars=1000))
    assert (read.key, read.deleted, read.records) == ("evt-9", ["35436"], [])


def test_a_tickets_priority_becomes_a_tag_alerts_can_match(
    session: Session, settings: Settings
) -> None:
    """Alert rules and filters pick conversations by tag, so "urgent" arrives as one."""
    connect(session)
    replay = Replay()
    replay.json("GET", EXPORT, export([ticket(77, priority="urgent")], "c1", end=True))
    replay.json("GET", "/api/v2/tickets/77/comments.json", comments(OPENING))
    sync(session, "zendesk", replay, settings)
    assert session.scalar(select(Conversation.tags)) == ["hardware", "priority:urgent"]


def test_a_webhook_body_the_database_cannot_hold_is_refused_not_a_server_error(
    client: TestClient, session: Session
) -> None:
    """A time with no UTC equivalent (in the signed timestamp or a comment), JSON nested past
    the parser's limit, and a lone surrogate spelled ``\\ud800``: each answered 500 and now
    is a refusal that says why, with nothing stored (not even the replay key)."""
    connect(session)
    outside = "0001-01-01T00:00:00+01:00"  # before year 1 once in UTC
    body = event("1010", "Hello")
    stamped = client.post(URL, content=body, headers=signed(body, outside))
    assert stamped.status_code == 401, stamped.text
    assert "timestamp" in stamped.json()["detail"]
    dated = json.loads(event("1011", "Hello", event_id="evt-11"))
    dated["time"] = outside
    refusals = [dumps(dated), b"[" * 5000 + b"]" * 5000, event("1012", "broken \ud800 text")]
    answers = [client.post(URL, content=b, headers=signed(b, now_stamp())) for b in refusals]
    assert [a.status_code for a in answers] == [400, 400, 400], [a.text for a in answers]
    assert "UTC" in answers[0].json()["detail"]
    assert "nests deeper" in answers[1].json()["detail"]
    assert "lone surrogate" in answers[2].json()["detail"]
    assert (count(session, Conversation), count(session, WebhookDelivery)) == (0, 0)


def test_control_characters_are_dropped_from_synced_and_webhook_tickets(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """The other connectors drop the control characters Poise's webhook refuses; Zendesk's
    tickets, read by the file importer's reader, kept C0 controls (a bell, an escape) as sent
    and were refused whole for a NUL, so one odd ticket never arrived."""
    connect(session)
    replay = Replay()
    odd = ticket(35436, subject="Printer\x07 on fire\x1b[31m!")
    replay.json("GET", EXPORT, export([odd], "c1", end=True))
    opening = OPENING | {"body": "It smokes\x00 after\x0b the\x85 update."}
    author = CHRIS | {"name": "Chris\x1b Doe"}
    replay.json(
        "GET", "/api/v2/tickets/35436/comments.json", comments(opening) | {"users": [author]}
    )
    sync(session, "zendesk", replay, settings)
    assert bodies(session, "zendesk", "35436") == [("customer", "It smokes after the update.")]
    conv = session.scalar(select(Conversation))
    assert conv is not None and conv.subject == "Printer on fire[31m!"
    assert session.scalar(select(Message.author_name)) == "Chris Doe"

    body = event("1005", "Still\x1f smoking\x01!")
    answer = client.post(URL, content=body, headers=signed(body, now_stamp()))
    assert answer.status_code == 200, answer.text
    assert [b for _, b in bodies(session, "zendesk", "35436")][-1] == "Still smoking!"


def test_comments_of_a_new_ticket_arriving_at_once_are_all_stored(
    app: FastAPI, session: Session
) -> None:
    """Zendesk fires a burst of events for a new ticket: each delivery found no conversation
    and created it, and on PostgreSQL all but the first failed on the unique key (a 500)."""
    connect(session)
    with serving(app) as base:

        def deliver(n: int) -> httpx.Response:
            body = event(f"20{n}", f"Still smoking ({n})", event_id=f"evt-{n}")
            headers = signed(body, now_stamp())
            return httpx.post(base + URL, content=body, headers=headers, timeout=60)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(deliver, range(8)))
    assert [a.status_code for a in answers] == [200] * 8, [a.text[:100] for a in answers]
    session.expire_all()
    assert count(session, Conversation) == 1 and count(session, Message) == 8
