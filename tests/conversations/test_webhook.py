"""Webhook intake: HMAC-signed messages create or extend conversations; forgeries store nothing."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from builders import make_user
from poise.conversations.actions import create_integration, signature_for
from poise.conversations.models import Conversation, Message


def payload(message_id: str = "msg-1", body: str = "My order never arrived.", **conv: Any) -> bytes:
    conversation = {
        "id": "T-100",
        "channel": "email",
        "subject": "Where is my order?",
        "customer": {"id": "cust-9", "name": "Sam Customer"},
        **conv,
    }
    message = {
        "id": message_id,
        "author_role": "customer",
        "author": "Sam Customer",
        "body": body,
        "sent_at": "2026-11-02T10:00:00Z",
    }
    return json.dumps({"conversation": conversation, "message": message}).encode()


def send(client: TestClient, body: bytes, secret: str, name: str = "helpdesk") -> Response:
    headers = {
        "X-Poise-Integration": name,
        "X-Poise-Signature": signature_for(secret, body),
        "Content-Type": "application/json",
    }
    return client.post("/api/v1/webhooks/messages", content=body, headers=headers)


def test_signed_message_creates_then_extends_a_conversation(
    client: TestClient, session: Session
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    first = send(client, payload(), secret)
    assert first.status_code == 201, first.text
    assert first.json()["conversation_created"] is True
    again = send(client, payload(), secret)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "conversation_created": False, "message_created": False}
    reply = payload("msg-2", "Still nothing today.", status="open")
    extended = send(client, reply, secret)
    assert extended.status_code == 201
    assert extended.json()["conversation_id"] == first.json()["conversation_id"]
    conv = session.query(Conversation).one()
    assert (conv.source, conv.external_id, conv.message_count) == ("helpdesk", "T-100", 2)
    assert conv.purpose == "My order never arrived."
    assert [m.body for m in conv.messages] == ["My order never arrived.", "Still nothing today."]


def test_wrong_signature_is_refused_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    create_integration(session, actor=None, name="helpdesk")
    response = send(client, payload(), "not-the-secret")
    assert response.status_code == 401
    unknown = send(client, payload(), "whatever", name="nobody")
    assert unknown.status_code == 401
    tampered_body = payload()
    good_sig = signature_for("not-the-secret", tampered_body)
    missing = client.post(
        "/api/v1/webhooks/messages",
        content=tampered_body,
        headers={"X-Poise-Integration": "helpdesk"},
    )
    assert missing.status_code == 422
    assert good_sig.startswith("sha256=")
    assert session.query(Conversation).count() == 0
    assert session.query(Message).count() == 0


def test_signed_but_invalid_body_is_explained_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    bad_channel = payload(channel="fax")
    response = send(client, bad_channel, secret)
    assert response.status_code == 400
    assert "conversation.channel" in response.json()["detail"]
    not_json = send(client, b"{not json", secret)
    assert not_json.status_code == 400
    surrogate = send(client, payload(body="broken \ud800 text"), secret)  # JSON: "\\ud800"
    assert surrogate.status_code == 400, surrogate.text
    assert "Invalid JSON" in surrogate.json()["detail"]
    nul = send(client, payload(subject="a\x00b"), secret)
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
    huge = send(client, payload(body="x" * 20_001), secret)
    assert huge.status_code == 400
    assert "longer than 20000" in huge.json()["detail"]
    assert session.query(Conversation).count() == 0


def test_only_admins_add_integrations(client: TestClient, session: Session) -> None:
    from builders import sign_in

    lead = make_user(session, role="lead")
    token = sign_in(client, lead)
    response = client.post("/admin/integrations", data={"name": "sneaky", "csrf_token": token})
    assert response.status_code == 403
