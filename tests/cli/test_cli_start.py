"""``poise --help`` and every command's help answer at once: mounting the commands loads
Typer and their signatures, never the database, the web app or the models, which each command
imports when it runs (help took about a second, mostly loading those)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# What a command loads when it runs, and help must not: the database (SQLAlchemy, Alembic,
# Poise's engine), the settings (Pydantic), the web app and its server, the HTTP client, and the
# models (NumPy, ONNX Runtime, the tokenizer).
HEAVY = (
    "sqlalchemy",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "numpy",
    "onnxruntime",
    "tokenizers",
    "poise.db",
    "poise.settings",
    "poise.app",
)
LOADED = f"""
import json, sys
from poise.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["users", "--help"],
        ["users", "list", "--help"],
        ["jobs", "list", "--help"],
        ["jobs", "show", "--help"],
        ["connect", "--help"],
        ["import", "--help"],
        ["export", "--help"],
        ["db", "upgrade", "--help"],
        ["train", "export-minilm", "--help"],
        ["eval", "negativity", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_database_web_app_or_model(args: list[str]) -> None:
    """In a fresh process, as a person runs it: help is printed, and nothing heavy was loaded."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        env={**os.environ, "POISE_ENVIRONMENT": "test", "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Usage:" in done.stdout, done.stderr
    assert json.loads(done.stderr.splitlines()[-1]) == [], done.stderr


def test_the_names_help_shows_are_the_ones_the_commands_use() -> None:
    """Help reads the helpdesks, the import formats and the export's default chunk from small
    modules of their own; the commands use the full ones."""
    from poise.cli.operations import EXPORT_CHUNK_ROWS
    from poise.connectors.helpdesks import HELPDESKS
    from poise.connectors.vendors import VENDORS
    from poise.db.export import CHUNK_ROWS

    assert tuple(VENDORS) == HELPDESKS
    assert EXPORT_CHUNK_ROWS == CHUNK_ROWS
