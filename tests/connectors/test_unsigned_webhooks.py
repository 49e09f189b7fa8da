"""A native webhook delivery without a signature of the helpdesk's shape is refused before its
body is read. Such a body may be 4 MiB (``NATIVE_WEBHOOK_BYTES``) and was read whole before
the signature was checked, so an unsigned post cost that much for a 401.

Through a real server: the request declares 4 MiB and sends none of it, so an answer at all
shows the body was never awaited (before, the server sat waiting for it).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from poise.app import create_app
from poise.connectors.actions import save_connector
from poise.connectors.models import Connector
from poise.settings import Settings
from poise.web.bodies import NATIVE_WEBHOOK_BYTES
from support import answer_to_head, serving

GIVEN = {
    "zendesk": {"subdomain": "acme", "email": "ana@poise.test", "api_token": "t0ken"},
    "freshdesk": {"domain": "acme", "api_key": "k3y"},
    "helpscout": {"app_id": "app", "app_secret": "s3cret"},
    "intercom": {"access_token": "tok"},
}
STAMP = {"X-Zendesk-Webhook-Signature-Timestamp": "2026-11-02T10:00:00Z"}
UNSIGNED: list[tuple[str, dict[str, str], str]] = [
    ("zendesk", STAMP, "the Zendesk signature is missing"),
    ("zendesk", STAMP | {"X-Zendesk-Webhook-Signature": "x"}, "not one Zendesk sends"),
    ("zendesk", {"X-Zendesk-Webhook-Signature": "A" * 43 + "="}, "timestamp is missing"),
    ("freshdesk", {}, "the Freshdesk shared secret is missing"),
    ("helpscout", {"X-HelpScout-Signature": "sha1=abc"}, "not one Help Scout sends"),
    ("intercom", {}, "the Intercom signature is missing"),
    ("intercom", {"X-Hub-Signature": "sha256=" + "0" * 64}, "not one Intercom sends"),
]


def connect_all(session: Session) -> None:
    for vendor, given in GIVEN.items():
        given = given | {"webhook_secret": "s3cret-for-webhooks"}
        save_connector(session, actor=None, vendor_name=vendor, given=given)


def head_only(url: str, vendor: str, headers: dict[str, str]) -> bytes:
    """The answer to a request's head declaring a 4 MiB body, none of it sent."""
    lines = [f"POST /api/v1/connectors/{vendor}/webhook HTTP/1.1", "Host: x"]
    lines += ["Content-Type: application/json", f"Content-Length: {NATIVE_WEBHOOK_BYTES}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return answer_to_head(url, "\r\n".join(lines) + "\r\n\r\n")


def test_an_unsigned_delivery_is_refused_before_its_body_is_read(
    settings: Settings, session: Session
) -> None:
    connect_all(session)
    with serving(create_app(settings)) as url:
        for vendor, headers, said in UNSIGNED:
            answer = head_only(url, vendor, headers)
            assert answer.startswith(b"HTTP/1.1 401 "), (vendor, headers, answer)
            assert said.encode() in answer, (vendor, answer)
        # Not set up: still told so (404), not sent after a signature.
        session.execute(delete(Connector))
        session.commit()
        assert head_only(url, "zendesk", {}).startswith(b"HTTP/1.1 404 ")
        assert head_only(url, "zammad", {}).startswith(b"HTTP/1.1 404 ")


def test_a_well_formed_signature_is_still_checked_after_the_body(
    client: TestClient, session: Session
) -> None:
    """The shape check lets a well-formed signature through; its HMAC is checked as before."""
    connect_all(session)
    body = b'{"id": "evt-1"}'
    forged = {
        "zendesk": {"X-Zendesk-Webhook-Signature": "A" * 43 + "="} | STAMP,
        "freshdesk": {"X-Poise-Freshdesk-Secret": "not-the-secret"},
        "helpscout": {"X-HelpScout-Signature": "A" * 27 + "="},
        "intercom": {"X-Hub-Signature": "sha1=" + "0" * 40},
    }
    for vendor, headers in forged.items():
        answer = client.post(f"/api/v1/connectors/{vendor}/webhook", content=body, headers=headers)
        assert answer.status_code == 401, (vendor, answer.text)
        assert "does not match" in answer.json()["detail"], (vendor, answer.text)
