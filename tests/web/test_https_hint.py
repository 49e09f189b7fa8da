"""A production server reached over plain HTTP never gets its session cookie back (it is sent
only over HTTPS), so every form is refused; the refusal says so instead of "reload the page",
which would only fail again. Found by running the deploy recipe through a proxy without TLS."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from poise.app import create_app
from poise.settings import Settings


def _client(tmp_path: Path, database_url: str, environment: str, base: str) -> TestClient:
    settings = Settings(
        environment=environment,
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="a-production-secret-key-of-enough-length-0123456789",
    )
    # Entered with `with`: the sign-in form reads the database (whether anyone can sign in yet).
    return TestClient(create_app(settings), base_url=base)


def _sign_in(client: TestClient) -> str:
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": "lead@example.com", "password": "whatever-it-is", "csrf_token": token}
    answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 403
    return answer.text


def test_production_over_plain_http_says_to_use_https(tmp_path: Path, database_url: str) -> None:
    with _client(tmp_path, database_url, "production", "http://poise.example.com") as client:
        text = _sign_in(client)
    assert "sent only over HTTPS" in text
    assert "https://" in text


@pytest.mark.parametrize(
    ("environment", "base"),
    [("production", "https://poise.example.com"), ("development", "http://poise.example.com")],
)
def test_other_refusals_keep_the_expired_form_message(
    tmp_path: Path, database_url: str, environment: str, base: str
) -> None:
    with _client(tmp_path, database_url, environment, base) as client:
        client.cookies.clear()
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.cookies.clear()  # the session is lost: an expired form, not plain HTTP
        form = {"email": "lead@example.com", "password": "whatever-it-is", "csrf_token": token}
        answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert "reload the page" in answer.text
    assert "only over HTTPS" not in answer.text
