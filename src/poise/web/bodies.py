"""The raw body of a webhook delivery, capped before it is read into memory.

Every webhook intake (Poise's own and each helpdesk connector's native one) reads its body
through :func:`webhook_body`, so one limit and one refusal serve them all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from poise.web.deps import SettingsDep
from poise.web.params import is_count


def webhook_body_limit(settings: SettingsDep) -> int:
    """Largest webhook body: a message at its longest (4 bytes a character) plus the rest."""
    return settings.max_message_chars * 4 + 65536


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
