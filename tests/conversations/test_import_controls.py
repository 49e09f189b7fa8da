"""Control characters in imported files: dropped by the import itself, whatever the way in.

The one set of :mod:`poise.textcontrols` (C0 but tab, newline and carriage return; DEL; C1)
is dropped from the text of every file format, as the helpdesk connectors drop it: a bell
pasted into one ticket must not refuse it, nor be stored. An upload's form fields follow
the forms' rule (a page drops them, the API refuses them), however large the upload.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, post_import, sign_in
from poise.auth.actions import create_api_token
from poise.conversations.importers import parse_file
from poise.conversations.models import Conversation, Message

HEADER = "conversation_id,channel,author_role,body,sent_at,notes\n"
RINGING = "Ring\x07 the\x85 bell, it\x1b[31m smokes"
CLEAN = "Ring the bell, it[31m smokes"


def _ticket() -> dict[str, object]:
    return {
        "id": 35436,
        "subject": "Printer\x07 on fire\x1b[31m!",
        "requester_id": 1,
        "comments": [
            {
                "id": 1,
                "author_id": 1,
                "body": "It smokes\x00 after\x0b the\x85 update.",
                "created_at": "2026-11-01T09:00:00Z",
            }
        ],
    }


def test_a_zendesk_export_drops_control_characters_as_the_connector_does() -> None:
    """The live connector dropped them before the shared reader; an export file of the same
    ticket kept the bell, the escape and U+0085 in the stored text, and refused a NUL."""
    users = [{"id": 1, "name": "Chris\x1b Doe", "role": "end-user"}]
    for data in (
        json.dumps({"tickets": [_ticket()], "users": users}),
        json.dumps(_ticket()),  # NDJSON: one ticket a line
    ):
        result = parse_file(data.encode(), "zendesk")
        assert result.errors == []
        (conversation,) = result.conversations
        assert conversation.subject == "Printer on fire[31m!"
        assert [m.body for m in conversation.messages] == ["It smokes after the update."]
    named = parse_file(json.dumps({"tickets": [_ticket()], "users": users}).encode(), "zendesk")
    assert named.conversations[0].customer is not None
    assert named.conversations[0].customer.name == "Chris Doe"


def test_csv_json_lines_and_twcs_files_drop_them_too() -> None:
    csv_file = HEADER + f'C1,chat,customer,"{RINGING}",2026-11-01T09:00:00Z,\n'
    jsonl = json.dumps(
        {
            "conversation_id": "C1",
            "channel": "chat",
            "author_role": "customer",
            "body": RINGING,
            "sent_at": "2026-11-01T09:00:00Z",
        }
    )
    twcs = (
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        f'1,cust\x07,True,Tue Oct 31 22:10:47 +0000 2017,"{RINGING}",,\n'
    )
    for data, fmt in ((csv_file, "csv"), (jsonl, "jsonl"), (twcs, "twcs")):
        result = parse_file(data.encode(), fmt)
        assert result.errors == [], fmt
        assert [m.body for c in result.conversations for m in c.messages] == [CLEAN], fmt


def _stored(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.execute(
        select(Conversation.source, Message.body).join(Message.conversation).order_by(Message.id)
    )
    return [(source, body) for source, body in rows]


def test_an_uploaded_csv_is_cleaned_by_the_import_on_the_page_and_the_api(
    client: TestClient, session: Session
) -> None:
    """A form strips its text fields, never a file's bytes: the file's text is the import's
    to clean, and it kept a bell and U+0085 in the stored message."""
    lead = make_user(session, role="lead")
    token = sign_in(client, lead)
    csv_file = HEADER + f'P1,chat,customer,"{RINGING}",2026-11-01T09:00:00Z,\n'
    page = post_import(client, token, "ringing.csv", csv_file, source="desk")
    assert page.status_code == 303, page.text
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    api = client.post(
        "/api/v1/imports",
        headers=headers,
        data={"format": "csv", "source": "api"},
        files={"file": ("ringing.csv", csv_file.replace("P1", "A1").encode())},
    )
    assert api.status_code == 200, api.text
    assert _stored(session) == [("desk", CLEAN), ("api", CLEAN)]


def test_a_large_upload_form_drops_control_characters_on_the_page_and_refuses_them_in_the_api(
    client: TestClient, session: Session
) -> None:
    """A multipart body over 1 MiB skipped the edge's check: the page kept the bell in its
    source field (every smaller form drops it) and the API stored it (it refuses it below
    1 MiB, naming the field)."""
    lead = make_user(session, role="lead")
    token = sign_in(client, lead)
    rows = "".join(
        f"L1,chat,customer,Row {i},2026-11-01T09:{i:02d}:00Z,{'x' * 38_000}\n" for i in range(35)
    )
    large = (HEADER + rows).encode()
    assert len(large) > 1 << 20
    page = post_import(client, token, "large.csv", large, source="big\x07desk")
    assert page.status_code == 303, page.text
    assert {source for source, _ in _stored(session)} == {"bigdesk"}
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    api = client.post(
        "/api/v1/imports",
        headers=headers,
        data={"format": "csv", "source": "big\x07api"},
        files={"file": ("large.csv", large.replace(b"L1,", b"A1,"))},
    )
    assert api.status_code == 400, api.text
    assert "source" in api.json()["detail"] and "U+0007" in api.json()["detail"]
    assert {source for source, _ in _stored(session)} == {"bigdesk"}
