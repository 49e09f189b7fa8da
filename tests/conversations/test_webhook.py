"""Webhook intake: HMAC-signed messages create or extend conversations; forgeries store nothing."""

from __future__ import annotations

import json
import logging
import socket
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from builders import conversation_record, make_user, sign_in, signed_headers
from poise.app import create_app
from poise.connectors.actions import save_connector
from poise.conversations import scoring
from poise.conversations.actions import (
    create_integration,
    receive_webhook_message,
    signature_for,
)
from poise.conversations.models import Conversation, Message, WebhookDelivery
from poise.conversations.records import MessageRecord
from poise.conversations.schemas import WebhookReceipt
from poise.conversations.writer import write_conversations
from poise.jobs import JobRun
from poise.settings import Settings
from poise.signals import get_scorer
from support import answer_to_head, ended_job, fails_once, serving, statements_naming


def payload(
    message_id: str = "msg-1",
    body: str = "My order never arrived.",
    sent_at: str = "2026-11-02T10:00:00Z",
    **conv: Any,
) -> bytes:
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
        "sent_at": sent_at,
    }
    return json.dumps({"conversation": conversation, "message": message}).encode()


def stored_unscored(session: Session, body: bytes, signed: dict[str, str]) -> WebhookReceipt:
    """What a delivery's request stores before it scores: the turn, unscored (as a server
    that died between the two left it)."""
    return receive_webhook_message(
        session,
        integration_name="helpdesk",
        signature=signed["X-Poise-Signature"],
        timestamp=signed["X-Poise-Timestamp"],
        body=body,
        max_message_chars=10_000,
    )


def send(
    client: TestClient,
    body: bytes,
    secret: str,
    name: str = "helpdesk",
    timestamp: int | None = None,
) -> Response:
    headers = signed_headers(body, secret, name, timestamp)
    return client.post("/api/v1/webhooks/messages", content=body, headers=headers)


def test_signed_message_creates_then_extends_a_conversation(
    client: TestClient, session: Session
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    first = send(client, payload(), secret)
    assert first.status_code == 201, first.text
    assert first.json()["conversation_created"] is True
    again = send(client, payload(), secret)
    assert again.status_code == 409
    assert again.json()["detail"].endswith("was received before: nothing stored")
    reply = payload("msg-2", "Still nothing today.", status="open")
    extended = send(client, reply, secret)
    assert extended.status_code == 201
    assert extended.json()["conversation_id"] == first.json()["conversation_id"]
    conv = session.query(Conversation).one()
    assert (conv.source, conv.external_id, conv.message_count) == ("helpdesk", "T-100", 2)
    assert conv.purpose == "My order never arrived."
    assert [m.body for m in conv.messages] == ["My order never arrived.", "Still nothing today."]


def test_a_tag_too_long_is_refused_and_stores_nothing(client: TestClient, session: Session) -> None:
    """A tag of any length was stored whole (the tags' count had a limit, their length none)."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    refused = send(client, payload(tags=["x" * 121]), secret)
    assert refused.status_code in (400, 422), refused.text
    assert "tags" in refused.text and "120" in refused.text
    assert session.query(Conversation).count() == 0
    assert send(client, payload(tags=["x" * 120]), secret).status_code == 201


def test_wrong_signature_is_refused_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    create_integration(session, actor=None, name="helpdesk")
    response = send(client, payload(), "not-the-secret")
    assert response.status_code == 401
    unknown = send(client, payload(), "whatever", name="nobody")
    assert unknown.status_code == 401
    tampered_body = payload()
    good_sig = signature_for("not-the-secret", tampered_body, "1")
    missing = client.post(
        "/api/v1/webhooks/messages",
        content=tampered_body,
        headers={"X-Poise-Integration": "helpdesk"},
    )
    assert missing.status_code == 401  # no signature at all: refused before the body
    assert missing.json()["detail"] == "X-Poise-Signature is missing: nothing read"
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


def test_the_integrations_page_and_help_say_only_a_message_sent_again_is_refused(
    client: TestClient, session: Session
) -> None:
    """They said "a message received in the last hour" is refused: an admin read that every
    fresh message would be, when only the same message id arriving again within the hour is
    (the 409 above), and a new message is stored whenever it comes."""
    sign_in(client, make_user(session, role="admin"))
    for path in ("/admin/integrations", "/help/conversations"):
        page = " ".join(client.get(path).text.split())
        assert "and so is a message received in the last hour" not in page
        assert "and so is a message sent again within an hour of the first (the same" in page


def test_a_replayed_message_does_not_reopen_a_resolved_conversation(
    client: TestClient, session: Session, settings: Settings
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    opened = payload("msg-1", status="open")
    first_headers = signed_headers(opened, secret)
    url = "/api/v1/webhooks/messages"
    assert client.post(url, content=opened, headers=first_headers).status_code == 201
    closing = payload("msg-2", "Thanks, it came!", "2026-11-02T11:00:00Z", status="resolved")
    assert send(client, closing, secret).status_code == 201
    conv = session.query(Conversation).one()
    assert conv.status == "resolved"
    assert conv.resolved_at == datetime(2026, 11, 2, 11, 0, tzinfo=UTC)

    replay = client.post(url, content=opened, headers=first_headers)  # the captured delivery
    assert replay.status_code == 409
    resent = send(client, opened, secret)  # the same message signed again (a sender's retry)
    assert resent.status_code == 409
    with TestClient(create_app(settings)) as other_process:  # the cache is in the database
        assert other_process.post(url, content=opened, headers=first_headers).status_code == 409
    late = payload("msg-0", "Hello?", "2026-11-02T09:00:00Z", status="open")  # older, new id
    assert send(client, late, secret).status_code == 201
    session.expire_all()
    conv = session.query(Conversation).one()
    assert (conv.status, conv.message_count) == ("resolved", 3)
    assert conv.resolved_at == datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    assert session.query(WebhookDelivery).count() == 3


def test_resolving_through_the_webhook_sets_resolved_at(
    client: TestClient, session: Session
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    created = send(client, payload("m1", "Solved, thanks", status="resolved"), secret)
    assert created.status_code == 201
    conv = session.query(Conversation).one()
    assert conv.resolved_at == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_a_stale_or_future_timestamp_is_refused(client: TestClient, session: Session) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    # A minute past the window each way, so a slow machine cannot carry the clock across it.
    stale = send(client, payload(), secret, timestamp=int(time.time()) - 360)
    assert stale.status_code == 401
    assert "timestamp" in stale.json()["detail"]
    assert send(client, payload(), secret, timestamp=int(time.time()) + 360).status_code == 401
    garbled = signed_headers(payload(), secret) | {"X-Poise-Timestamp": "soon"}
    refused = client.post("/api/v1/webhooks/messages", content=payload(), headers=garbled)
    assert refused.status_code == 401
    assert session.query(Message).count() == 0
    assert send(client, payload(), secret, timestamp=int(time.time()) - 240).status_code == 201


def test_a_message_dated_in_the_future_is_refused_and_cannot_freeze_the_conversation(
    client: TestClient, session: Session
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    assert send(client, payload("m1", status="open"), secret).status_code == 201
    ahead = payload("m2", "From the future", "9999-12-31T23:59:59Z", status="open")
    refused = send(client, ahead, secret)
    assert refused.status_code == 400
    assert "message.sent_at" in refused.json()["detail"] and "future" in refused.json()["detail"]
    soon = datetime.fromtimestamp(time.time() + 60, UTC).isoformat()  # a clock a minute fast
    assert send(client, payload("m3", "Nearly now", soon), secret).status_code == 201
    closing = payload("m4", "Thanks, sorted", datetime.now(UTC).isoformat(), status="resolved")
    assert send(client, closing, secret).status_code == 201
    session.expire_all()
    conv = session.query(Conversation).one()
    assert conv.message_count == 3 and conv.last_message_at.year < 9999


def test_a_time_with_no_utc_equivalent_is_refused_not_a_server_error(
    client: TestClient, session: Session
) -> None:
    """``0001-01-01T00:00:00+01:00`` parses, but in UTC it falls before year 1: it used to fail
    at the write as a 500."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    refused = send(client, payload("m1", sent_at="0001-01-01T00:00:00+01:00"), secret)
    assert refused.status_code == 400, refused.text
    assert "message.sent_at" in refused.json()["detail"]
    assert "UTC" in refused.json()["detail"]
    assert session.query(Conversation).count() == 0
    assert session.query(WebhookDelivery).count() == 0


def test_a_nul_in_the_customer_is_refused_like_one_anywhere_else(
    client: TestClient, session: Session
) -> None:
    """The customer is an object inside the conversation: its texts went unchecked, so a NUL
    reached the database (PostgreSQL refuses it there, a 500)."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    for customer in ({"id": "c\x00", "name": "Sam"}, {"id": "c1", "name": "S\x00m"}):
        refused = send(client, payload(customer=customer), secret)
        assert refused.status_code == 400, refused.text
        assert "conversation.customer." in refused.json()["detail"]
        assert "NUL" in refused.json()["detail"]
    assert session.query(Conversation).count() == 0
    assert session.query(WebhookDelivery).count() == 0


def test_an_oversized_body_is_refused_before_it_is_read(
    settings: Settings, session: Session
) -> None:
    """A 200 MB unsigned body: the answer is 413 from the header, with no byte of it read.

    Through a real server, since TestClient buffers request bodies. Before, the route awaited
    the whole body first, so this request (headers only) hung waiting for 200 MB.
    """
    create_integration(session, actor=None, name="helpdesk")
    limit = settings.max_message_chars * 4 + 65536
    head = (
        "POST /api/v1/webhooks/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "X-Poise-Integration: helpdesk\r\nX-Poise-Timestamp: 1\r\n"
        f"X-Poise-Signature: sha256={'0' * 64}\r\n"
    )
    with serving(create_app(settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        declared = head + f"Content-Length: {200 * 1024 * 1024}\r\n\r\n"
        assert _status_line(port, declared.encode(), b"") == "HTTP/1.1 413 Request Entity Too Large"
        chunk = b"x" * 65536
        chunked = (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
        body = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        sent = _status_line(port, chunked, body, counted=True)
        assert sent[0] == "HTTP/1.1 413 Request Entity Too Large"
        # Refused at the cap (plus what socket buffers held), long before 200 MB arrived.
        assert limit < int(sent[1]) < 32 * 1024 * 1024


def test_a_delivery_without_a_well_formed_signature_is_refused_before_its_body(
    settings: Settings, session: Session
) -> None:
    """The body (up to one message's cap) was read before the signature was looked at, so an
    unsigned post cost as much as a signed one. The request declares a full body and sends
    none: an answer at all shows the body was never awaited."""
    create_integration(session, actor=None, name="helpdesk")
    limit = settings.max_message_chars * 4 + 65536
    head = (
        "POST /api/v1/webhooks/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Poise-Integration: helpdesk\r\nX-Poise-Timestamp: 1\r\nContent-Length: {limit}\r\n"
    )
    refusals = {
        "": "X-Poise-Signature is missing",
        "X-Poise-Signature: sha256=0\r\n": "must be sha256=<64 hex digits>",
        f"X-Poise-Signature: sha1={'0' * 40}\r\n": "must be sha256=<64 hex digits>",
    }
    with serving(create_app(settings)) as url:
        for signature, said in refusals.items():
            answer = answer_to_head(url, f"{head}{signature}\r\n")
            assert answer.startswith(b"HTTP/1.1 401 "), (signature, answer)
            assert said.encode() in answer, answer
    assert session.query(WebhookDelivery).count() == 0


def _status_line(port: int, head: bytes, chunk: bytes, counted: bool = False) -> Any:
    """Send ``head`` then ``chunk`` repeatedly (up to 200 MB) until the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sent = 0
        sock.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 10
        while b"\r\n" not in answer and time.monotonic() < deadline:
            try:
                answer += sock.recv(4096)
            except BlockingIOError:
                if chunk and sent < 200 * 1024 * 1024:
                    try:
                        sent += sock.send(chunk)
                    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                        time.sleep(0.01)
                else:
                    time.sleep(0.01)
        line = answer.split(b"\r\n", 1)[0].decode()
        return (line, sent) if counted else line


def test_control_characters_are_refused_naming_the_field_and_nothing_changes(
    client: TestClient, session: Session
) -> None:
    """Only NUL was refused: a bell, an escape, DEL or a C1 control was stored as sent, to
    show up invisibly in the thread and break CSV exports and terminals downstream. Tab,
    newline and carriage return are text and stay."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    kept = "Line one\r\nLine two\twith a tab"
    first = send(client, payload("m1", kept), secret)
    assert first.status_code == 201, first.text
    author = json.loads(payload("m2"))
    author["message"]["author"] = "Sam\x1bCustomer"
    refused = {
        "message.body": payload("m2", "Ring \x07 ring"),
        "message.author": json.dumps(author).encode(),
        "conversation.subject": payload("m2", subject="Where\x7f is it?"),
        "conversation.customer.name": payload("m2", customer={"id": "c1", "name": "Sam\x85"}),
        "conversation.tags": payload("m2", tags=["ok", "vip\x1b[31m"]),
    }
    for field, body in refused.items():
        answer = send(client, body, secret)
        assert answer.status_code == 400, (field, answer.text)
        assert answer.json()["detail"].startswith(f"{field} contains the control character U+")
    session.expire_all()
    conv = session.query(Conversation).one()
    assert (conv.subject, conv.message_count) == ("Where is my order?", 1)
    assert [m.body for m in conv.messages] == [kept]
    assert session.query(WebhookDelivery).count() == 1  # the refused ones left no replay key


def test_an_admin_replaces_a_leaked_secret(client: TestClient, session: Session) -> None:
    """A secret was shown whole on every visit and was good for ever: it is now folded on the
    page, and an admin replaces it (after ticking "Yes, replace"); the old one signs nothing.
    Without the tick, the refusal stands beside that sender's box, not in a banner at the
    top of the page, away from the row whose box was left unticked."""
    hook = create_integration(session, actor=None, name="helpdesk")
    old = hook.secret
    token = sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/integrations").text
    assert f'<details class="secret"><summary><code>{old[:4]}…</code>' in page
    assert page.count(old) == 1  # inside the fold only
    other = create_integration(session, actor=None, name="helpdesk-eu")
    kept = client.post(
        f"/admin/integrations/{hook.id}/rotate", data={"csrf_token": token}, follow_redirects=False
    )
    assert kept.status_code == 400
    row = kept.text.split(f'action="/admin/integrations/{hook.id}/rotate"')[1].split("</tr>")[0]
    assert 'aria-invalid="true"' in row and "nothing changed" in row
    assert f'id="rotate-{hook.id}-error"' in row and f"rotate-{other.id}-error" not in kept.text
    assert "nothing changed" not in client.get("/admin/integrations").text  # said once, there
    session.refresh(hook)
    assert hook.secret == old
    replaced = client.post(
        f"/admin/integrations/{hook.id}/rotate",
        data={"csrf_token": token, "confirm": "true"},
        follow_redirects=False,
    )
    assert replaced.status_code == 303
    session.refresh(hook)
    assert hook.secret != old
    assert send(client, payload("after-1"), old).status_code == 401
    assert send(client, payload("after-2"), hook.secret).status_code == 201


def test_a_message_into_a_long_thread_looks_up_its_own_id_not_every_turns(
    client: TestClient, session: Session
) -> None:
    """Whether a delivered message was stored already was told from every key the thread
    holds: one message into an imported thread of 50,000 turns read 50,000 keys (0.4 s).
    It looks up the ids the delivery carries; a message the thread holds deep inside it is
    still known, and a new one still stored."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    turns = [
        MessageRecord(f"h-{k}", "agent" if k % 2 else "customer", f"turn {k}", start, "Sam")
        for k in range(3000)
    ]
    write_conversations(
        session, "helpdesk", [conversation_record(external_id="T-100", messages=turns)]
    )
    session.execute(  # scored, as an import's turns are once its job ran
        update(Message).values(negativity=0.1, feeling_level="neutral", signal_version="t")
    )
    session.commit()
    with statements_naming("messages.external_id") as keys:
        known = send(client, payload("h-1500", "turn 1500"), secret)
        new = send(
            client, payload("new-1", "Still nothing.", sent_at="2026-11-04T10:00:00Z"), secret
        )
    assert (known.status_code, known.json()["message_created"]) == (200, False)
    assert (new.status_code, new.json()["message_created"]) == (201, True)
    assert keys and all("messages.external_id IN" in statement for statement in keys), keys
    conv = session.scalars(select(Conversation).filter_by(external_id="T-100")).one()
    session.refresh(conv)
    assert conv.message_count == 3001
    assert session.scalar(select(func.count(Message.id))) == 3001


def test_a_replay_is_refused_409_as_a_helpdesks_own_webhook_refuses_one(
    client: TestClient, session: Session
) -> None:
    """A replayed delivery (the same signed request sent again) was answered 200 "nothing
    changed" by Poise's own webhook, and 409 by every helpdesk's native one: the same event,
    two answers, and the docs said each. Both now refuse it with 409 and the same words, and
    store nothing twice. A delivery that failed left no trace, so the sender's retry of it is
    stored; a fresh message after a replay is stored too."""
    url = "/api/v1/webhooks/messages"
    secret = create_integration(session, actor=None, name="helpdesk").secret
    body = payload("msg-1", status="open")
    late = send(client, body, secret, timestamp=int(time.time()) - 600)  # a clock behind
    assert late.status_code == 401, late.text
    signed = signed_headers(body, secret)
    first = client.post(url, content=body, headers=signed)  # the retry of the failed one
    assert first.status_code == 201, first.text
    replay = client.post(url, content=body, headers=signed)
    assert replay.status_code == 409, replay.text
    said = "message 'msg-1' of conversation 'T-100' was received before: nothing stored"
    assert replay.json() == {"detail": said}
    fresh = send(client, payload("msg-2", "Still nothing.", "2026-11-02T10:05:00Z"), secret)
    assert fresh.status_code == 201, fresh.text
    session.expire_all()
    conv = session.query(Conversation).one()
    assert (conv.message_count, conv.status) == (2, "open")
    assert session.scalar(select(func.count(Message.id))) == 2
    assert session.scalar(select(func.count(WebhookDelivery.id))) == 2

    given = {"domain": "acme", "api_key": "k3y", "webhook_secret": "s3cret-for-webhooks"}
    save_connector(session, actor=None, vendor_name="freshdesk", given=given)
    ticket = {
        "ticket_id": "1",
        "ticket_subject": "Refund still missing",
        "ticket_latest_public_comment": "Where is my refund?",
        "ticket_updated_at": datetime.now(UTC).isoformat(),
        "author_role": "customer",
    }
    native = json.dumps({"freshdesk_webhook": ticket}).encode()
    hook = {"X-Poise-Freshdesk-Secret": given["webhook_secret"], "Content-Type": "application/json"}
    freshdesk = "/api/v1/connectors/freshdesk/webhook"
    assert client.post(freshdesk, content=native, headers=hook).status_code == 200
    again = client.post(freshdesk, content=native, headers=hook)
    assert again.status_code == replay.status_code == 409
    assert again.json()["detail"].endswith("received before: nothing stored")
    assert session.scalar(select(func.count(Message.id))) == 3


@pytest.mark.parametrize("failing", ["the turn's score", "the conversation's signals"])
def test_a_stored_turn_whose_scoring_fails_is_answered_stored_and_scored_by_a_job(
    client: TestClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failing: str,
) -> None:
    """Scoring a delivered turn failed after the turn was committed: the sender got a 500, its
    retry a 409 "received before: nothing stored", and the turn stayed unscored until someone
    ran ``poise signals score``. Now the answer says stored (201) with the background job that
    scores it; the log names the conversation, never the text (the model's error quoted it);
    the job scores the turn, refreshes the conversation's signals and tells the live hooks
    (alerts), as the request would have. A replay still changes nothing: 409, no second job."""
    text = "My order never arrived."
    error = RuntimeError(f"the model could not read {text!r}")  # as a runtime's error may
    if failing == "the turn's score":
        fails_once(monkeypatch, get_scorer("negativity"), "score_batch", error)
    else:
        fails_once(monkeypatch, scoring, "signals_batch", error)
    told: list[list[int]] = []
    hooks = client.app.state.hooks  # type: ignore[attr-defined]
    hooks.conversations_scored.append(lambda _session, ids: told.append(list(ids)))
    secret = create_integration(session, actor=None, name="helpdesk").secret
    body = payload("msg-1", text)
    signed = signed_headers(body, secret)
    with caplog.at_level(logging.WARNING, logger="poise"):
        first = client.post("/api/v1/webhooks/messages", content=body, headers=signed)
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["message_created"] is True and receipt["scoring_job_id"] is not None
    conv_id = receipt["conversation_id"]
    job = ended_job(session, receipt["scoring_job_id"])
    assert (job.kind, job.status, job.subject) == ("score", "done", f"webhook:{conv_id}")
    turn = session.scalars(select(Message)).one()
    conv = session.scalars(select(Conversation)).one()
    session.refresh(turn)
    session.refresh(conv)
    assert turn.signal_version is not None and turn.feeling_level is not None
    assert conv.signals_version is not None and conv.signal_trend
    assert told == [[conv_id]]
    failed = [r for r in caplog.records if "scoring" in r.getMessage()]
    assert failed and f"conversation {conv_id}" in failed[0].getMessage(), caplog.text
    assert "never arrived" not in caplog.text
    assert all(r.exc_text is None or "never arrived" not in r.exc_text for r in caplog.records)

    replay = client.post("/api/v1/webhooks/messages", content=body, headers=signed)
    assert replay.status_code == 409, replay.text
    assert session.scalar(select(func.count(JobRun.id))) == 1


def test_a_turn_scored_at_once_names_no_job(client: TestClient, session: Session) -> None:
    """The receipt's ``scoring_job_id`` is null when the turn was scored in the request, and
    when nothing new was stored; no job is recorded."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    first = send(client, payload(), secret)
    assert (first.status_code, first.json()["scoring_job_id"]) == (201, None)
    assert session.scalars(select(Message.signal_version)).one() is not None
    assert session.scalar(select(func.count(JobRun.id))) == 0


def test_a_replay_of_a_turn_left_unscored_queues_its_scoring(
    client: TestClient, session: Session
) -> None:
    """A server that died after storing a delivered turn, before scoring it (killed while the
    model ran, a restart), left the turn unscored and no job behind; the sender, with no
    answer, sent it again and was told 409 "received before", and nothing scored the turn.
    The replay is still answered 409 word for word (this delivery stores nothing), and
    queues the job that scores the stored turn; a replay of a scored turn queues nothing."""
    secret = create_integration(session, actor=None, name="helpdesk").secret
    body = payload("msg-1")
    signed = signed_headers(body, secret)
    stored = stored_unscored(session, body, signed)  # stored, then the server died
    assert session.scalars(select(Message.signal_version)).one() is None
    replay = client.post("/api/v1/webhooks/messages", content=body, headers=signed)
    assert replay.status_code == 409, replay.text
    said = "message 'msg-1' of conversation 'T-100' was received before: nothing stored"
    assert replay.json() == {"detail": said}
    job_id = session.scalars(select(JobRun.id)).one()
    job = ended_job(session, job_id)
    assert (job.kind, job.status) == ("score", "done")
    assert job.subject == f"webhook:{stored.conversation_id}"
    assert session.scalars(select(Message.signal_version)).one() is not None
    again = client.post("/api/v1/webhooks/messages", content=body, headers=signed)
    assert again.status_code == 409
    assert session.scalar(select(func.count(JobRun.id))) == 1
