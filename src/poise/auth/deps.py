"""Who is asking: the signed-in user of a page, or the bearer of an API token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from poise.auth.actions import touch_token
from poise.auth.models import User
from poise.auth.permissions import require_admin, require_lead
from poise.auth.queries import token_by_secret, user_by_id
from poise.db.base import utcnow
from poise.errors import PoiseError
from poise.web.csrf import verify_csrf_header
from poise.web.deps import SessionDep
from poise.web.headers import announce_token_expiry

SESSION_USER_KEY = "user_id"
SESSION_VERSION_KEY = "session_version"  # the user's session version at sign-in
# Declares the token in the API's schema, so the docs' "Authorize" button takes one and "Try it
# out" sends it; never refuses by itself (a page's session is the other way in).
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="APIToken",
    description="An API token from Account → API tokens: `Authorization: Bearer TOKEN`. "
    "A token works until its expiry (30, 90 or 365 days after it is made, or never) or until "
    "it is revoked, and is refused while its owner's account is inactive; an expired one is "
    "refused with 401 saying so. While a token has 7 days "
    "or less left, every answer to it carries `Poise-Token-Expires: 2026-12-31T09:00:00Z` "
    "(when it stops working, UTC): a script can warn its owner to make the next one.",
)


class LoginRequired(PoiseError):  # noqa: N818 - reads as what happened
    """No valid session or token: pages redirect to the login form, the API answers 401."""


def session_user(request: Request, session: SessionDep) -> User | None:
    """The user of the session cookie, if it is still valid.

    Signed cookies cannot be recalled, so each carries the user's session version from
    sign-in; once sign-out or a new password raises the version, every older cookie (a
    copy, another browser, a stolen one) stops working.
    """
    user_id = request.session.get(SESSION_USER_KEY)
    if not isinstance(user_id, int):
        return None
    user = user_by_id(session, user_id)
    if user is None or request.session.get(SESSION_VERSION_KEY) != user.session_version:
        request.session.clear()
        return None
    return user


def current_user(request: Request, session: SessionDep) -> User:
    """The signed-in user of a page; also kept on ``request.state`` for the layout."""
    user = session_user(request, session)
    if user is None:
        raise LoginRequired("please sign in")
    request.state.user = user
    return user


def api_user(
    request: Request,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> User:
    """An API caller: ``Authorization: Bearer TOKEN``, or the page's session plus CSRF header.

    The session path lets Poise's own pages call the API from their scripts; it still
    demands the CSRF header on writes, so another site cannot ride a signed-in browser.

    Plain ``def`` on purpose: it queries the database, so FastAPI must run it on the thread
    pool. As ``async def`` it blocked the event loop waiting for a pooled connection that
    only the event loop could free, and 20-50 concurrent API clients deadlocked the server.
    """
    if bearer is not None:
        token = token_by_secret(session, bearer.credentials.strip())
        if token is None:
            raise LoginRequired("the API token is unknown or revoked")
        if not token.user.is_active:  # its owner was deactivated: the token waits, refused
            raise LoginRequired(
                "the API token is refused while its owner's account is inactive: ask an admin"
            )
        now = utcnow()
        if token.is_expired(now):  # refused untouched: its last use stays its last success
            raise LoginRequired(
                f"the API token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: "
                "make a new one under Account → API tokens"
            )
        touch_token(session, token)
        if token.expires_soon(now) and token.expires_at is not None:
            announce_token_expiry(request, token.expires_at)  # time for a script to warn
        return token.user
    user = session_user(request, session)
    if user is None:
        raise LoginRequired("send an API token: Authorization: Bearer TOKEN")
    verify_csrf_header(request)
    return user


def lead_user(user: Annotated[User, Depends(current_user)]) -> User:
    require_lead(user)
    return user


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    require_admin(user)
    return user


def api_admin(user: Annotated[User, Depends(api_user)]) -> User:
    require_admin(user)
    return user


def api_lead(user: Annotated[User, Depends(api_user)]) -> User:
    require_lead(user)
    return user


CurrentUser = Annotated[User, Depends(current_user)]
LeadUser = Annotated[User, Depends(lead_user)]
AdminUser = Annotated[User, Depends(admin_user)]
ApiUser = Annotated[User, Depends(api_user)]
ApiLead = Annotated[User, Depends(api_lead)]
ApiAdmin = Annotated[User, Depends(api_admin)]
