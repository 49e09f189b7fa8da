"""Headers Poise adds to responses: security headers on every one (what the browser may load,
frame and send on), and a token's coming expiry on API answers.

Every page, script, style and image Poise serves comes from Poise itself (no CDN, no inline
script or style), so the Content-Security-Policy allows our own origin only: an injected
``<script>`` or ``style`` attribute does nothing. The API docs pages are no exception: their
Swagger UI and ReDoc builds are served by Poise too (see ``poise.web.apidocs``) and started by
script files; they only add ``data:`` images, and ReDoc its own inserted styles (see below).
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API docs pages run only our own script files too, with two allowances their builds need:
# Swagger UI's stylesheet draws its icons as data: URL images; ReDoc styles itself by inserting
# <style> elements (CSS-in-JS) and runs its search in a worker made from a blob: URL by its own
# (served) script. Inline style cannot run code and /redoc shows only the public schema, so it
# gets 'unsafe-inline' for styles alone and blob: workers; script-src stays 'self' on both.
DOCS_POLICY = POLICY.replace("img-src 'self'", "img-src 'self' data:")
REDOC_POLICY = "; ".join(
    [
        DOCS_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
        "worker-src 'self' blob:",
    ]
)
PAGE_POLICIES = {"/docs": DOCS_POLICY, "/redoc": REDOC_POLICY}
COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


TOKEN_EXPIRES = "Poise-Token-Expires"  # noqa: S105 - a header name
"""On an API answer to a token that stops working within a week: when it does (ISO 8601 UTC),
so a script can warn its owner to make the next one before it is refused with 401."""
_TOKEN_EXPIRES_KEY = "poise_token_expires"  # noqa: S105 - a request state key


class SecurityHeaders:
    """ASGI middleware adding the headers to each HTTP response that does not set its own, and
    :data:`TOKEN_EXPIRES` where the token check asked for it (:func:`announce_token_expiry`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = PAGE_POLICIES.get(scope["path"], POLICY)
        wanted = ((b"content-security-policy", policy.encode()), *COMMON)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in wanted if name not in present)
                stamp = scope.get("state", {}).get(_TOKEN_EXPIRES_KEY)
                if stamp:
                    headers.append((TOKEN_EXPIRES.lower().encode(), stamp.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def announce_token_expiry(request: Request, expires_at: datetime) -> None:
    """Have this request's answer carry :data:`TOKEN_EXPIRES` (whatever the route returns:
    a dependency's own response headers are dropped when a route returns a Response)."""
    stamp = expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    setattr(request.state, _TOKEN_EXPIRES_KEY, stamp)
