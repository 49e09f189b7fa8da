"""Poise's signed webhook with odd but signed bodies: refused with a message naming the field,
storing nothing."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import signed_headers
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation, Message, WebhookDelivery
from support import serving


def delivery(conversation: dict[str, Any], message: dict[str, Any]) -> bytes:
    conv = {"id": "T-1", "channel": "chat", "customer": {"id": "cust-1"}, **conversation}
    msg = {"id": "m-1", "author_role": "customer", "body": "Where is my parcel?", **message}
    return json.dumps({"conversation": conv, "message": msg}).encode()


def send(client: TestClient, secret: str, body: bytes) -> Response:
    return client.post(
        "/api/v1/webhooks/messages", content=body, headers=signed_headers(body, secret)
    )


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


def test_messages_of_a_new_conversation_arriving_at_once_are_all_stored(
    app: FastAPI, session: Session
) -> None:
    """A helpdesk fires its webhooks in bursts: the first turns of a new conversation arrive
    together, each delivery finds no conversation and creates it, and on PostgreSQL every one
    but the first failed on the unique key, a 500 (the turn lost unless the sender retried)."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    sent_at = datetime.now(UTC).isoformat()
    with serving(app) as base:

        def deliver(n: int) -> httpx.Response:
            body = delivery({}, {"id": f"m-{n}", "body": f"Hello {n}", "sent_at": sent_at})
            url = f"{base}/api/v1/webhooks/messages"
            return httpx.post(url, content=body, headers=signed_headers(body, secret), timeout=60)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(deliver, range(8)))
    assert [a.status_code for a in answers] == [201] * 8, [a.text[:100] for a in answers]
    assert sum(a.json()["conversation_created"] for a in answers) == 1
    session.expire_all()
    assert stored(session) == (1, 8, 8)
