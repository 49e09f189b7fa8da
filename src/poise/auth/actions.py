"""Every change to users, teams and tokens: one function per change, each owning its commit."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta
from functools import partial

from sqlalchemy import Integer, delete, func, inspect, or_, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from poise.auth.models import ROLES, ApiToken, LoginFailure, Team, User
from poise.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from poise.auth.permissions import require_admin
from poise.db.base import utcnow
from poise.errors import FieldChecks, InvalidInput, NotFound
from poise.faults import log_failure
from poise.visible import invisible_char
from poise.words import counted

LOGIN_WINDOW = timedelta(minutes=15)  # failures older than this are forgotten

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "poise_"  # noqa: S105 - a visible prefix, not a secret
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
TOKEN_NAME_MAX = 120  # the column's width
TOKEN_LIFETIMES = (30, 90, 365)  # the days a new token may last, besides never
DEFAULT_TOKEN_DAYS = 90
TOKEN_LIFETIME_RULE = (
    f"A token lasts {', '.join(str(d) for d in TOKEN_LIFETIMES[:-1])} or {TOKEN_LIFETIMES[-1]}"
    " days, or never expires"
)
log = logging.getLogger("poise.auth")


def login_key(email: str) -> str:
    """How a sign-in's e-mail is counted by the throttle: as accounts are stored."""
    return normal_email(email)[:MAX_EMAIL]


MAX_EMAIL = 254


def normal_email(email: str) -> str:
    """An e-mail address as a user's is stored (trimmed, lower-cased): what anything naming a
    user by e-mail compares (an import's ``Ada@Example.com`` linked nobody)."""
    return email.strip().lower()


def _clean_email(email: str) -> str:
    """The address, as :func:`normal_email` stores it; a refusal says what is wrong in words
    and quotes at most the start of what was typed (it quoted a 200,000-character paste whole,
    and an empty field read "'' is not a valid email address")."""
    email = normal_email(email)
    if not email:
        raise InvalidInput("enter the person's email address", field="email")
    if len(email) > MAX_EMAIL:
        raise InvalidInput(
            f"an email address is at most {MAX_EMAIL} characters (this one has {len(email)})",
            field="email",
        )
    if (hidden := invisible_char(email)) is not None:
        raise InvalidInput(
            f"the email address holds an invisible character (U+{ord(hidden):04X}): type it "
            "again rather than pasting it",
            field="email",
        )
    if not EMAIL_RE.match(email):
        shown = email if len(email) <= 60 else email[:59] + "…"
        raise InvalidInput(
            f"“{shown}” is not an email address: it looks like name@example.com", field="email"
        )
    return email


def _check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", field=field
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}", field="role")


def create_team(session: Session, *, actor: User | None, name: str) -> Team:
    """Create a team with a unique name: unique whatever its case and spacing, since "Billing"
    and "billing " would stand side by side in every team list, for admins to tell apart."""
    require_admin(actor)
    name = _clean_team_name(name)
    same = session.scalar(select(Team.name).where(func.lower(Team.name) == name.lower()))
    if same is not None:
        raise InvalidInput(f"a team named “{same}” already exists", field="name")
    team = Team(name=name)
    session.add(team)
    session.commit()
    return team


def _clean_team_name(name: str) -> str:
    """A team's name with its spacing tidied, refused when empty or over the column's width."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise InvalidInput("a team needs a name of 1 to 120 characters", field="name")
    return name


def rename_team(
    session: Session, *, actor: User | None, team_id: int, name: str
) -> tuple[str, Team]:
    """Give a team a new name, under the rules a new team's name follows (tidied, 1 to 120
    characters, unique whatever its case and spacing; the team's own name in another case is
    allowed). Returns the old name and the team."""
    require_admin(actor)
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team with id {team_id}")
    name = _clean_team_name(name)
    same = session.scalar(
        select(Team.name).where(func.lower(Team.name) == name.lower()).where(Team.id != team.id)
    )
    if same is not None:
        raise InvalidInput(f"a team named “{same}” already exists", field="name")
    old, team.name = team.name, name
    session.commit()
    return old, team


# What refers to a team besides its people, in the words its pages use. A team is deleted only
# when nothing but its imports refers to it: those lose their team (their uploader and admins
# still see them; an empty team has no lead who would lose sight of one). Anything else keeps
# the team, a table added later too, since deleting the team would delete it as well (alert
# rules, kudos rounds, scorecards) or make it everyone's (a drill for one team's launch).
TEAM_DETACHED = frozenset({"import_runs"})
TEAM_REFERENCES = {
    "alert_rules": ("alert rule", "alert rules"),
    "kudos_rounds": ("kudos round", "kudos rounds"),
    "scorecards": ("peer-review scorecard", "peer-review scorecards"),
    "training_drills": ("drill", "drills"),
}


def _listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def _team_references(session: Session, team: Team) -> dict[tuple[str, str], int]:
    """Rows pointing at ``team`` from each other table and column (its people aside), read
    through the database's own foreign keys: no area's tables are imported here, and a table
    another area adds later is not missed."""
    found: dict[tuple[str, str], int] = {}
    every = inspect(session.connection()).get_multi_foreign_keys()
    for (_schema, table_name), keys in sorted(every.items(), key=lambda item: item[0][1]):
        for key in keys:
            columns = key["constrained_columns"]
            if key["referred_table"] != Team.__tablename__ or table_name == User.__tablename__:
                continue
            column = sa_column(columns[0], Integer)
            rows = session.scalar(
                select(func.count())
                .select_from(sa_table(table_name, column))
                .where(column == team.id)
            )
            if rows:
                found[table_name, columns[0]] = rows
    return found


def delete_team(
    session: Session, *, actor: User | None, team_id: int, confirmed: bool
) -> tuple[str, int]:
    """Delete a team nobody is in and nothing else needs; returns its name and how many
    imports it let go of.

    Refused, saying how many, while anyone is in it (leads, and inactive people, who would come
    back teamless) and while alert rules, kudos rounds, scorecards or drills of it exist; and,
    when it could go, until the deletion is ``confirmed`` (a stray click on Delete deleted it
    at once). Those reasons come first: ticking the box would not help."""
    require_admin(actor)
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team with id {team_id}")
    roles = list(session.scalars(select(User.role).where(User.team_id == team.id)))
    if roles:
        leads = roles.count("lead")
        among = f", {counted(leads, 'lead')} among them" if leads else ""
        raise InvalidInput(
            f"“{team.name}” has {counted(len(roles), 'member')}{among}: move them to another "
            "team on Admin → Users before deleting it",
            field="delete",
        )
    references = _team_references(session, team)
    kept = {ref: n for ref, n in references.items() if ref[0] not in TEAM_DETACHED}
    if kept:
        said = _listed(
            [
                counted(n, *TEAM_REFERENCES.get(name, (f"row of {name}", f"rows of {name}")))
                for (name, _column), n in kept.items()
            ]
        )
        raise InvalidInput(
            f"“{team.name}” still has {said}, which need it: rename the team instead to keep them",
            field="delete",
        )
    if not confirmed:
        raise InvalidInput(
            f"tick “Yes, delete {team.name}” beside Delete to delete it: nothing was deleted",
            field="delete",
        )
    for table_name, column_name in references:  # what is left: imports, let go of
        column = sa_column(column_name, Integer)
        session.execute(
            update(sa_table(table_name, column)).where(column == team.id).values({column: None})
        )
    name = team.name
    session.delete(team)
    session.commit()
    return name, sum(references.values())


def team_by_name(session: Session, name: str, *, create: bool = False) -> Team:
    """The team called ``name`` whatever its letter case and spacing, as ``team_named`` finds
    it; with ``create`` (CLI convenience) it is made only when no team is so named. It matched
    the exact spelling, so ``poise users add --team care`` made a team "care" beside "Care",
    one that ``create_team`` refuses. Of older teams that differ only in case, a name that
    picks none of them is refused rather than making one more."""
    from poise.auth.queries import team_named  # a module-level import would be circular

    team = team_named(session, name)
    if team is not None:
        return team
    wanted = " ".join(name.split())
    alike = list(session.scalars(select(Team.name).where(func.lower(Team.name) == wanted.lower())))
    if alike:
        raise InvalidInput(
            f"several teams are named like {wanted!r} ({', '.join(sorted(alike))}): "
            "type one exactly as it is spelled",
            field="team",
        )
    if not create:
        raise NotFound(f"no team named {name!r}")
    team = Team(name=_clean_team_name(name))
    session.add(team)
    session.flush()
    return team


def _clean_user_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("a user needs a name of 1 to 120 characters", field="name")
    return name


def _refuse_taken_email(session: Session, email: str, *, besides: int | None = None) -> None:
    """Refuse an address another account (not ``besides``) already signs in with."""
    query = select(User.id).where(User.email == email)
    if besides is not None:
        query = query.where(User.id != besides)
    if session.scalar(query) is not None:
        raise InvalidInput(f"a user with email {email} already exists", field="email")


def _free_email(session: Session, email: str, *, besides: int | None = None) -> str:
    """The cleaned address, refused when malformed or another account's (not ``besides``)."""
    cleaned = _clean_email(email)
    _refuse_taken_email(session, cleaned, besides=besides)
    return cleaned


def _check_team(session: Session, checks: FieldChecks, team_id: int | None, hint: str = "") -> None:
    """Refuse, beside the team field, a team gone since the form's list was drawn: a field of
    the form, said with the others, not a 404 page that loses the admin's choices."""
    if team_id is not None and session.get(Team, team_id) is None:
        checks.refuse("team", f"no team with id {team_id}{hint}")


def create_user(
    session: Session,
    *,
    actor: User | None,
    email: str,
    name: str,
    role: str,
    password: str | None,
    team_id: int | None = None,
) -> User:
    """Create a user. Without a password they cannot log in until an admin sets one.

    Every refused field is said at once (``InvalidFields``), each beside its own field: one a
    round made the admin fix, save and meet the next."""
    require_admin(actor)
    checks = FieldChecks()
    email = checks.check(lambda: _free_email(session, email), email)
    checks.check(lambda: _check_role(role), None)
    name = checks.check(lambda: _clean_user_name(name), name)
    if password is not None:
        checks.check(lambda: _check_password(password), None)
    _check_team(session, checks, team_id)
    checks.done()
    user = User(
        email=email,
        name=name,
        role=role,
        team_id=team_id,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.commit()
    return user


def _refuse_locking_oneself_out(
    checks: FieldChecks, actor: User | None, user: User, *, role: str, is_active: bool
) -> None:
    """An admin cannot demote or deactivate themselves (another admin can): each said beside
    the field at fault, not one message naming both whichever was tried."""
    if actor is None or actor.id != user.id:
        return
    if role != "admin":
        checks.refuse("role", "you cannot take away your own admin role: another admin can")
    if not is_active:
        checks.refuse("is_active", "you cannot deactivate yourself: another admin can")


def update_user(
    session: Session,
    *,
    actor: User | None,
    user_id: int,
    role: str,
    team_id: int | None,
    is_active: bool,
    password: str | None = None,
    name: str | None = None,
    email: str | None = None,
    current_password: str = "",
    ip: str = "unknown",
) -> User:
    """Change a user's role, team, active flag and (optionally) password, name and email (a
    typo in either was there for good). Deactivating ends every session of the user for
    good; their API tokens are refused while inactive.

    An admin's own new password needs their current one, as on the account page: else a
    session left open (or a stolen cookie) could lock the real admin out. Every field is
    checked before anything changes (a wrong current password is recorded, and committed, at
    once), and every refusal is said at once (``InvalidFields``), each beside its field."""
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    checks = FieldChecks()
    if password and actor is not None and actor.id == user.id:
        checks.check(lambda: _check_current_password(session, user, current_password, ip=ip), None)
    if name is not None:
        name = checks.check(partial(_clean_user_name, name), name)
    if email is not None:
        email = checks.check(partial(_free_email, session, email, besides=user.id), email)
    checks.check(lambda: _check_role(role), None)
    _refuse_locking_oneself_out(checks, actor, user, role=role, is_active=is_active)
    _check_team(session, checks, team_id, ": choose another")
    if password:
        checks.check(lambda: _check_password(password), None)
    checks.done()
    if user.is_active and not is_active:
        # a deactivated account's sessions end for good: reactivating it later must not bring
        # back a cookie taken before (a shared laptop, a stolen copy)
        user.session_version += 1
    user.name = user.name if name is None else name
    user.email = user.email if email is None else email
    user.role, user.team_id, user.is_active = role, team_id, is_active
    if password:
        _new_password(session, user, password)
    session.commit()
    return user


def set_password(session: Session, *, user: User, password: str) -> User:
    """Set ``user``'s password from the command line (``poise users set-password``): the
    rule of every new password, and, as the account page's change does, every session
    signed in with the old one ends and the sign-in throttle's record of the account goes.
    API tokens are not touched."""
    _check_password(password)
    _new_password(session, user, password)
    session.commit()
    return user


def _new_password(session: Session, user: User, password: str) -> None:
    """Store a checked new password (no commit): the old one's sessions end and the account
    is unlocked, whoever sets it."""
    user.password_hash = hash_password(password)
    user.session_version += 1  # a new password ends every session of the old one
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))  # unlocks


def change_own_password(
    session: Session, *, user: User, current: str, new: str, confirm: str, ip: str
) -> User:
    """Change ``user``'s own password, given the current one: the admin form's rule for a
    new password, typed twice alike. Every session of the old password ends (the caller keeps
    its own by taking the new ``session_version``); API tokens are not touched.

    Every refusal is said at once, beside its field. A wrong current password is recorded as a
    failed sign-in of the account (committed before the refusal), so the sign-in throttle,
    checked by the caller first, stops this form from being used to guess it."""
    checks = FieldChecks()
    checks.check(lambda: _check_current_password(session, user, current, ip=ip), None)
    checks.check(lambda: _check_password(new, "new_password"), None)
    if "new_password" not in checks.problems and new != confirm:
        checks.refuse("confirm_password", "the two new passwords differ: type the same one twice")
    checks.done()
    _new_password(session, user, new)
    session.commit()
    return user


def _check_current_password(session: Session, user: User, current: str, *, ip: str) -> None:
    """Refuse a change of one's own password without the current one. A wrong one is recorded
    as a failed sign-in of the account (committed at once, so call it before any change), so
    the sign-in throttle, checked by the caller first, stops a form from being used to guess
    it."""
    if not current:
        raise InvalidInput("enter your current password", field="current_password")
    if not verify_password(user.password_hash, current):
        record_login_failure(session, email=user.email, ip=ip)
        raise InvalidInput("that is not your current password", field="current_password")


def token_hash(token: str) -> str:
    """Tokens are stored hashed: a leaked database does not leak working tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_name(name: str) -> str:
    """The name a token is kept under: required, so tokens can be told apart later, and never
    cut short without saying so."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the token a name, e.g. what it is for.", field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise InvalidInput(
            f"A token name is at most {TOKEN_NAME_MAX} characters (this one has {len(name)}).",
            field="name",
        )
    return name


def token_lifetime(days: int | None) -> int | None:
    """The days a new token lasts, one of ``TOKEN_LIFETIMES``, or None for never; any other
    number is refused naming the choices."""
    if days is not None and days not in TOKEN_LIFETIMES:
        raise InvalidInput(f"{TOKEN_LIFETIME_RULE} (not {days} days).", field="expires")
    return days


def create_api_token(
    session: Session,
    *,
    actor: User | None,
    user: User,
    name: str = "API token",
    expires_in_days: int | None = DEFAULT_TOKEN_DAYS,
) -> str:
    """Create an API token for ``user`` and return it; it is shown once and never stored.

    It works for ``expires_in_days`` (30, 90 or 365) from now, or until revoked when None."""
    if actor is not None and actor.id != user.id:
        require_admin(actor)
    kept_name = token_name(name)
    days = token_lifetime(expires_in_days)
    now = utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=kept_name,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=None if days is None else now + timedelta(days=days),
        )
    )
    session.commit()
    return token


def revoke_api_token(session: Session, *, actor: User, token_id: int, confirmed: bool) -> str:
    """Stop one of the actor's own API tokens from working (a leaked one, or a script retired)
    and return its name. Kept, revoked, so its name and last use stay readable; another
    person's token is not found, so ids reveal nothing. Refused until ``confirmed``: it cannot
    be undone and stops the script at once (a stray click on Revoke did both)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id or token.revoked_at is not None:
        raise NotFound(f"you have no live API token with id {token_id}")
    if not confirmed:
        raise InvalidInput(
            f"tick “Yes, revoke {token.name}” beside Revoke to revoke it: nothing was revoked",
            field="revoke",
        )
    token.revoked_at = utcnow()
    session.commit()
    return token.name


def touch_token(session: Session, token: ApiToken) -> None:
    """Record when a token was last used: at most once a minute per token, never failing.

    A conditional UPDATE, so of many concurrent requests (in any process) at most one writes
    and the others in that minute write nothing. A database that refuses the write (read
    only, disk full) must not fail the request the token was for: the use goes unrecorded
    and the log says why.
    """
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_TOUCH_EVERY)
    try:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .where(stale)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        log_failure(
            log,
            "could not record the use of API token %s",
            token.id,
            exc=exc,
            level=logging.WARNING,
        )


def record_login_failure(session: Session, *, email: str, ip: str) -> None:
    """Remember a refused sign-in for the throttle; forget those past the window."""
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - LOGIN_WINDOW))
    session.add(LoginFailure(email=login_key(email), ip=ip[:64], failed_at=now))
    session.commit()


def record_login_success(session: Session, *, user: User) -> None:
    """A correct password clears the account's failures (the address's count stays)."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    session.commit()


def end_all_sessions(session: Session, *, user: User) -> None:
    """Sign ``user`` out everywhere: every session cookie carrying the old version stops working."""
    user.session_version += 1
    session.commit()
