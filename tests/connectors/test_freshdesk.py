"""Freshdesk: tickets by ``updated_since``, their conversations and satisfaction ratings,
replayed from responses written after Freshdesk's API v2 reference; and the automation-rule
webhook. Freshdesk signs nothing: the webhook is proven by a shared secret header, so there is
no published signature test vector to check against.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

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
from poise.connectors.actions import receive_vendor_webhook, save_connector
from poise.connectors.client import ConnectorError
from poise.connectors.models import Connector
from poise.connectors.vendors import freshdesk
from poise.conversations.models import Conversation, Message, Rating
from poise.jobs import JobRun
from poise.settings import Settings
from poise.signals import get_scorer
from support import ended_job, fails_once

TICKETS = "/api/v2/tickets"
REQUESTER = {
    "id": 77,
    "name": "Chris Doe",
    "email": "chris@example.com",
    "mobile": None,
    "phone": None,
}


SECRET = "shared-secret"


def ticket(
    ticket_id: int, status: int = 2, updated: str = "2026-11-02T10:00:00Z", **extra: Any
) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "subject": "Refund still missing",
        "description": "<div>Where is my refund?</div>",
        "description_text": "Where is my refund?",
        "status": status,
        "priority": 1,
        "source": 7,
        "requester_id": 77,
        "responder_id": 5,
        "tags": ["billing"],
        "created_at": "2026-11-02T09:00:00Z",
        "updated_at": updated,
        "requester": REQUESTER,
        **extra,
    }


def note(
    note_id: int, body: str, at: str, *, incoming: bool, private: bool = False
) -> dict[str, Any]:
    return {
        "id": note_id,
        "body": f"<div>{body}</div>",
        "body_text": body,
        "incoming": incoming,
        "private": private,
        "user_id": 77 if incoming else 5,
        "source": 0,
        "created_at": at,
        "updated_at": at,
    }


REPLY = note(11, "I have sent it again today.", "2026-11-02T09:30:00Z", incoming=False)
PRIVATE = note(
    12, "Internal: the bank bounced it.", "2026-11-02T09:31:00Z", incoming=False, private=True
)
THANKS = note(13, "Got it, thanks.", "2026-11-03T08:00:00Z", incoming=True)
RATING = {
    "id": 3,
    "survey_id": 1,
    "ratings": {"default_question": 103},
    "feedback": "Lovely.",
    "created_at": "2026-11-03T09:00:00Z",
    "updated_at": "2026-11-03T09:00:00Z",
}


def replies(
    replay: Replay, ticket_id: int, notes: list[Any], ratings: list[Any] | None = None
) -> None:
    replay.json("GET", f"{TICKETS}/{ticket_id}/conversations", notes)
    replay.json("GET", f"{TICKETS}/{ticket_id}/satisfaction_ratings", ratings or [])


def connect(session: Session) -> None:
    given = {"domain": "acme", "api_key": "k3y", "webhook_secret": SECRET}
    save_connector(session, actor=None, vendor_name="freshdesk", given=given)


def test_backfill_then_two_incremental_syncs(session: Session, settings: Settings) -> None:
    connect(session)
    replay = Replay()
    replay.add("GET", TICKETS, too_many("3"))
    replay.json("GET", TICKETS, [ticket(1), ticket(2, updated="2026-11-02T11:00:00Z")])
    replies(replay, 1, [REPLY, PRIVATE])
    replies(replay, 2, [])
    replay.json("GET", TICKETS, [])  # the end of the listing: then the deleted tickets' list
    sync(session, "freshdesk", replay, settings)
    assert replay.slept == [3.0]
    listing, deleted = replay.params(TICKETS)[-2:]
    assert listing["include"] == "requester,description"  # the list omits descriptions else
    assert "filter" not in listing and deleted["filter"] == "deleted"
    assert bodies(session, "freshdesk", "1") == [
        ("customer", "Where is my refund?"),
        ("agent", REPLY["body_text"]),
    ]
    assert PRIVATE["body_text"] not in all_bodies(session)

    replay.json("GET", TICKETS, [ticket(1, 5, "2026-11-03T09:00:00Z")])
    replies(replay, 1, [REPLY, PRIVATE, THANKS], [RATING])
    # Deleted tickets appear only under filter=deleted, as Freshdesk's List All Tickets says.
    replay.json("GET", TICKETS, [ticket(2, updated="2026-11-03T07:00:00Z", deleted=True)])
    sync(session, "freshdesk", replay, settings)
    assert [p["updated_since"] for p in replay.params(TICKETS)[-2:]] == ["2026-11-02T11:00:00Z"] * 2
    assert bodies(session, "freshdesk", "1")[-1] == ("customer", "Got it, thanks.")
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    assert session.scalar(select(Conversation.status)) == "resolved"
    assert session.scalar(select(Rating.score)) == 5

    replay.json("GET", TICKETS, [], [])
    sync(session, "freshdesk", replay, settings)
    assert replay.params(TICKETS)[-1]["updated_since"] == "2026-11-03T09:00:00Z"
    assert (count(session, Conversation), count(session, Message)) == (1, 3)
    assert not replay.unused()


def test_a_crash_mid_sync_resumes_from_the_cursor(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(freshdesk, "PER_PAGE", 1)  # one ticket a page: a second page to lose
    connect(session)
    replay = Replay()
    replay.json("GET", TICKETS, [ticket(1)])
    replies(replay, 1, [])  # a shorter list than a page: the last page of replies
    replay.add("GET", TICKETS, crash())
    with pytest.raises(ConnectorError):
        sync(session, "freshdesk", replay, settings)
    connector = session.scalar(select(Connector))
    assert connector is not None and '"page": 2' in (connector.cursor or "")
    replay.json("GET", TICKETS, [ticket(2)], [], [])
    replies(replay, 2, [])
    sync(session, "freshdesk", replay, settings)
    pages = [p.get("page") for p in replay.params(TICKETS) if "filter" not in p]
    assert pages == ["1", "2", "2", "3"]
    assert (count(session, Conversation), count(session, Message)) == (2, 2)


def delivery(comment: str, updated: datetime, author_role: str = "customer") -> bytes:
    """The JSON body docs/connectors.md asks the automation rule to send."""
    return dumps(
        {
            "freshdesk_webhook": {
                "ticket_id": "1",
                "ticket_subject": "Refund still missing",
                "ticket_status": "Open",
                "ticket_source": "Email",
                "ticket_latest_public_comment": comment,
                "ticket_contact_name": "Chris Doe",
                "ticket_updated_at": updated.isoformat(),
                "author_role": author_role,
            }
        }
    )


def headers(secret: str = SECRET) -> dict[str, str]:
    return {"X-Poise-Freshdesk-Secret": secret, "Content-Type": "application/json"}


def test_webhook_refuses_forged_stale_and_replayed(client: TestClient, session: Session) -> None:
    connect(session)
    now = datetime.now(UTC)
    good = delivery("Where is my refund?", now)
    stale = delivery("Where is my refund?", now - timedelta(minutes=10))
    url = "/api/v1/connectors/freshdesk/webhook"
    refusals(
        client,
        url,
        good=(good, headers()),
        forged=(good, headers("guess")),
        stale=(stale, headers()),
    )
    assert all_bodies(session) == ["Where is my refund?"]


def test_a_delivery_whose_scoring_fails_is_answered_stored_and_scored_by_a_job(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A native webhook scored its new turns in the request too, with no retry at all: a
    scorer that failed once made a stored delivery a 500, and its retry a 409 replay. Now it
    is answered 200 with its counts and the job that scores the turns, and the job does."""
    connect(session)
    fails_once(monkeypatch, get_scorer("negativity"), "score_batch", RuntimeError("no memory"))
    url = "/api/v1/connectors/freshdesk/webhook"
    good = delivery("Where is my refund?", datetime.now(UTC))
    first = client.post(url, content=good, headers=headers())
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["messages"], answer["scoring_job_id"] is not None) == (1, True)
    job = ended_job(session, answer["scoring_job_id"])
    assert (job.kind, job.status) == ("score", "done")
    assert session.scalars(select(Message.signal_version)).one() is not None
    assert session.scalars(select(Conversation.signals_version)).one() is not None
    assert client.post(url, content=good, headers=headers()).status_code == 409


def test_a_replay_of_a_delivery_left_unscored_queues_its_scoring(
    client: TestClient, session: Session
) -> None:
    """A delivery stored by a server that died before scoring it: its replay is still 409,
    and queues the job that scores the stored turn."""
    connect(session)
    good = delivery("Where is my refund?", datetime.now(UTC))
    given = Headers(headers())  # as a request carries them: any letter case
    receive_vendor_webhook(session, "freshdesk", headers=given, body=good, max_message_chars=10_000)
    assert session.scalars(select(Message.signal_version)).one() is None
    replay = client.post("/api/v1/connectors/freshdesk/webhook", content=good, headers=headers())
    assert replay.status_code == 409, replay.text
    job = ended_job(session, session.scalars(select(JobRun.id)).one())
    assert (job.kind, job.status) == ("score", "done")
    assert session.scalars(select(Message.signal_version)).one() is not None


def test_a_tickets_numbered_priority_becomes_a_named_tag(
    session: Session, settings: Settings
) -> None:
    """Freshdesk numbers priorities (4 is urgent); the tag says the name."""
    connect(session)
    replay = Replay()
    replay.json("GET", TICKETS, [ticket(9, priority=4)])
    replies(replay, 9, [])
    replay.json("GET", TICKETS, [], [])
    sync(session, "freshdesk", replay, settings)
    assert session.scalar(select(Conversation.tags)) == ["billing", "priority:urgent"]
