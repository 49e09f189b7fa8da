"""Settings: each one documented in the README, placeholder secrets refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from poise.cli import app as cli
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
