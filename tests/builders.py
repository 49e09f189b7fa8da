"""Plain builders with defaults: make_user(...), make_conversation(...), sign_in(...)."""

from __future__ import annotations

import itertools
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from poise.auth import actions as auth_actions
from poise.auth.models import User
from poise.conversations.models import Conversation
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    RatingRecord,
)
from poise.conversations.writer import write_conversations

PASSWORD = "correct-horse-battery"
_ids = itertools.count(1)


def make_user(
    session: Session,
    *,
    role: str = "agent",
    email: str | None = None,
    name: str | None = None,
    team: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_ids)
    team_id = auth_actions.team_by_name(session, team, create=True).id if team else None
    return auth_actions.create_user(
        session,
        actor=None,
        email=email or f"{role}{n}@example.com",
        name=name or f"{role.title()} {n}",
        role=role,
        password=password,
        team_id=team_id,
    )


def conversation_record(**overrides: Any) -> ConversationRecord:
    """A two-turn chat about a late refund; any field can be overridden.

    Ids count across the test process: a test searching for digits names its own customers.
    """
    n = next(_ids)
    start: datetime = overrides.pop("start", datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    customer_text = overrides.pop("customer_text", "Still no refund after three weeks.")
    fields: dict[str, Any] = {
        "external_id": f"c{n}",
        "channel": "chat",
        "subject": "Refund not received",
        "product": "Poise Mobile",
        "feature": "billing",
        "status": "resolved",
        "resolved_at": start + timedelta(minutes=5),
        "customer": CustomerRecord(f"cust{n}", "Robin Customer"),
        "messages": [
            MessageRecord("m1", "customer", customer_text, start, "Robin Customer"),
            MessageRecord(
                "m2",
                "agent",
                "I'm sorry! I've issued it now.",
                start + timedelta(minutes=4),
                "Agent",
            ),
        ],
    }
    fields.update(overrides)
    return ConversationRecord(**fields)


def make_conversation(session: Session, *, source: str = "test", **overrides: Any) -> Conversation:
    record = conversation_record(**overrides)
    write_conversations(session, source, [record])
    session.commit()
    conv = (
        session.query(Conversation).filter_by(source=source, external_id=record.external_id).one()
    )
    return conv


ROUTER_THEN_BILL = [
    ("customer", "My router drops the connection every evening around 8pm."),
    ("agent", "Thanks, I've reset the line. Does it still drop?"),
    ("customer", "Yes it dropped again last night."),
    ("agent", "I've booked an engineer for Friday."),
    ("customer", "Also, why was I charged twice last month??"),
]
"""A router conversation whose last customer turn raises a new matter (drift at turn 4)."""


def write_thread(
    session: Session,
    said: list[tuple[str, str]],
    *,
    external_id: str,
    start: datetime = datetime(2026, 11, 2, 9, tzinfo=UTC),
    **overrides: Any,
) -> None:
    """Write ``(role, body)`` turns, a minute apart, as one conversation (unscored); commit."""
    turns = [
        MessageRecord(f"{external_id}-{k}", role, body, start + timedelta(minutes=k))
        for k, (role, body) in enumerate(said)
    ]
    record = conversation_record(external_id=external_id, messages=turns, **overrides)
    write_conversations(session, "test", [record])
    session.commit()


def drifting_conversation(session: Session, external_id: str = "dr") -> None:
    """Write :data:`ROUTER_THEN_BILL` as one conversation (unscored) and commit."""
    write_thread(session, ROUTER_THEN_BILL, external_id=external_id)


def good_rating(at: datetime, comment: str = "Great help!") -> RatingRecord:
    return RatingRecord("three", 3, at, comment)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in_page(page: Any, base: str, user: User, landing: str) -> None:
    """Sign in through the login form in a real browser (Playwright's ``page``), landing on
    ``landing``, as the browser journeys begin."""
    page.goto(f"{base}/login?next={landing}")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def sign_in(client: TestClient, user: User, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/account").text)


def post_import(
    client: TestClient,
    csrf: str,
    filename: str,
    content: bytes | str,
    *,
    fmt: str = "csv",
    source: str = "",
    skip_invalid: bool = False,
    follow_redirects: bool = False,
) -> httpx.Response:
    """Upload ``content`` as ``filename`` through the import page, as its form sends it.

    The form always sends its format and source (empty when left blank) and sends
    ``skip_invalid`` only when ticked, so a test says only what it changes, and a field the form
    gains is added here once. The file's type is left to httpx to guess from its name, as a
    browser does: the page reads the content, never the type. The page's own answer comes back
    (a 303 to the import's report, or the refused form) unless ``follow_redirects``.
    """
    form = {"csrf_token": csrf, "format": fmt, "source": source}
    if skip_invalid:
        form["skip_invalid"] = "true"
    return client.post(
        "/import",
        data=form,
        files={"file": (filename, content)},
        follow_redirects=follow_redirects,
    )


def finished_job(session: Session, subject: str, seconds: float = 30) -> Any:
    """The job of ``subject`` once it is done or failed (started by a POST, run in the app's
    background jobs), or as it stands after ``seconds``."""
    import time

    from sqlalchemy import select

    from poise.jobs import JobRun

    deadline = time.monotonic() + seconds
    while True:
        session.expire_all()
        job = session.scalars(select(JobRun).where(JobRun.subject == subject)).one_or_none()
        if (job is not None and job.status in ("done", "failed")) or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def signed_headers(
    body: bytes, secret: str, name: str = "helpdesk", timestamp: int | None = None
) -> dict[str, str]:
    """The headers of a delivery to Poise's own webhook, signed as integration ``name``."""
    from poise.conversations.actions import signature_for

    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Poise-Integration": name,
        "X-Poise-Timestamp": stamp,
        "X-Poise-Signature": signature_for(secret, body, stamp),
        "Content-Type": "application/json",
    }


def post_live_message(base: str, secret: str, message_id: str, body: str) -> httpx.Response:
    """A customer message of the "Broken router" chat, sent to a live server's signed webhook
    as the integration "desk" (the browser journeys that watch a page update themselves)."""
    data = json.dumps(
        {
            "conversation": {
                "id": "Z-1",
                "channel": "chat",
                "subject": "Broken router",
                "customer": {"id": "cust-1", "name": "Kim"},
            },
            "message": {"id": message_id, "author_role": "customer", "body": body},
        }
    ).encode()
    headers = signed_headers(data, secret, "desk")
    # The first message loads the models in the server process: seconds on a cold machine.
    return httpx.post(f"{base}/api/v1/webhooks/messages", content=data, headers=headers, timeout=60)
