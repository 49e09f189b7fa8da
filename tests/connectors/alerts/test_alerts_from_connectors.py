"""Live conversations from a helpdesk raise alerts: a Zendesk sync job in the server, the same
sync where no server runs (recorded only, sent later), and Zendesk's own webhook.

The helpdesk answers from recorded responses (``connectors.recorded``); alerts reach a real HTTP
receiver on a loopback port.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from connectors.alerts.alert_builders import ON_PREMISES, Crew, make_rule, sender
from connectors.alerts.conftest import Receiver
from connectors.recorded import Replay, sync
from connectors.test_admin_and_cli import wait_for
from connectors.test_zendesk import (
    ANA,
    EXPORT,
    URL,
    comment,
    comments,
    connect,
    event,
    export,
    now_stamp,
    signed,
    ticket,
)
from poise.background import record_only_hooks
from poise.connectors.actions import sync_work
from poise.connectors.alerts.delivery import deliver_due
from poise.connectors.alerts.models import AlertDelivery
from poise.conversations.models import Conversation
from poise.settings import Settings

CHRIS = {"id": 20978392, "name": "Chris Doe", "role": "end-user"}
ANGRY = "This is absolutely unacceptable. I am furious, your service is a disgrace!"
CALM = "Hello, could you tell me how to change the paper size on my printer?"


def vip_crew(session: Session) -> Crew:
    """Team A's lead, and Ana (the Zendesk assignee of the recorded tickets) in team A."""
    return Crew(
        lead=make_user(session, role="lead", team="A", name="Lee Lead"),
        agent=make_user(session, team="A", name=ANA["name"], email=ANA["email"]),
        other_lead=make_user(session, role="lead", team="B", name="Bo Lead"),
    )


def vip_ticket(ticket_id: int, updated: str) -> dict[str, Any]:
    return ticket(ticket_id, updated=updated, tags=["vip", "hardware"])


def opening(ticket_id: int, body: str, at: str) -> dict[str, Any]:
    return comments(comment(ticket_id * 10, CHRIS, body, at))


def backfill(session: Session, settings: Settings, replay: Replay, body: str = ANGRY) -> None:
    """The first sync: one VIP ticket, history (it alerts nobody, however unhappy)."""
    connect(session)
    replay.json("GET", EXPORT, export([vip_ticket(100, "2026-11-01T09:00:00Z")], "c1", end=True))
    replay.json(
        "GET", "/api/v2/tickets/100/comments.json", opening(100, body, "2026-11-01T09:00:00Z")
    )
    sync(session, "zendesk", replay, settings)


def angry_vip_ticket_next(replay: Replay) -> None:
    """The next sync brings a new VIP ticket that opens angry."""
    replay.json("GET", EXPORT, export([vip_ticket(200, "2026-12-01T10:00:00Z")], "c2", end=True))
    replay.json(
        "GET", "/api/v2/tickets/200/comments.json", opening(200, ANGRY, "2026-12-01T10:00:00Z")
    )


def conversation(session: Session, external_id: str) -> Conversation:
    session.expire_all()
    found = session.scalar(select(Conversation).where(Conversation.external_id == external_id))
    assert found is not None
    return found


def deliveries(session: Session) -> list[AlertDelivery]:
    session.expire_all()
    return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def sent_deliveries(session: Session, seconds: float = 5.0) -> list[AlertDelivery]:
    """The deliveries once none is pending (or as they are after ``seconds``)."""
    deadline = time.monotonic() + seconds
    found = deliveries(session)
    while any(d.status == "pending" for d in found) and time.monotonic() < deadline:
        time.sleep(0.05)
        found = deliveries(session)
    return found


@pytest.mark.on_premises
def test_a_sync_job_in_the_server_alerts_on_an_angry_vip_ticket(
    app: FastAPI, client: TestClient, session: Session, settings: Settings, receiver: Receiver
) -> None:
    crew = vip_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    replay = Replay()
    backfill(session, settings, replay)
    assert deliveries(session) == []  # a backfill is history: no alert for last month's ticket

    angry_vip_ticket_next(replay)
    app.state.connector_seam = replay.seam
    token = sign_in(client, make_user(session, role="admin"))
    client.post("/admin/connectors/zendesk/sync", data={"csrf_token": token})
    assert wait_for(session, "connector:zendesk").status == "done"

    (got,) = receiver.wait_for(1)
    conv = conversation(session, "200")
    assert conv.early_warning and conv.assignee_id == crew.agent.id
    assert got.json()["text"].startswith("Early warning: Help, my printer is on fire!")
    assert f"{settings.base_url}/conversations/{conv.id}" in got.json()["text"]
    (row,) = deliveries(session)
    assert (row.conversation_id, row.event) == (conv.id, "early_warning")
    assert not replay.unused()


def test_a_sync_where_no_server_runs_records_the_alert_and_it_is_sent_later(
    session: Session, settings: Settings, receiver: Receiver
) -> None:
    """``poise connect`` or a worker process: the job records the row, delivery comes after."""
    crew = vip_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    replay = Replay()
    backfill(session, settings, replay, body=CALM)
    angry_vip_ticket_next(replay)
    work = sync_work(
        "zendesk", seam=replay.seam, settings=settings, hooks=record_only_hooks(settings)
    )
    work(session, lambda done, total: None)

    (row,) = deliveries(session)
    assert (row.status, row.conversation_id) == ("pending", conversation(session, "200").id)
    assert receiver.requests == []  # recording sends nothing
    channels = sender(guard=ON_PREMISES)
    with channels.client:
        report = deliver_due(session, channels, base_url=settings.base_url, now=datetime.now(UTC))
    assert report.sent == 1
    assert receiver.wait_for(1)[0].json()["text"].startswith("Early warning")


@pytest.mark.on_premises
def test_zendesks_webhook_alerts_when_a_vip_customer_turns_angry(
    client: TestClient, session: Session, settings: Settings, receiver: Receiver
) -> None:
    crew = vip_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    replay = Replay()
    backfill(session, settings, replay, body=CALM)  # ticket 100, Ana's, calm so far
    assert not conversation(session, "100").early_warning

    body = event("1005", ANGRY).replace(b'"35436"', b'"100"')
    answer = client.post(URL, content=body, headers=signed(body, now_stamp()))
    assert answer.status_code == 200, answer.text

    (got,) = receiver.wait_for(1)
    conv = conversation(session, "100")
    assert conv.early_warning  # the angry turn was scored as it arrived
    assert f"{settings.base_url}/conversations/{conv.id}" in got.json()["text"]
    (row,) = sent_deliveries(session)  # the receiver answers before the sender records it
    assert (row.status, row.conversation_id) == ("sent", conv.id)
