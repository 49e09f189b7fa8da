"""CSRF tokens for every form: a random token in the signed session, echoed by each form."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from poise.errors import PermissionDenied

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (templates call this for each form)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


HTTPS_ONLY = (
    "this form arrived without Poise's session: in production the session cookie is sent only "
    "over HTTPS, and this page was opened over plain HTTP. Open Poise at its https:// address "
    "(behind a reverse proxy, let the proxy set X-Forwarded-Proto)"
)


def _refuse(request: Request, expected: object) -> PermissionDenied:
    """The refusal, saying why where we can tell: a production server reached over plain HTTP
    never gets its (HTTPS-only) session cookie back, so every form fails, and "reload the page"
    would only fail again."""
    settings = getattr(request.app.state, "settings", None)
    production = getattr(settings, "environment", "") == "production"
    if production and expected is None and request.url.scheme == "http":
        return PermissionDenied(HTTPS_ONLY)
    return PermissionDenied(
        "this form has expired or did not come from Poise (missing or wrong CSRF token): "
        "reload the page and try again"
    )


def verify_csrf_header(request: Request) -> None:
    """The API's session path: Poise's own scripts send the token in ``X-CSRF-Token``.

    Synchronous (no body to read), so the API's user dependency can stay off the event loop.
    """
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise _refuse(request, expected)


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose form field or header does not carry the session's token.

    A dependency (not middleware) so it reads the form FastAPI parses anyway.
    """
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FORM_FIELD)
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise _refuse(request, expected)
