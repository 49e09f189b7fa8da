"""Alert tests: a real HTTP receiver on a loopback port and a real SMTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from insights.test_insights_exposure_digest import Inbox, smtp

from connectors.alerts.alert_builders import offline_dns
from poise.app import create_app
from poise.connectors.alerts.delivery import running_dispatchers
from poise.settings import Settings


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What a chat tool's or a customer's webhook endpoint received, and how it answers."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    delay: float = 0.0  # seconds to wait before answering: a slow chat tool

    def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + seconds
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(receiver.delay)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            answer = b"ok" if status == 200 else b"invalid_token"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 and a free port, recording every POST it gets."""
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_dispatcher_left_running() -> None:
    """Stop any alert dispatcher an earlier test's server left running in this process.

    On PostgreSQL every test of a worker uses one database: a dispatcher still running from
    an earlier test claimed this test's due delivery on the real clock (pushing it past the
    test's own clock), so ``deliver_due`` found nothing to send (seen once in CI). The tests
    here send on a clock of their own and must be the only ones sending."""
    for dispatcher in running_dispatchers():
        dispatcher.shutdown()


@pytest.fixture
def settings(
    settings: Settings, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A test marked ``on_premises`` posts to the loopback receiver as an on-premises Poise
    posts to its internal chat server: its operator allowed internal hosts, in the app's
    settings and for the ``poise`` command alike. Every other test keeps the default check."""
    if request.node.get_closest_marker("on_premises") is None:
        return settings
    monkeypatch.setenv("POISE_ALERTS_ALLOW_PRIVATE_HOSTS", "1")
    return settings.model_copy(update={"alerts_allow_private_hosts": True})


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The app, resolving the example names without the network (see ``offline_dns``)."""
    made = create_app(settings)
    made.state.alert_resolver = offline_dns
    return made


__all__ = ["Inbox", "Receiver", "receiver", "smtp"]
