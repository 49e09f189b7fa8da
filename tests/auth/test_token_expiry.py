"""API tokens expire: the lifetime chosen when one is made (web form and CLI), the API's
refusal of an expired token, and the account page's list of tokens with their expiry."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, sign_in
from poise.auth.actions import create_api_token, token_hash
from poise.auth.models import ApiToken, User
from poise.cli import app as cli
from poise.db.base import utcnow
from poise.settings import Settings

runner = CliRunner()


def _token(session: Session, secret: str) -> ApiToken:
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).one()
    session.refresh(token)
    return token


def _expire(session: Session, secret: str, when: datetime | None) -> ApiToken:
    token = _token(session, secret)
    token.expires_at = when
    session.commit()
    return token


def _about(when: datetime | None, days: int) -> bool:
    """``when`` is ``days`` from now, give or take the test's own run time."""
    return when is not None and abs(when - (utcnow() + timedelta(days=days))) < timedelta(minutes=5)


def test_an_expired_token_is_refused_saying_so_and_its_use_is_not_recorded(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    old = create_api_token(session, actor=None, user=agent, name="old script")
    _expire(session, old, utcnow() - timedelta(minutes=1))
    refused = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {old}"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    detail = refused.json()["detail"]
    assert "expired" in detail and "make a new one" in detail, detail
    unknown = client.get("/api/v1/stats", headers={"Authorization": "Bearer poise_nothing"})
    assert unknown.status_code == 401 and "expired" not in unknown.json()["detail"]
    assert _token(session, old).last_used_at is None  # refused untouched

    # a token made before expiry existed (NULL) works, and so does one not yet expired
    kept = create_api_token(session, actor=None, user=agent, name="from before")
    _expire(session, kept, None)
    fresh = create_api_token(session, actor=None, user=agent, name="fresh", expires_in_days=30)
    for secret in (kept, fresh):
        ok = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200, ok.text
        assert _token(session, secret).last_used_at is not None


def test_the_account_form_makes_a_token_for_the_chosen_lifetime(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    csrf = sign_in(client, agent)
    form = client.get("/account").text
    assert '<option value="90" selected>in 90 days</option>' in form  # the default
    assert '<option value="never" >never</option>' in form
    for name, expires in (("month", "30"), ("year", "365"), ("forever", "never")):
        made = client.post(
            "/account/tokens", data={"name": name, "expires": expires, "csrf_token": csrf}
        )
        assert made.status_code == 200 and 'id="new-token"' in made.text
    client.post("/account/tokens", data={"name": "plain", "csrf_token": csrf})
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == agent.id))
    expiry = {t.name: t.expires_at for t in rows}
    assert _about(expiry["month"], 30) and _about(expiry["year"], 365)
    assert _about(expiry["plain"], 90) and expiry["forever"] is None


def test_a_refused_lifetime_is_shown_beside_its_field_with_the_input_kept(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    csrf = sign_in(client, agent)
    for expires, said in (
        ("45", "(not 45 days)"),
        ("soon", "(not “soon”)"),
        ("-30", "(not “-30”)"),
    ):
        refused = client.post(
            "/account/tokens", data={"name": "nightly sync", "expires": expires, "csrf_token": csrf}
        )
        assert refused.status_code == 400, expires
        error = re.search(
            r'<span class="field-error" role="alert" id="expires-error">([^<]+)<', refused.text
        )
        assert (
            error
            and error.group(1) == f"A token lasts 30, 90 or 365 days, or never expires {said}."
        )
        assert 'aria-describedby="expires-error"' in refused.text
        assert 'value="nightly sync"' in refused.text  # the name typed is kept
        assert 'id="new-token"' not in refused.text
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == agent.id)).all() == []
    # the lifetime chosen is kept when the name is refused
    blank = client.post("/account/tokens", data={"name": "", "expires": "365", "csrf_token": csrf})
    assert blank.status_code == 400 and 'id="name-error"' in blank.text
    assert '<option value="365" selected>in 365 days</option>' in blank.text


def test_the_token_list_shows_expiry_and_flags_expired_and_soon_expiring_ones(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    csrf = sign_in(client, agent)
    assert "You have no API tokens yet" in client.get("/account").text
    now = utcnow()
    for name, when in (
        ("never ends", None),
        ("gone stale", now - timedelta(days=2)),
        ("ends soon", now + timedelta(days=3, hours=1)),
        ("ends today", now + timedelta(hours=5)),
        ("ends later", now + timedelta(days=60)),
    ):
        _expire(session, create_api_token(session, actor=None, user=agent, name=name), when)
    page = client.get("/account").text
    assert '<th role="columnheader">Expires (UTC)</th>' in page
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r"<tr[^>]*><td role=\"cell\">([^<]+)</td>.*?</tr>", page, flags=re.S)
    }
    assert set(rows) == {"never ends", "gone stale", "ends soon", "ends today", "ends later"}
    assert 'Last used (UTC)">never</td>' in rows["never ends"]
    assert 'Expires (UTC)">never</td>' in rows["never ends"]
    assert 'class="token-expired"' in rows["gone stale"]
    assert '<span class="badge warn">expired</span>' in rows["gone stale"]
    assert '<span class="badge warn">expires in 4 days</span>' in rows["ends soon"]
    assert '<span class="badge warn">expires within a day</span>' in rows["ends today"]
    assert "badge" not in rows["ends later"] and "badge" not in rows["never ends"]

    # an expired token can still be revoked, and leaves the list
    revoke = re.search(r'action="(/account/tokens/\d+/revoke)"', rows["gone stale"])
    assert revoke
    done = client.post(
        revoke.group(1), data={"csrf_token": csrf, "confirm": "true"}, follow_redirects=False
    )
    assert done.status_code == 303
    after = client.get("/account").text
    assert "“gone stale” revoked" in after and after.count("gone stale") == 1


def test_tokens_create_takes_a_lifetime_or_never_and_refuses_others(
    cli_env: Settings, session: Session
) -> None:
    user = make_user(session, email="lee@example.com")
    base = ["tokens", "create", "--email", "lee@example.com"]
    for name, extra in (
        ("default", []),
        ("month", ["--expires-in-days", "30"]),
        ("forever", ["--never-expires"]),
    ):
        made = runner.invoke(cli, [*base, "--name", name, *extra])
        assert made.exit_code == 0 and made.output.startswith("poise_"), made.output
    expiry = {t.name: t.expires_at for t in _tokens_of(session, user)}
    assert _about(expiry["default"], 90) and _about(expiry["month"], 30)
    assert expiry["forever"] is None

    odd = runner.invoke(cli, [*base, "--expires-in-days", "45"])
    assert odd.exit_code == 2
    assert "A token lasts 30, 90 or 365 days, or never expires (not 45 days)" in odd.output
    both = runner.invoke(cli, [*base, "--expires-in-days", "30", "--never-expires"])
    assert both.exit_code == 2 and "not both" in both.output
    assert len(_tokens_of(session, user)) == 3


def _tokens_of(session: Session, user: User) -> list[ApiToken]:
    session.expire_all()
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def test_an_answer_to_a_token_expiring_within_a_week_says_when(
    client: TestClient, session: Session
) -> None:
    """A script only learnt its token had expired from the 401. In the token's last 7 days
    every answer to it (a model, a page of a list, a refusal) carries ``Poise-Token-Expires``
    so the script can warn its owner; other tokens and signed-in pages get no such header."""
    admin = make_user(session, role="admin")
    soon = create_api_token(session, actor=None, user=admin, name="nightly export")
    ends = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    _expire(session, soon, ends)
    auth = {"Authorization": f"Bearer {soon}"}
    stamp = ends.strftime("%Y-%m-%dT%H:%M:%SZ")
    stats = client.get("/api/v1/stats", headers=auth)
    listed = client.get("/api/v1/users?page_size=1", headers=auth)  # a Response with headers
    refused = client.get("/api/v1/jobs/999999", headers=auth)
    assert (stats.status_code, listed.status_code, refused.status_code) == (200, 200, 404)
    for answer in (stats, listed, refused):
        assert answer.headers["Poise-Token-Expires"] == stamp, answer.headers
    assert datetime.fromisoformat(stamp) == ends  # ISO 8601, UTC

    later = create_api_token(session, actor=None, user=admin, name="later", expires_in_days=30)
    never = create_api_token(session, actor=None, user=admin, name="never")
    _expire(session, never, None)
    for secret in (later, never):
        answer = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200 and "Poise-Token-Expires" not in answer.headers
    sign_in(client, admin)
    assert "Poise-Token-Expires" not in client.get("/account").headers
