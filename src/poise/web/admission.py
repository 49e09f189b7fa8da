"""Admission: at most as many requests inside the app as there are pooled connections.

Requests hold their database connection from their first query to their end, across the
thread hops FastAPI makes between dependencies and the route. With more requests in flight
than connections, those holding one wait for a thread while those holding a thread wait for
a connection. Admission queues the surplus on the event loop instead (waiting there costs no
thread and no connection) and answers 503 when the queue wait runs past a bound.
"""

from __future__ import annotations

import json

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

# Paths that never queue: liveness must answer under load (it has connections of its own
# among the pool's spare ones), and static files touch no database.
UNQUEUED = ("/healthz", "/static/")


class Admission:
    """ASGI middleware admitting ``limit`` HTTP requests at a time; the rest wait their turn."""

    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNQUEUED):
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made on the serving loop, on first use
            self._slots = anyio.Semaphore(self.limit)
        with anyio.move_on_after(self.wait_seconds) as waited:
            await self._slots.acquire()
        if waited.cancelled_caught:
            await _busy(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


async def _busy(send: Send) -> None:
    body = json.dumps({"detail": "Poise is busy right now: please try again in a moment."})
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", b"2"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
