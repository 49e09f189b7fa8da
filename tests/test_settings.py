"""Settings: each one documented in the README, placeholder secrets refused in production."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, sign_in
from poise.app import create_app
from poise.cli import app as cli
from poise.cli.root import base_url_hint, serve_banner, serving_settings
from poise.settings import Settings, settings_reference

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    assert settings_reference() in text, "run `poise settings --markdown` and paste it in README"
    for name in Settings.model_fields:
        assert f"POISE_{name.upper()}" in text


def test_production_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="POISE_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="x" * 40).environment == "production"


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POISE_PAGE_SIZE", "25")
    settings = Settings()
    assert settings.page_size == 25
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'poise.db').resolve()}"
    monkeypatch.setenv("POISE_PAGE_SIZE", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_a_refused_setting_is_named_by_its_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POISE_PAGE_SIZE", "abc")
    monkeypatch.setenv("POISE_ALERT_TIMEOUT", "-1")
    result = CliRunner().invoke(cli, ["settings"])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "POISE_PAGE_SIZE: Input should be a valid integer" in said
    assert "POISE_ALERT_TIMEOUT: Input should be greater than 0" in said
    monkeypatch.delenv("POISE_PAGE_SIZE")
    monkeypatch.delenv("POISE_ALERT_TIMEOUT")
    monkeypatch.setenv("POISE_SMTP_URL", "http://user:hunter2@mail.example.com")
    said = " ".join(CliRunner().invoke(cli, ["settings"]).output.split())
    assert "POISE_SMTP_URL must start with" in said and "hunter2" not in said


def test_poise_serve_links_to_its_own_port_unless_poise_base_url_is_set(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, session: Session
) -> None:
    """With POISE_BASE_URL unset, the connectors page of `poise serve --port 8731` told
    helpdesks to send their webhooks to http://127.0.0.1:8000, where nothing listened."""
    assert "base_url" not in settings.model_fields_set
    served = serving_settings(settings, "127.0.0.1", 8731)
    assert served.base_url == "http://127.0.0.1:8731" and settings.base_url.endswith(":8000")
    admin = make_user(session, role="admin")
    with TestClient(create_app(served)) as client:
        sign_in(client, admin)
        page = client.get("/admin/connectors").text
    assert "POST http://127.0.0.1:8731/api/v1/connectors/zendesk/webhook" in page
    assert serving_settings(settings, "::1", 8731).base_url == "http://[::1]:8731"
    monkeypatch.setenv("POISE_BASE_URL", "https://poise.example.com")
    chosen = Settings(environment="test", data_dir=settings.data_dir)
    assert serving_settings(chosen, "127.0.0.1", 8731).base_url == "https://poise.example.com"


def test_a_wildcard_bind_links_to_this_machine_by_name(
    settings: Settings, session: Session
) -> None:
    """`poise serve --host 0.0.0.0` listens for other machines, but the connectors page told
    the helpdesk to send its webhooks to http://127.0.0.1:8731, which only reaches itself."""
    machine = socket.getfqdn()
    for wildcard in ("0.0.0.0", "::"):  # noqa: S104
        served = serving_settings(settings, wildcard, 8731)
        assert served.base_url == f"http://{machine}:8731"
    admin = make_user(session, role="admin")
    with TestClient(create_app(serving_settings(settings, "0.0.0.0", 8731))) as client:  # noqa: S104
        sign_in(client, admin)
        page = client.get("/admin/connectors").text
    assert f"POST http://{machine}:8731/api/v1/connectors/zendesk/webhook" in page
    assert "127.0.0.1" not in page


def test_commands_that_write_links_default_to_the_address_poise_serve_links_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`poise train remind` and `poise alerts` linked to http://127.0.0.1:8000 whatever
    POISE_HOST and POISE_PORT said, while the server they point at linked to its own address."""
    monkeypatch.setenv("POISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POISE_HOST", "0.0.0.0")  # noqa: S104
    monkeypatch.setenv("POISE_PORT", "8731")
    settings = Settings()
    assert "base_url" not in settings.model_fields_set
    served = serving_settings(settings, settings.host, settings.port)
    assert settings.base_url == served.base_url == f"http://{socket.getfqdn()}:8731"
    monkeypatch.setenv("POISE_HOST", "10.0.0.7")
    assert Settings().base_url == "http://10.0.0.7:8731"
    monkeypatch.delenv("POISE_HOST")
    monkeypatch.delenv("POISE_PORT")
    assert Settings().base_url == "http://127.0.0.1:8000"


def test_poise_serve_says_how_to_set_the_public_address_only_when_it_guessed(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    hint = base_url_hint(settings, "0.0.0.0", 8731)  # noqa: S104
    assert hint is not None and "\n" not in hint
    assert f"http://{socket.getfqdn()}:8731" in hint and "POISE_BASE_URL" in hint
    monkeypatch.setenv("POISE_BASE_URL", "https://poise.example.com")
    chosen = Settings(environment="test", data_dir=settings.data_dir)
    assert base_url_hint(chosen, "0.0.0.0", 8731) is None  # noqa: S104


def test_the_serve_banner_names_an_address_to_open() -> None:
    """On a wildcard bind the banner said "Poise is at http://0.0.0.0:8000", which opens
    nothing from another machine; it names this machine, and a set host as it is."""
    wide = serve_banner("0.0.0.0", 8731)  # noqa: S104
    assert f"http://{socket.getfqdn()}:8731" in wide and "0.0.0.0" not in wide  # noqa: S104
    assert "http://127.0.0.1:8731[/bold] (Ctrl+C" in serve_banner("127.0.0.1", 8731)
