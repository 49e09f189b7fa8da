"""Named reads of users, teams and tokens, with their permission checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.actions import LOGIN_WINDOW, login_key, normal_email, token_hash
from poise.auth.models import ApiToken, LoginFailure, Team, User
from poise.auth.passwords import verify_password
from poise.auth.permissions import require_admin
from poise.db.base import utcnow
from poise.errors import NotFound
from poise.pagination import Page, paginate

MAX_FAILURES_PER_ACCOUNT = 5  # within LOGIN_WINDOW: the 6th try waits, right password or not
MAX_FAILURES_PER_ADDRESS = 20  # one address trying many accounts
# How a new install gets its first admin: the sign-in page and `poise serve` say it while
# nobody can sign in, since Poise makes no account of its own outside `poise demo`.
FIRST_ADMIN_COMMAND = 'poise users add --email you@example.com --name "Your Name" --role admin'


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (without saying which was wrong)."""
    user = session.scalar(select(User).where(User.email == normal_email(email)))
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def nobody_can_sign_in(session: Session) -> bool:
    """Whether no active account exists yet: a fresh install, before its first admin."""
    return session.scalar(select(User.id).where(User.is_active).limit(1)) is None


@dataclass(frozen=True)
class LoginThrottle:
    """Why sign-in is refused for now, and for how many seconds more."""

    message: str
    retry_after: int


def login_throttle(
    session: Session, *, email: str, ip: str, now: datetime | None = None
) -> LoginThrottle | None:
    """Whether this account or this address has failed too often lately; None when not.

    Counted in the database, so every server process enforces the same limits. Checked
    before the password, so a throttled guess is refused even when it is right.
    """
    now = now or utcnow()
    since = now - LOGIN_WINDOW
    by_account = select(LoginFailure.failed_at).where(LoginFailure.email == login_key(email))
    by_address = select(LoginFailure.failed_at).where(LoginFailure.ip == ip[:64])
    checks = (
        (by_account, MAX_FAILURES_PER_ACCOUNT, "for this account"),
        (by_address, MAX_FAILURES_PER_ADDRESS, "from your network address"),
    )
    for query, limit, whose in checks:
        times = list(
            session.scalars(
                query.where(LoginFailure.failed_at >= since).order_by(LoginFailure.failed_at)
            )
        )
        if len(times) >= limit:
            free_at = times[len(times) - limit] + LOGIN_WINDOW
            seconds = max(1, int((free_at - now).total_seconds()) + 1)
            minutes = -(-seconds // 60)
            return LoginThrottle(
                f"Too many failed sign-ins {whose}: try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}, or ask an admin to set a new password.",
                seconds,
            )
    return None


def user_by_id(session: Session, user_id: int) -> User | None:
    """An active user by id, e.g. from the session cookie."""
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


def user_by_email(session: Session, email: str) -> User:
    """A user by email; NotFound when there is none."""
    user = session.scalar(select(User).where(User.email == normal_email(email)))
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user


def live_tokens(session: Session, *, actor: User) -> list[ApiToken]:
    """The actor's own tokens not revoked, newest first: what the account page lists (each
    with when it was last used and when it expires, expired ones too, marked) so one can be
    told apart and revoked."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == actor.id)
            .where(ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_by_secret(session: Session, token: str) -> ApiToken | None:
    """The unrevoked token matching a bearer secret, with its user: the caller refuses it
    while that user is inactive, saying so."""
    return session.scalar(
        select(ApiToken)
        .options(selectinload(ApiToken.user))
        .where(ApiToken.token_hash == token_hash(token))
        .where(ApiToken.revoked_at.is_(None))
    )


def list_users(
    session: Session,
    *,
    actor: User | None,
    page: int = 1,
    page_size: int = 50,
    search: str = "",
) -> Page[User]:
    """Users in name order with their teams; admins (or the CLI, ``None``) only. ``search``
    keeps those whose name or email contains it, in any letter case (``%`` and ``_`` are
    plain characters), so one person among hundreds is found without paging."""
    require_admin(actor)
    query = select(User).options(selectinload(User.team)).order_by(User.name, User.id)
    wanted = search.strip().lower()
    if wanted:
        query = query.where(
            or_(
                func.lower(User.name).contains(wanted, autoescape=True),
                User.email.contains(wanted, autoescape=True),  # stored lower-cased
            )
        )
    return paginate(session, query, page=page, page_size=page_size)


def get_user(session: Session, *, actor: User, user_id: int) -> User:
    """One user for the admin's edit form."""
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def list_teams(session: Session) -> list[Team]:
    """All teams with their members (names are not secret to colleagues)."""
    return list(
        session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name))
    )


def team_named(session: Session, name: str) -> Team | None:
    """The team called ``name`` whatever its letter case and spacing, as people type it on
    the command line (``create_team`` keeps names unique that way). Of teams made before that
    rule that differ only in case, the one spelled exactly; none when it is ambiguous."""
    wanted = " ".join(name.split())
    found = list(session.scalars(select(Team).where(func.lower(Team.name) == wanted.lower())))
    if len(found) == 1:
        return found[0]
    return next((team for team in found if team.name == wanted), None)
