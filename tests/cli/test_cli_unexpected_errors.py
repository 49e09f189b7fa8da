"""A command that fails on an error no one foresaw says what failed and what to do, never the
database's own words: a driver's message may quote a customer's values (a duplicate key, a
row), and what a command prints often lands in a cron mail or a job runner's log."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from poise.settings import Settings

POISE = Path(sys.executable).parent / "poise"
NAME = "Marek Nowak"
ROWS = (
    "conversation_id,channel,author_role,body,sent_at,customer_id,customer_name\n"
    f"C-1,email,customer,Thanks for the refund,2024-05-01T10:00:00Z,c-1,{NAME}\n"
)


@pytest.fixture
def refusing_customers(engine: Engine) -> Iterator[None]:
    """A trigger that refuses the customer with an integrity error naming them, as a database's
    own refusal quotes a row's values (PostgreSQL's DETAIL, a rule of the DBA's)."""
    refusal = f"customer {NAME} is refused"
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":  # RAISE takes a literal only
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_customers BEFORE INSERT ON customers "
                f"WHEN NEW.name = '{NAME}' BEGIN SELECT RAISE(ABORT, '{refusal}'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_customer() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION USING MESSAGE = '{refusal}', ERRCODE = 'unique_violation', "
                "CONSTRAINT = 'refuse_customers'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_customers BEFORE INSERT ON customers "
                "FOR EACH ROW EXECUTE FUNCTION refuse_customer()"
            )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_customers" + _on_customers(engine)))
            if engine.dialect.name != "sqlite":
                conn.exec_driver_sql("DROP FUNCTION refuse_customer()")


def _on_customers(engine: Engine) -> str:
    return "" if engine.dialect.name == "sqlite" else " ON customers"


def _poise(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as a person runs it (its own error handling included)."""
    env = {
        **os.environ,
        "POISE_DATABASE_URL": database_url,
        "POISE_DATA_DIR": str(data_dir),
        "POISE_ENVIRONMENT": "test",
    }
    return subprocess.run(
        [str(POISE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _assert_nothing_quoted(result: subprocess.CompletedProcess[str], command: str) -> str:
    """What the command printed holds none of the customer's words; its headline (returned,
    the lines before the frames) names the command and what to do."""
    printed = result.stdout + result.stderr
    assert result.returncode == 3, printed
    assert "Marek" not in printed and "Nowak" not in printed and "is refused" not in printed
    assert "Traceback" not in printed
    said = " ".join(result.stderr.split())
    assert said.startswith(f"Error: `{command}` failed"), said
    headline = said.partition(" at ")[0]  # before the frames
    assert "send the error id" in headline
    assert "\ncaused by " in result.stderr  # the chain of kinds and frames follows
    return headline


def test_a_database_error_is_shown_by_its_kind_never_its_message(
    settings: Settings, refusing_customers: None, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    url = settings.resolved_database_url
    result = _poise(url, settings.data_dir, "import", str(rows), "--no-score")
    headline = _assert_nothing_quoted(result, "poise import")
    fact = "SQLITE_CONSTRAINT_TRIGGER" if url.startswith("sqlite") else "23505"
    assert "sqlalchemy.exc.IntegrityError [" in headline and fact in headline, headline


def test_a_row_sqlite_cannot_read_is_not_quoted(sqlite_template: Path, tmp_path: Path) -> None:
    """SQLite's driver quotes the text it could not decode ("Could not decode to UTF-8
    column 'name' with text 'Marek Nowak…'"): `poise export` printed a customer's name."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "poise.db"
    shutil.copy(sqlite_template, database)
    with closing(sqlite3.connect(database)) as connection:
        connection.execute(
            "INSERT INTO customers (source, external_id, name, created_at) VALUES "
            "('csv', 'c-1', CAST(? AS TEXT), '2024-05-01 10:00:00')",
            (NAME.encode() + b"\xff",),
        )
        connection.commit()
    result = _poise("", data_dir, "export", str(tmp_path / "export"))
    headline = _assert_nothing_quoted(result, "poise export")
    assert "sqlalchemy.exc.OperationalError" in headline
