"""A file or a delivery names a person by e-mail in any letter case.

Users' e-mails are stored lowercased, and the importer linked people by the exact text: a
file saying ``Ada@Example.com`` linked nobody, and its conversation was left unassigned, its
rating credited to no one and its replies to no agent, without a word. Linking now reads the
address as a user's is stored, in every importer format and Poise's own webhook.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, post_import, sign_in, signed_headers
from poise.auth.actions import create_api_token
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation, Message, Rating


def _links(session: Session, source: str, external_id: str) -> tuple[int | None, ...]:
    """(assignee, the agent turn's author, the rating's agent) of a stored conversation."""
    session.expire_all()
    conv = session.scalars(
        select(Conversation).filter_by(source=source, external_id=external_id)
    ).one()
    author = session.scalar(
        select(Message.author_user_id).filter_by(conversation_id=conv.id, author_role="agent")
    )
    rated = session.scalar(select(Rating.agent_id).filter_by(conversation_id=conv.id))
    return conv.assignee_id, author, rated


def test_an_import_links_people_named_in_any_letter_case(
    client: TestClient, session: Session
) -> None:
    ada = make_user(session, team="Care", name="Ada", email="ada@example.com")
    cara = make_user(session, role="lead", team="Care", name="Cara")
    csv_rows = (
        b"conversation_id,channel,author_role,body,sent_at,author_email,assignee_email,"
        b"rating,rating_agent_email\n"
        b"C-1,chat,customer,Where is my refund?,2026-11-20T10:00:00Z,,Ada@Example.com,,\n"
        b"C-1,chat,agent,It is on its way.,2026-11-20T10:05:00Z, ADA@example.COM ,,good,"
        b"aDa@EXAMPLE.com\n"
    )
    csrf = sign_in(client, cara)
    page = post_import(client, csrf, "mixed.csv", csv_rows)
    assert page.status_code == 303, page.text[:600]
    own = f"team-{cara.team_id}"  # a lead's file with no source goes under the team's own
    assert _links(session, f"csv-{own}", "C-1") == (ada.id, ada.id, ada.id)

    turn = {"conversation_id": "J-1", "channel": "chat", "sent_at": "2026-11-20T10:00:00Z"}
    lines = [
        {**turn, "author_role": "customer", "body": "Hi", "assignee_email": "ADA@Example.Com"},
        {
            **turn,
            "author_role": "agent",
            "body": "Hello!",
            "sent_at": "2026-11-20T10:01:00Z",
            "author_email": "Ada@example.com",
            "rating": "good",
            "rating_agent_email": "ADA@EXAMPLE.COM",
        },
    ]
    api = client.post(
        "/api/v1/imports",
        data={"format": "jsonl"},
        files={"file": ("mixed.jsonl", "\n".join(map(json.dumps, lines)).encode(), "text/plain")},
        headers={"Authorization": f"Bearer {create_api_token(session, actor=None, user=cara)}"},
    )
    assert api.status_code == 200 and api.json()["status"] == "imported", api.text
    assert _links(session, f"jsonl-{own}", "J-1") == (ada.id, ada.id, ada.id)

    agent = {"id": 5, "name": "Ada", "email": "Ada@Example.COM", "role": "agent"}
    ticket = {
        "id": 9001,
        "requester_id": 7,
        "assignee_id": 5,
        "comments": [
            {"id": 1, "author_id": 7, "body": "Refund?", "created_at": "2026-11-20T10:00:00Z"},
            {"id": 2, "author_id": 5, "body": "Done.", "created_at": "2026-11-20T10:02:00Z"},
        ],
        "satisfaction_rating": {"score": "good"},
    }
    export = json.dumps({"tickets": [ticket], "users": [agent]}).encode()
    zendesk = post_import(client, csrf, "export.json", export, fmt="zendesk", source="zd-file")
    assert zendesk.status_code == 303, zendesk.text[:600]
    assert _links(session, "zd-file", "9001") == (ada.id, ada.id, ada.id)


def test_the_webhook_links_people_named_in_any_letter_case(
    client: TestClient, session: Session
) -> None:
    ada = make_user(session, team="Care", name="Ada", email="ada@example.com")
    secret = create_integration(session, actor=None, name="helpdesk").secret
    for n, (role, person) in enumerate([("customer", None), ("agent", "ADA@Example.com")]):
        message = {
            "id": f"m-{n}",
            "author_role": role,
            "body": f"turn {n}",
            "sent_at": f"2026-11-20T10:0{n}:00Z",
            "author_email": person,
        }
        conversation = {"id": "W-1", "channel": "chat", "assignee_email": "Ada@EXAMPLE.com"}
        body = json.dumps({"conversation": conversation, "message": message}).encode()
        sent = client.post(
            "/api/v1/webhooks/messages", content=body, headers=signed_headers(body, secret)
        )
        assert sent.status_code in (200, 201), sent.text
    assert _links(session, "helpdesk", "W-1") == (ada.id, ada.id, None)
