"""Changing one's own password on the account page: the current one first, the admin form's
rule for the new one, the sign-in throttle, and which sessions end."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import PASSWORD, csrf_from, make_user, sign_in
from poise.auth.models import LoginFailure, User
from poise.auth.passwords import verify_password
from poise.cli import app as cli
from poise.settings import Settings

NEW = "a-brand-new-password"


def change(
    client: TestClient, token: str, current: str, new: str = NEW, confirm: str | None = None
) -> Response:
    form = {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
        "csrf_token": token,
    }
    return client.post("/account/password", data=form)


def signs_in(app: FastAPI, user: User, password: str) -> bool:
    browser = TestClient(app)
    token = csrf_from(browser.get("/login").text)
    answer = browser.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code == 303


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<span class="field-error" role="alert" id="{field}-error">([^<]*)<', html)
    return found.group(1) if found else ""


def test_a_person_changes_their_password_and_stays_signed_in_here_only(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    agent = make_user(session, role="agent")
    laptop = TestClient(app)
    sign_in(laptop, agent)
    token = sign_in(client, agent)
    changed = change(client, token, PASSWORD)
    assert changed.status_code == 200 and changed.url.path == "/account"
    assert "Password changed. You are still signed in here" in changed.text
    assert client.get("/account").status_code == 200, "this browser stays signed in"
    assert laptop.get("/account", follow_redirects=False).status_code == 303, "others end"
    assert not signs_in(app, agent, PASSWORD)
    assert signs_in(app, agent, NEW)


def test_refusals_stand_beside_their_fields_and_no_password_is_typed_back(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    agent = make_user(session, role="agent")
    token = sign_in(client, agent)
    refused = change(client, token, "not-my-password", new="short")
    assert refused.status_code == 400
    assert error_of(refused.text, "current_password") == "that is not your current password"
    assert error_of(refused.text, "new_password") == (
        "the password must have at least 8 characters"
    )
    assert re.search(r'name="current_password"[^>]*aria-invalid="true"', refused.text)
    main = refused.text.split("<main", 1)[1]
    assert "not-my-password" not in main and 'value="short"' not in main, "never typed back"
    assert '<option value="90" selected>' in refused.text, "the token form is as it was"

    differ = change(client, token, PASSWORD, confirm=NEW + "x")
    assert differ.status_code == 400
    assert "the two new passwords differ" in error_of(differ.text, "confirm_password")
    assert error_of(differ.text, "current_password") == ""
    assert NEW not in differ.text.split("<main", 1)[1]

    empty = change(client, token, "", new="")
    assert error_of(empty.text, "current_password") == "enter your current password"
    assert signs_in(app, agent, PASSWORD), "nothing was changed"
    assert client.get("/account").status_code == 200, "a refusal signs nobody out"


def test_a_wrong_current_password_counts_toward_the_sign_in_throttle(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """Else a signed-in browser left open (or a stolen cookie) could guess the password here
    without limit, then use it wherever the person reuses it."""
    agent = make_user(session, role="agent")
    token = sign_in(client, agent)
    for _ in range(5):
        assert change(client, token, "a-wrong-guess").status_code == 400
    failures = select(func.count()).select_from(LoginFailure)
    assert session.scalar(failures.where(LoginFailure.email == agent.email)) == 5
    throttled = change(client, token, PASSWORD)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins for this account" in error_of(
        throttled.text, "current_password"
    )
    session.refresh(agent)
    assert verify_password(agent.password_hash, PASSWORD), "the right one changed nothing"
    assert not signs_in(app, agent, PASSWORD), "and signing in is throttled alike"
    assert client.get("/account").status_code == 200, "the throttle signs nobody out"


def test_a_right_change_clears_the_failures_of_the_account(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    agent = make_user(session, role="agent")
    token = sign_in(client, agent)
    for _ in range(3):
        change(client, token, "a-wrong-guess")
    assert change(client, token, PASSWORD).status_code == 200
    failures = select(func.count()).select_from(LoginFailure)
    assert session.scalar(failures.where(LoginFailure.email == agent.email)) == 0


def test_the_form_needs_a_session_and_its_csrf_token(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    agent = make_user(session, role="agent")
    login_token = csrf_from(client.get("/login").text)  # a session's token, but nobody signed in
    signed_out = change(client, login_token, PASSWORD)
    assert signed_out.url.path == "/login"
    sign_in(client, agent)
    forged = change(client, "a-forged-token", PASSWORD)
    assert forged.status_code == 403
    assert signs_in(app, agent, PASSWORD)


def test_an_admin_sets_a_password_from_the_command_line_and_old_sessions_end(
    client: TestClient, app: FastAPI, session: Session, cli_env: Settings
) -> None:
    """No command set a password again: a person locked out waited for an admin's web form."""
    agent = make_user(session, role="agent")
    sign_in(client, agent)
    for _ in range(3):  # a few failed sign-ins; the new password clears them, as the page does
        signs_in(app, agent, "not-the-password")
    runner = CliRunner()
    unknown = runner.invoke(cli, ["users", "set-password", "--email", "nobody@example.com"])
    assert unknown.exit_code == 2 and "no user with email 'nobody@example.com'" in unknown.output
    assert "New password" not in unknown.output, "refused before a password is asked for"
    short = runner.invoke(
        cli, ["users", "set-password", "--email", agent.email], input="short\nshort\n"
    )
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    assert client.get("/account").status_code == 200, "a refused password changes nothing"
    typed = f"{NEW}\n{NEW}\n"
    done = runner.invoke(
        cli, ["users", "set-password", "--email", agent.email.upper()], input=typed
    )
    assert done.exit_code == 0, done.output
    assert NEW not in done.output and done.output.count("New password") == 1
    assert (
        "Repeat for confirmation" in done.output
        and "sessions signed in with the old" in done.output
    )
    assert client.get("/account", follow_redirects=False).status_code == 303, "sessions end"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert not signs_in(app, agent, PASSWORD) and signs_in(app, agent, NEW)


def edit(client: TestClient, token: str, user: User, **fields: str) -> Response:
    """Save the admin's edit form of ``user`` with their role, active, and ``fields``."""
    form = {"role": user.role, "is_active": "true", "csrf_token": token, **fields}
    return client.post(f"/admin/users/{user.id}", data=form)


def test_an_admins_own_password_on_the_edit_form_needs_the_current_one(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    """The edit form set the admin's own password without the current one, as the account page
    never did: a session left open (or a stolen cookie) could lock the real admin out."""
    admin = make_user(session, role="admin")
    other = make_user(session, role="agent")
    token = sign_in(client, admin)
    assert 'name="current_password"' in client.get(f"/admin/users/{admin.id}").text
    assert 'name="current_password"' not in client.get(f"/admin/users/{other.id}").text

    missing = edit(client, token, admin, name="Renamed Admin", password=NEW)
    assert missing.status_code == 400
    assert error_of(missing.text, "current_password") == "enter your current password"
    assert re.search(r'name="current_password"[^>]*aria-invalid="true"[^>]*autofocus', missing.text)
    assert 'value="Renamed Admin"' in missing.text, "what was typed is kept"
    assert NEW not in missing.text.split("<main", 1)[1], "never typed back"

    wrong = edit(client, token, admin, password=NEW, current_password="not-my-password")
    assert wrong.status_code == 400
    assert error_of(wrong.text, "current_password") == "that is not your current password"
    assert "not-my-password" not in wrong.text.split("<main", 1)[1]
    failures = select(func.count()).select_from(LoginFailure)
    assert session.scalar(failures.where(LoginFailure.email == admin.email)) == 1
    session.expire_all()
    assert session.get(User, admin.id).name == admin.name, "nothing was saved"
    assert signs_in(app, admin, PASSWORD) and not signs_in(app, admin, NEW)
    assert client.get("/account").status_code == 200, "a refusal signs nobody out"

    saved = edit(client, token, admin, password=NEW, current_password=PASSWORD)
    assert saved.status_code == 200 and saved.url.path == "/admin/users"
    assert "The new password has signed you out everywhere else." in saved.text
    assert not signs_in(app, admin, PASSWORD) and signs_in(app, admin, NEW)


def test_the_edit_forms_current_password_counts_toward_the_sign_in_throttle(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    admin = make_user(session, role="admin")
    token = sign_in(client, admin)
    for _ in range(5):
        assert (
            edit(client, token, admin, password=NEW, current_password="a-guess").status_code == 400
        )
    throttled = edit(client, token, admin, password=NEW, current_password=PASSWORD)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in error_of(throttled.text, "current_password")
    session.refresh(admin)
    assert verify_password(admin.password_hash, PASSWORD), "the right one changed nothing"
    assert edit(client, token, admin, name="Still Editable").status_code == 200, (
        "without a new password the throttle is not asked"
    )


def test_an_admin_sets_another_persons_password_without_their_current_one(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    admin = make_user(session, role="admin")
    agent = make_user(session, role="agent")
    token = sign_in(client, admin)
    saved = edit(client, token, agent, password=NEW)
    assert saved.status_code == 200
    assert "The new password has signed them out everywhere." in saved.text
    assert not signs_in(app, agent, PASSWORD) and signs_in(app, agent, NEW)
