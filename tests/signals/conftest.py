"""Fixtures for the signals tests: a CLI like the real mount, fixture data, a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from poise.signals.cli import eval_app, train_app
from poise.signals.training.data import default_data_dir

FIXTURES = Path(__file__).parent / "fixtures"


def make_cli() -> typer.Typer:
    """Mount the apps the way ``poise`` does: ``poise train …`` / ``poise eval …``."""
    app = typer.Typer()
    app.add_typer(train_app, name="train")
    app.add_typer(eval_app, name="eval")
    return app


@pytest.fixture(scope="session")
def cli() -> typer.Typer:
    return make_cli()


def make_runner() -> CliRunner:
    """A runner that keeps stderr apart (Click 8.1 needs asking; 8.2 always does)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        return CliRunner()


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    return make_runner()


@pytest.fixture(scope="session")
def fixture_data() -> Path:
    return FIXTURES / "data"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, fixture_data: Path) -> Path:
    """A lexical-only model trained on the fixture data (seconds, no torch)."""
    out = tmp_path_factory.mktemp("tiny-model")
    result = make_runner().invoke(
        make_cli(),
        [
            "train",
            "negativity",
            "--data-dir",
            str(fixture_data),
            "--out",
            str(out),
            "--no-encoder",
            "--version",
            "negativity-test.1",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real ``../shared/data``; tests that need it skip when it is absent."""
    folder = default_data_dir()
    if not (folder / "goemotions").is_dir():
        pytest.skip(f"shared data not found at {folder} (set POISE_SHARED_DATA to run this test)")
    return folder
