"""Security headers on every response, and templates the strict policy does not break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from builders import make_user, sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "poise"
# What a Content-Security-Policy without 'unsafe-inline' refuses to run or apply.
INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def assert_protected(response: Response) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path", ["/login", "/conversations", "/healthz", "/static/poise.css", "/api/v1/stats", "/nope"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert_protected(response)


def test_signed_in_pages_and_errors_carry_them_too(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="admin"))
    for path in ["/conversations", "/admin/users", "/conversations/999999", "/account"]:
        assert_protected(client.get(path))
    signed = {"X-Poise-Signature": "sha256=" + "0" * 64}  # well-formed: the body is read
    refused = client.post("/api/v1/webhooks/messages", content=b"x" * 200_000, headers=signed)
    assert refused.status_code == 413
    assert_protected(refused)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_load_nothing_from_outside(client: TestClient, path: str) -> None:
    """Swagger UI and ReDoc are Poise's own files, started by a script file: no CDN, no inline
    script (their browser test checks the pages render under this policy)."""
    docs = client.get(path)
    assert docs.status_code == 200
    policy = dict(
        d.strip().split(" ", 1) for d in docs.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and docs.headers["x-frame-options"] == "DENY"
    assert "https:" not in docs.headers["content-security-policy"]
    assert "https:" not in docs.text and "<script>" not in docs.text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text):
        assert client.get(asset).status_code == 200, asset


def test_no_template_or_script_needs_unsafe_inline() -> None:
    """Pages keep working under the policy: every script and style is a file of our own."""
    found = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        found += [
            f"{path.relative_to(SRC)}: {what}" for what, rx in INLINE.items() if rx.search(text)
        ]
    assert found == []


def test_the_browsers_favicon_request_finds_the_icon(client: TestClient) -> None:
    """A browser asks for /favicon.ico on the JSON pages: it is sent to the pages' icon."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.history and response.history[0].status_code == 301
