"""Bodies capped before they are read into memory.

Every webhook intake (Poise's own and each helpdesk connector's native one) reads its body
through :func:`webhook_body`, so one limit and one refusal serve them all. Every other JSON or
plain form body passes :class:`BodyCap` first: FastAPI reads such a body whole before any
dependency runs, so the cap has to sit in front of the app.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from poise.web.deps import SettingsDep
from poise.web.inputs import PLAIN_FORM, is_json_body, is_signed_body
from poise.web.params import is_count

NATIVE_WEBHOOK_BYTES = 4 * 1024 * 1024
"""Largest body of a helpdesk's native webhook (``/api/v1/connectors/{vendor}/webhook``)."""


def webhook_body_limit(request: Request, settings: SettingsDep) -> int:
    """Largest webhook body. Poise's own carries one message: that message at its longest
    (4 bytes a character) plus the rest. Help Scout and Intercom send the whole conversation
    with every thread or part, HTML and all, so a long thread passed the one-message cap and
    every delivery of it was refused (413) until the next sync: a helpdesk's webhook may send
    :data:`NATIVE_WEBHOOK_BYTES` (or the one-message cap when that is larger)."""
    one_message = settings.max_message_chars * 4 + 65536
    path = request.url.path
    if path.startswith("/api/v1/connectors/") and path.endswith("/webhook"):
        return max(one_message, NATIVE_WEBHOOK_BYTES)
    return one_message


async def webhook_body(
    request: Request, limit: Annotated[int, Depends(webhook_body_limit)]
) -> bytes:
    """The raw body, refused with 413 from its declared length or once it streams past the cap.

    Nothing is buffered beyond the cap: a 200 MB unsigned body costs a header check, not
    200 MB of memory. ``async`` only to await the stream; it touches no database.
    """
    declared = request.headers.get("content-length", "")
    if declared and (not is_count(declared) or int(declared) > limit):
        raise HTTPException(413, f"the webhook body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the webhook body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class BodyCap:
    """ASGI middleware: a JSON or plain form body over ``limit`` bytes is refused with 413.

    Without it a 60 MB JSON body was read and parsed whole (and echoed back in the 422), and a
    body sent chunked or without a content type skipped the input check that refuses NUL and
    other control characters. A declared length is judged from the header; a chunked body is
    held up to the limit, then handed on. Uploads (multipart) and webhooks have caps of their
    own.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _capped(scope):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if is_count(declared) and int(declared) <= self.limit:
                await self.app(scope, receive, send)
            else:
                await _too_large(send, self.limit)
            return
        held = await _hold(receive, self.limit)
        if held is None:
            await _too_large(send, self.limit)
            return
        await self.app(scope, _replay(held, receive), send)


def _capped(scope: Scope) -> bool:
    content_type = Headers(scope=scope).get("content-type", "")
    if is_signed_body(scope["path"]):
        return False
    return is_json_body(content_type) or content_type.startswith(PLAIN_FORM)


async def _hold(receive: Receive, limit: int) -> list[Message] | None:
    """The messages of a body without a declared length, or None once it passes ``limit``."""
    held: list[Message] = []
    size = 0
    while True:
        message = await receive()
        held.append(message)
        if message["type"] != "http.request":
            return held
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return held


def _replay(held: list[Message], receive: Receive) -> Receive:
    pending = list(held)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"the body is larger than {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
