"""Settings: each one documented in the README, placeholder secrets refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

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
