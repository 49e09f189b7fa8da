"""Sign in and out, the account page (API tokens) and the admin pages for users and teams."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from poise.auth import actions, queries
from poise.auth.deps import (
    SESSION_USER_KEY,
    SESSION_VERSION_KEY,
    AdminUser,
    ApiAdmin,
    CurrentUser,
    session_user,
)
from poise.auth.models import ROLES, User
from poise.auth.passwords import MIN_PASSWORD_LENGTH
from poise.auth.schemas import UserCreate, UserPublic
from poise.db.base import utcnow
from poise.errors import FieldChecks, InvalidInput, NotFound
from poise.settings import Settings
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, flash, redirect, render, render_form, safe_next
from poise.web.forms import field_errors
from poise.web.paging import PAGE_HEADERS, page_headers
from poise.web.params import ApiPageQuery, IdPath, PageQuery, is_id
from poise.words import counted

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
api = APIRouter(prefix="/api/v1", tags=["users"])
UserSearchQuery = Annotated[
    str, Query(max_length=200, description="Only users whose name or email contains this.")
]


def _login_context(session: Session, next: str, **more: str) -> dict[str, object]:
    """The sign-in form's context; on a fresh install it says how to make the first admin,
    since no password can work yet and the page gave no hint of why."""
    first_admin = queries.FIRST_ADMIN_COMMAND if queries.nobody_can_sign_in(session) else None
    return {"next": safe_next(next), "first_admin": first_admin, **more}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/") -> HTMLResponse:
    return render(request, "auth/login.html", _login_context(session, next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> HTMLResponse | RedirectResponse:
    address = _address(request)
    throttle = queries.login_throttle(session, email=email, ip=address)
    if throttle is not None:
        refused = {"next": safe_next(next), "email": email, "error": throttle.message}
        response = render(request, "auth/login.html", refused, status_code=429)
        response.headers["Retry-After"] = str(throttle.retry_after)
        return response
    user = queries.authenticate(session, email, password)
    if user is None:
        actions.record_login_failure(session, email=email, ip=address)
        context = _login_context(session, next, email=email, error="Wrong email or password.")
        return render(request, "auth/login.html", context, status_code=400)
    actions.record_login_success(session, user=user)
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in user
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_VERSION_KEY] = user.session_version
    return redirect(safe_next(next))


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    """Sign out here and everywhere else: every session of the user ends."""
    user = session_user(request, session)
    if user is not None:
        actions.end_all_sessions(session, user=user)
    request.session.clear()
    return redirect("/login")


def _account_page(
    request: Request,
    session: Session,
    user: User,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The account page: who you are, the form to change your password (never refilled), and
    your API tokens (the new one shown once), each marked when it has expired or expires
    within a week."""
    context = {
        "new_token": None if errors else request.session.pop("token", None),
        "tokens": queries.live_tokens(session, actor=user),
        "now": utcnow(),
        "lifetimes": actions.TOKEN_LIFETIMES,
        "min_password": MIN_PASSWORD_LENGTH,
        "form": form or {"expires": str(actions.DEFAULT_TOKEN_DAYS)},
    }
    return render_form(request, "auth/account.html", context, errors)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    return _account_page(request, session, user)


def _lifetime(value: str) -> int | None:
    """The form's lifetime: a number of days, or ``never``."""
    value = value.strip()
    if value == "never":
        return None
    if not value.isdigit() or len(value) > 6:
        shown = value if len(value) <= 20 else value[:19] + "…"
        raise InvalidInput(f"{actions.TOKEN_LIFETIME_RULE} (not “{shown}”).", field="expires")
    return int(value)


@router.post("/account/tokens", response_model=None)
def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form()] = "",
    expires: Annotated[str, Form()] = str(actions.DEFAULT_TOKEN_DAYS),
) -> HTMLResponse | RedirectResponse:
    """Create a token that works for the chosen days (or never expires); a refused name and
    lifetime are shown together, each beside its field, with what was typed and chosen kept."""
    try:
        checks = FieldChecks()
        days = checks.check(lambda: _lifetime(expires), None)
        checks.check(lambda: actions.token_name(name), "")
        checks.done()
        token = actions.create_api_token(
            session, actor=user, user=user, name=name, expires_in_days=days
        )
    except InvalidInput as exc:
        session.rollback()
        form = {"name": name, "expires": expires}
        return _account_page(request, session, user, field_errors(exc, "name"), form)
    request.session["token"] = token
    return redirect("/account")


def _address(request: Request) -> str:
    """The address the sign-in throttle counts a failure against."""
    return request.client.host if request.client else "unknown"


def _throttled(page: HTMLResponse, throttle: queries.LoginThrottle) -> HTMLResponse:
    """``page`` (its refusal beside the current-password field) as the throttle's 429."""
    page.status_code = 429
    page.headers["Retry-After"] = str(throttle.retry_after)
    return page


@router.post("/account/password", response_model=None)
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Change your own password. The sign-in throttle is checked first (a wrong current
    password counts as a failed sign-in), so the form cannot be used to guess it; refusals
    stand beside their fields, the password fields empty. This session stays signed in."""
    throttle = queries.login_throttle(session, email=user.email, ip=_address(request))
    if throttle is not None:
        errors = {"current_password": throttle.message}
        return _throttled(_account_page(request, session, user, errors), throttle)
    try:
        actions.change_own_password(
            session,
            user=user,
            current=current_password,
            new=new_password,
            confirm=confirm_password,
            ip=_address(request),
        )
    except InvalidInput as exc:
        session.rollback()
        return _account_page(request, session, user, field_errors(exc, "current_password"))
    # the new password ends every other session of the user; this one takes the new version
    request.session[SESSION_VERSION_KEY] = user.session_version
    flash(
        request,
        "Password changed. You are still signed in here; your other sessions (other browsers "
        "and devices) have ended.",
    )
    return redirect("/account")


@router.post("/account/tokens/{token_id}/revoke", response_model=None)
def revoke_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    token_id: IdPath,
    confirm: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    """Revoke one of your tokens once its row's "Yes, revoke" box is ticked: the next request
    that sends it is refused (401). Without the tick the refusal stands beside its row."""
    try:
        name = actions.revoke_api_token(session, actor=user, token_id=token_id, confirmed=confirm)
    except InvalidInput as exc:
        session.rollback()
        return _account_page(request, session, user, {f"revoke-{token_id}": str(exc)})
    flash(request, f"API token “{name}” revoked: requests that send it are refused from now.")
    return redirect("/account")


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    page: PageQuery = 1,
    q: UserSearchQuery = "",
) -> HTMLResponse:
    return _users_page(request, session, settings, user, page, search=q)


def _users_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    page: int = 1,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    search: str = "",
) -> HTMLResponse:
    """The users (those matching ``search``) and the add form; after a refusal, what was
    typed (not the password) is kept and the message stands beside its field."""
    search = search.strip()
    listing = queries.list_users(
        session, actor=user, page=page, page_size=settings.page_size, search=search
    )
    context = {
        "listing": listing,
        "pages": listing.pages,
        "search": search,
        "base_query": urlencode({"q": search}) if search else "",
        "teams": queries.list_teams(session),
        "roles": ROLES,
        "form": form or {},
    }
    return render_form(request, "auth/users.html", context, errors)


def _team_id(value: str) -> int | None:
    if not value:
        return None
    if not is_id(value):
        raise InvalidInput(f"team must be a team id, not {value!r}", field="team")
    return int(value)


@router.post("/admin/users", response_model=None)
def add_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        created = actions.create_user(
            session,
            actor=user,
            email=email,
            name=name,
            role=role,
            password=password,
            team_id=_team_id(team),
        )
    except InvalidInput as exc:
        session.rollback()
        form = {"email": email, "name": name, "role": role, "team": team}
        return _users_page(request, session, settings, user, 1, field_errors(exc), form)
    flash(request, f"Added {created.name} ({created.role}).")
    return redirect("/admin/users")


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def edit_user_form(
    request: Request, session: SessionDep, user: AdminUser, user_id: IdPath
) -> HTMLResponse:
    return _edit_user_page(request, session, user, user_id)


def _edit_user_page(
    request: Request,
    session: Session,
    user: User,
    user_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, object] | None = None,
) -> HTMLResponse:
    """The edit form; after a refused save, with the error beside its field and the name,
    email, role, team and active flag the admin chose (never the password they typed)."""
    target = queries.get_user(session, actor=user, user_id=user_id)
    stored: dict[str, object] = {
        "name": target.name,
        "email": target.email,
        "role": target.role,
        "team": target.team_id,
        "is_active": target.is_active,
    }
    # what was chosen; a name or email the post left out stays as stored
    chosen = {key: value for key, value in (form or {}).items() if key in stored}
    typed = {**stored, **chosen}
    for key in ("name", "email"):
        if typed[key] is None:
            typed[key] = stored[key]
    context = {
        "target": target,
        "yourself": target.id == user.id,  # one's own new password needs the current one
        "teams": queries.list_teams(session),
        "roles": ROLES,
        "form": typed,
    }
    return render_form(request, "auth/user_edit.html", context, errors)


@router.post("/admin/users/{user_id}", response_model=None)
def edit_user(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    user_id: IdPath,
    role: Annotated[str, Form()],
    team: Annotated[str, Form()] = "",
    is_active: Annotated[bool, Form()] = False,
    password: Annotated[str, Form()] = "",
    name: Annotated[str | None, Form()] = None,
    email: Annotated[str | None, Form()] = None,
    current_password: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Save a user; the admin's own new password needs their current one, under the sign-in
    throttle as on the account page. A refusal stands beside its field, the rest as chosen."""
    typed: dict[str, object] = {
        "name": name,
        "email": email,
        "role": role,
        "team": int(team) if team.isdigit() else None,
        "is_active": is_active,
    }
    if password and user_id == user.id:
        throttle = queries.login_throttle(session, email=user.email, ip=_address(request))
        if throttle is not None:
            errors = {"current_password": throttle.message}
            page = _edit_user_page(request, session, user, user_id, errors, typed)
            return _throttled(page, throttle)
    try:
        target = actions.update_user(
            session,
            actor=user,
            user_id=user_id,
            role=role,
            team_id=_team_id(team),
            is_active=is_active,
            password=password or None,
            name=name,
            email=email,
            current_password=current_password,
            ip=_address(request),
        )
    except InvalidInput as exc:
        session.rollback()
        return _edit_user_page(request, session, user, user_id, field_errors(exc), typed)
    yourself = target.id == user.id
    if yourself:
        # one's own new password ends one's other sessions, not the one that set it
        request.session[SESSION_VERSION_KEY] = target.session_version
    flash(request, f"Saved {target.name}.{_what_saving_did(target, password, yourself)}")
    return redirect("/admin/users")


def _what_saving_did(target: User, password: str, yourself: bool) -> str:
    """What a save did beyond the form's fields, so nobody has to guess who was signed out."""
    if not target.is_active:
        return " They cannot sign in now; their sessions have ended."
    if password and yourself:
        return " The new password has signed you out everywhere else."
    if password:
        return " The new password has signed them out everywhere."
    return ""


@router.get("/admin/teams", response_class=HTMLResponse)
def teams_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    return _teams_page(request, session)


def _teams_page(
    request: Request,
    session: Session,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The teams, each with its rename and delete forms, and the add form; a refusal stands
    beside its field or its team's row (``name-ID``, ``delete-ID``), with what was typed."""
    context = {"teams": queries.list_teams(session), "form": form or {}}
    return render_form(request, "auth/teams.html", context, errors)


@router.post("/admin/teams", response_model=None)
def add_team(
    request: Request, session: SessionDep, user: AdminUser, name: Annotated[str, Form()] = ""
) -> HTMLResponse | RedirectResponse:
    try:
        team = actions.create_team(session, actor=user, name=name)
    except InvalidInput as exc:
        session.rollback()
        return _teams_page(request, session, field_errors(exc, "name"), {"name": name})
    flash(request, f"Added team {team.name}.")
    return redirect("/admin/teams")


@router.post("/admin/teams/{team_id}/rename", response_model=None)
def rename_team(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    team_id: IdPath,
    name: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Rename a team; a refused name comes back beside that team's field, as typed."""
    try:
        old, team = actions.rename_team(session, actor=user, team_id=team_id, name=name)
    except InvalidInput as exc:
        session.rollback()
        key = f"name-{team_id}"
        return _teams_page(request, session, {key: str(exc)}, {key: name})
    said = f"Renamed team “{old}” to “{team.name}”." if old != team.name else "No change."
    flash(request, said)
    return redirect("/admin/teams")


@router.post("/admin/teams/{team_id}/delete", response_model=None)
def delete_team(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    team_id: IdPath,
    confirm: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    """Delete a team nobody is in, once its row's "Yes, delete" box is ticked (a stray click
    on Delete deleted it at once); a refusal (no tick, its members, or what else needs it)
    stands beside its row."""
    try:
        name, detached = actions.delete_team(
            session, actor=user, team_id=team_id, confirmed=confirm
        )
    except InvalidInput as exc:
        session.rollback()
        return _teams_page(request, session, {f"delete-{team_id}": str(exc)})
    verb = "belongs" if detached == 1 else "belong"
    let_go = (
        f" Its {counted(detached, 'import')} now {verb} to no team (their uploaders and admins"
        " still see them)."
        if detached
        else ""
    )
    flash(request, f"Deleted team {name}.{let_go}")
    return redirect("/admin/teams")


@api.get(
    "/users",
    summary="List users",
    response_model=list[UserPublic],
    responses={200: {"headers": PAGE_HEADERS, "description": "One page of users"}},
)
def api_users(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiAdmin,
    page: ApiPageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200, description="Users per page, 1 to 200.")] = 200,
    q: UserSearchQuery = "",
) -> list[UserPublic]:
    """Users in name order (admin only), a page at a time, those whose name or email
    contains ``q`` when it is given: ``X-Total-Count`` says how many there are and
    ``Link: <…>; rel="next"`` leads to the next page while there is one."""
    listing = queries.list_users(session, actor=user, page=page, page_size=page_size, search=q)
    response.headers.update(page_headers(listing, request.url))
    return [UserPublic.model_validate(u) for u in listing.items]


@api.post("/users", summary="Add a user", response_model=UserPublic, status_code=201)
def api_create_user(session: SessionDep, user: ApiAdmin, body: UserCreate) -> UserPublic:
    """Create a user (admin only); ``team`` names an existing team, in any letter case (400
    naming the teams when none is so named)."""
    team_id = None
    if body.team:
        try:
            team_id = actions.team_by_name(session, body.team).id
        except NotFound as exc:  # a field of the body, not a missing resource: 400, not 404
            names = [team.name for team in queries.list_teams(session)]
            known = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
            said = f"teams are {known}" if names else "there are no teams yet"
            raise InvalidInput(f"{exc}: {said}", field="team") from exc
    created = actions.create_user(
        session,
        actor=user,
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        team_id=team_id,
    )
    return UserPublic.model_validate(created)
