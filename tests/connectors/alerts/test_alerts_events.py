"""Events reach alerts: a live webhook message through scoring and the face's hook, and the
cron commands for new hotspots and the weekly digest."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from insights.insight_builders import add_conversations
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import sign_in, signed_headers
from connectors.alerts.alert_builders import ON_PREMISES, make_crew, make_rule
from connectors.alerts.conftest import Receiver
from poise.cli import app as cli_app
from poise.connectors.alerts.models import AlertDelivery
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation
from poise.hooks import Hooks
from poise.knowledge.models import Gap
from poise.settings import Settings

ANGRY = "This is absolutely unacceptable. I am furious, your service is a disgrace!"
HOTSPOT_WEEK = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
PRODUCTS = ["Router", "Mesh", "Modem", "Camera", "Doorbell", "Hub"]


def _webhook(client: TestClient, secret: str, message_id: str, body: str, **conv: object) -> int:
    payload = {
        "conversation": {"id": "T-1", "channel": "chat", "subject": "Order late", **conv},
        "message": {
            "id": message_id,
            "author_role": "customer",
            "body": body,
            "sent_at": "2026-12-03T10:00:00Z",
        },
    }
    raw = json.dumps(payload).encode()
    response = client.post(
        "/api/v1/webhooks/messages", content=raw, headers=signed_headers(raw, secret)
    )
    assert response.status_code == 201, response.text
    return int(response.json()["conversation_id"])


@pytest.mark.on_premises
def test_a_live_unhappy_vip_message_reaches_the_teams_channel(
    client: TestClient, session: Session, settings: Settings, receiver: Receiver
) -> None:
    crew = make_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    secret = create_integration(session, actor=None, name="helpdesk").secret
    conv_id = _webhook(client, secret, "m1", ANGRY, tags=["VIP"], assignee_email=crew.agent.email)
    (got,) = receiver.wait_for(1)
    assert f"{settings.base_url}/conversations/{conv_id}" in got.json()["text"]
    assert got.json()["text"].startswith("Early warning: Order late")
    _webhook(client, secret, "m2", ANGRY + " Still!", assignee_email=crew.agent.email)
    time.sleep(0.3)
    assert len(receiver.requests) == 1  # a conversation alerts a rule once


def test_an_unhappy_opening_of_another_team_raises_nothing(
    client: TestClient, session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    make_rule(session, crew.other_lead, target=receiver.url, guard=ON_PREMISES, tag="")
    secret = create_integration(session, actor=None, name="helpdesk").secret
    _webhook(client, secret, "m1", ANGRY, assignee_email=crew.agent.email)
    conv = session.scalars(select(Conversation)).one()
    assert conv.early_warning is True
    assert session.scalars(select(AlertDelivery)).all() == []


def _plant_hotspot(session: Session, agent_id: int) -> None:
    for product in PRODUCTS:
        planted = product == "Camera"
        add_conversations(
            session,
            n=60,
            opened=HOTSPOT_WEEK,
            product=product,
            assignee_id=agent_id,
            unhappy=24 if planted else 6,
        )


PERSONAL = ("maria.gonzalez@example.org", "07700 900123", "PX-287515", "Maria", "Gonzalez")


def _plant_customer_words(session: Session, agent_id: int, lead_id: int) -> None:
    """A kudos comment and a manual gap's search words, both full of personal data."""
    add_conversations(
        session,
        n=1,
        opened=HOTSPOT_WEEK,
        assignee_id=agent_id,
        ratings=[("three", 3)],
        comment="Ada fixed order PX-287515! Call 07700 900123 or maria.gonzalez@example.org. "
        "Cheers, Maria Gonzalez",
    )
    query = "Refund for PX-287515, Maria Gonzalez, maria.gonzalez@example.org"
    session.add(Gap(query=query, best_score=0.05, created_at=HOTSPOT_WEEK, actor_id=lead_id))
    session.commit()


@pytest.mark.on_premises
def test_cron_posts_a_new_hotspot_once_and_the_weekly_digest(
    session: Session, cli_env: Settings, receiver: Receiver
) -> None:
    crew = make_crew(session)
    make_rule(
        session, crew.lead, name="Hotspots", event="hotspot", target=receiver.url, guard=ON_PREMISES
    )
    make_rule(
        session, crew.lead, name="Digest", event="digest", target=receiver.url, guard=ON_PREMISES
    )
    _plant_hotspot(session, crew.agent.id)
    session.commit()
    runner = CliRunner()
    first = runner.invoke(cli_app, ["alerts", "hotspots", "--day", "2026-11-15"])
    assert first.exit_code == 0, first.output
    assert "1 hotspot alert recorded; 1 alert sent" in first.output
    again = runner.invoke(cli_app, ["alerts", "hotspots", "--day", "2026-11-15"])
    assert "0 hotspot alerts recorded; 0 alerts sent" in again.output
    (hotspot,) = receiver.wait_for(1)
    text = hotspot.json()["text"]
    assert text.startswith("New hotspot: Camera\nearly warnings 40% against 10%")
    assert f"{cli_env.base_url}/insights/hotspot?start=2026-11-09&end=2026-11-15" in text

    _plant_customer_words(session, crew.agent.id, crew.lead.id)
    digest = runner.invoke(cli_app, ["alerts", "digest", "--day", "2026-11-16"])
    assert "1 digest recorded; 1 alert sent" in digest.output, digest.output
    posted = receiver.wait_for(2)[1].json()["text"]
    assert posted.startswith("Poise weekly digest: A, 09 Nov – 15 Nov 2026")
    assert "- Hotspot: Camera (60 conversations)" in posted
    # the customers' words go to the channel redacted; the agent's first name stays
    assert "- Kudos for Ada Agent: “Ada fixed order [number]! Call [phone] or [email]." in posted
    assert "“Refund for [number], [name], [email]”" in posted
    assert not [p for p in PERSONAL if p in posted], posted
    tuesday = runner.invoke(cli_app, ["alerts", "digest", "--day", "2026-11-17"])
    assert "0 digests recorded; 0 alerts sent" in tuesday.output, "the same week, posted once"
    assert (
        "--day must be a date" in runner.invoke(cli_app, ["alerts", "digest", "--day", "x"]).output
    )


def test_a_rule_whose_author_left_the_team_says_so_instead_of_reading(
    session: Session, cli_env: Settings, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, event="digest", target=receiver.url, guard=ON_PREMISES)
    crew.lead.role = "agent"
    session.commit()
    result = CliRunner().invoke(cli_app, ["alerts", "digest"])
    assert "0 digests recorded" in result.output
    session.refresh(rule)
    assert "no longer leads the team" in rule.last_error


@pytest.mark.on_premises
def test_a_slow_receiver_holds_up_neither_the_webhook_nor_a_page(
    client: TestClient, session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    receiver.delay = 3.0
    secret = create_integration(session, actor=None, name="helpdesk").secret
    _webhook(client, secret, "warm-up", "Hello, a quick question about my order.")  # loads models
    started = time.monotonic()
    _webhook(client, secret, "m1", ANGRY, id="T-2", tags=["vip"], assignee_email=crew.agent.email)
    token = sign_in(client, crew.lead)
    tested = client.post(
        f"/alerts/rules/{rule.id}/test", data={"csrf_token": token}, follow_redirects=False
    )
    assert time.monotonic() - started < 2.5  # both answered while the receiver still sleeps
    assert tested.status_code == 303, tested.text  # queued (a failure here read as 1 of 2 sent)
    arrived = receiver.wait_for(2, seconds=30)  # (delivered in time, however loaded)
    assert len(arrived) == 2, [r.body[:80] for r in arrived]


def test_a_failing_reaction_never_fails_the_event(
    client: TestClient, session: Session, receiver: Receiver
) -> None:
    def broken(session: Session, conversation_ids: Sequence[int]) -> None:
        raise RuntimeError("a listener broke")

    assert isinstance(client.app, FastAPI)
    client.app.state.hooks = Hooks(conversations_scored=[broken])
    secret = create_integration(session, actor=None, name="helpdesk").secret
    _webhook(client, secret, "m1", ANGRY)  # 201: stored and scored all the same
    assert session.scalars(select(Conversation)).one().early_warning is True
