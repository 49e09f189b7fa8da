"""A team that installs Poise without the demo: the first admin is made with `poise users add`,
and until then the sign-in page and `poise serve` say so instead of refusing every password."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import csrf_from, make_user
from poise.auth import queries
from poise.auth.models import User
from poise.cli import app as cli
from poise.settings import Settings
from support import free_port, poise_serve

runner = CliRunner()

COMMAND = 'poise users add --email you@example.com --name "Your Name" --role admin'


def _said(html: str) -> str:
    return " ".join(html.replace("&#34;", '"').replace("&quot;", '"').split())


def test_the_sign_in_page_of_a_fresh_install_says_how_to_make_the_first_admin(
    client: TestClient, session: Session
) -> None:
    """It showed only the form: every password was wrong and nothing said why."""
    page = client.get("/login")
    assert page.status_code == 200
    assert "No one can sign in yet" in page.text and COMMAND in _said(page.text)
    tried = client.post(
        "/login",
        data={
            "email": "me@acme.test",
            "password": "anything-1",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert tried.status_code == 400
    assert "Wrong email or password" in tried.text and COMMAND in _said(tried.text)

    make_user(session, role="admin")
    assert "No one can sign in yet" not in client.get("/login").text


def test_serve_on_an_empty_database_says_how_to_make_the_first_admin(settings: Settings) -> None:
    """`poise serve` printed only its address: the sign-in page it led to was a dead end."""
    with poise_serve(settings.resolved_database_url, settings.data_dir, free_port()) as lines:
        said = " ".join("".join(lines).split())
    assert "Poise is at" in said, said
    assert "No one can sign in yet" in said and COMMAND in said


def test_users_add_asks_for_the_password_twice(cli_env: Settings, session: Session) -> None:
    """The password was asked once, unseen: a typo made an admin nobody could sign in as, and
    no command sets a password again."""
    command = ["users", "add", "--email", "ada@acme.test", "--name", "Ada", "--role", "admin"]
    typed = "first-pass-1\nfirst-pass-2\nsecond-pass-1\nsecond-pass-1\n"  # a typo, then agreed
    made = runner.invoke(cli, command, input=typed)
    assert made.exit_code == 0, made.output
    assert "do not match" in made.output and "Password []" not in made.output
    assert session.scalar(select(func.count()).select_from(User)) == 1
    assert queries.authenticate(session, "ada@acme.test", "first-pass-1") is None
    assert queries.authenticate(session, "ada@acme.test", "second-pass-1") is not None
