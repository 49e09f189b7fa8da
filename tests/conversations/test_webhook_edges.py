"""Poise's signed webhook with odd but signed bodies: refused with a message naming the field,
storing nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from poise.conversations.actions import create_integration, signature_for
from poise.conversations.models import Conversation, Message, WebhookDelivery


def delivery(conversation: dict[str, Any], message: dict[str, Any]) -> bytes:
    conv = {"id": "T-1", "channel": "chat", "customer": {"id": "cust-1"}, **conversation}
    msg = {"id": "m-1", "author_role": "customer", "body": "Where is my parcel?", **message}
    return json.dumps({"conversation": conv, "message": msg}).encode()


def send(client: TestClient, secret: str, body: bytes) -> Response:
    stamp = str(int(time.time()))
    headers = {
        "X-Poise-Integration": "helpdesk",
        "X-Poise-Timestamp": stamp,
        "X-Poise-Signature": signature_for(secret, body, stamp),
        "Content-Type": "application/json",
    }
    return client.post("/api/v1/webhooks/messages", content=body, headers=headers)


def stored(session: Session) -> tuple[int, int, int]:
    count = func.count()
    return (
        session.scalar(select(count).select_from(Conversation)) or 0,
        session.scalar(select(count).select_from(Message)) or 0,
        session.scalar(select(count).select_from(WebhookDelivery)) or 0,
    )


@pytest.mark.parametrize(
    ("conversation", "message", "field"),
    [
        ({"id": "   "}, {}, "conversation.id"),
        ({}, {"id": " \t "}, "message.id"),
        ({"customer": {"id": "  "}}, {}, "conversation.customer.id"),
    ],
)
def test_a_blank_id_is_refused_and_stores_nothing(
    client: TestClient,
    session: Session,
    conversation: dict[str, Any],
    message: dict[str, Any],
    field: str,
) -> None:
    """An id of spaces was stored as a conversation (or turn, or customer) nobody can name;
    an import refuses the same id as missing."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    answer = send(client, secret, delivery(conversation, message))
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["detail"] and "blank" in answer.json()["detail"]
    assert stored(session) == (0, 0, 0)
