"""`poise backup`, `poise restore` and `poise export` on real database files."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from builders import make_conversation, make_user
from poise.all_models import Base
from poise.auth import actions as auth_actions
from poise.auth.models import User
from poise.cli import app as cli
from poise.conversations import actions as conversation_actions
from poise.conversations.models import Conversation
from poise.db import make_engine, make_sessionmaker
from poise.db.export import left_out
from poise.db.meta import InstanceFact
from poise.db.migrate import alembic_config, head_revision, upgrade
from poise.faults import DISK_FULL
from poise.knowledge.models import ConversationVector
from poise.settings import Settings

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite file the `poise` command (run in-process) points at."""
    path = tmp_path / "data" / "poise.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    _point_at(monkeypatch, path)
    return path


def _point_at(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("POISE_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("POISE_DATA_DIR", str(path.parent))
    monkeypatch.setenv("POISE_ENVIRONMENT", "test")


@pytest.fixture
def server_engine(database: Path) -> Iterator[Engine]:
    """The database as the running server holds it: WAL, a pool of open connections."""
    engine = make_engine(f"sqlite:///{database}")
    yield engine
    engine.dispose()


def _contents(path: Path) -> list[str]:
    """Every row of every table, as SQL text: equal when the data is equal."""
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def _emails(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as connection:
        return {email for (email,) in connection.execute("SELECT email FROM users")}


def test_backup_while_a_session_writes_copies_the_committed_data(
    server_engine: Engine, tmp_path: Path
) -> None:
    with make_sessionmaker(server_engine)() as session:
        make_user(session, email="kept@example.com")
        make_conversation(session)
        session.add(InstanceFact(key="unfinished", value="not committed"))
        session.flush()  # the server is in the middle of a write transaction
        result = runner.invoke(cli, ["backup", str(tmp_path / "backups" / "poise.db")])
        assert result.exit_code == 0, result.output
        assert "Backed up" in result.output and head_revision() in _said(result)
        session.commit()  # the writer was never blocked by the backup
    backup = tmp_path / "backups" / "poise.db"
    assert _emails(backup) == {"kept@example.com"}
    with closing(sqlite3.connect(backup)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert connection.execute("SELECT count(*) FROM conversations").fetchone() == (1,)
        assert connection.execute("SELECT key FROM instance_facts").fetchall() == []
    assert sorted(p.name for p in backup.parent.iterdir()) == ["poise.db"]  # no leftovers
    again = runner.invoke(cli, ["backup", str(backup)])
    assert again.exit_code == 2 and "already exists" in _said(again)
    assert runner.invoke(cli, ["backup", str(backup), "--replace"]).exit_code == 0


def test_restore_round_trip_brings_back_every_row(
    server_engine: Engine, database: Path, tmp_path: Path
) -> None:
    with make_sessionmaker(server_engine)() as session:
        make_user(session, email="before@example.com")
        make_conversation(session, subject="Kept through a restore")
    backup = tmp_path / "poise-backup.db"
    assert runner.invoke(cli, ["backup", str(backup)]).exit_code == 0
    saved = _contents(backup)
    with make_sessionmaker(server_engine)() as session:
        make_user(session, email="after@example.com")
        session.query(Conversation).delete()
        session.commit()

    result = runner.invoke(cli, ["restore", str(backup), "--yes"])

    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    assert _contents(database) == saved
    with make_sessionmaker(server_engine)() as session:  # connections opened before see it too
        assert set(session.scalars(select(User.email))) == {"before@example.com"}
        subjects = session.scalars(select(Conversation.subject)).all()
        assert subjects == ["Kept through a restore"]


def _older_poise_database(path: Path) -> Path:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision(head_revision())
    assert head is not None and isinstance(head.down_revision, str)
    older = make_engine(f"sqlite:///{path}")
    upgrade(older, head.down_revision)
    older.dispose()
    return path


def _foreign_sqlite_database(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.commit()
    return path


def _other_page_size(backup: Path, path: Path) -> Path:
    """A sound Poise backup whose pages SQLite cannot restore into a WAL database."""
    shutil.copy(backup, path)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA page_size=8192")
        connection.execute("VACUUM")
    return path


def _said(result: Result) -> str:
    """The command's output with the console's line wrapping undone."""
    return " ".join(result.output.split())


def test_restore_refuses_a_wrong_file_and_changes_nothing(
    server_engine: Engine, database: Path, tmp_path: Path
) -> None:
    with make_sessionmaker(server_engine)() as session:
        make_user(session, email="stays@example.com")
    backup = tmp_path / "good.db"
    assert runner.invoke(cli, ["backup", str(backup)]).exit_code == 0
    before = _contents(database)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n")
    cases = {
        "not a SQLite database": text_file,
        "not one of Poise": _foreign_sqlite_database(tmp_path / "notes.db"),
        "poise db upgrade": _older_poise_database(tmp_path / "older.db"),
        "no such file": tmp_path / "missing.db",
        "is the database itself": database,
        "8192-byte pages": _other_page_size(backup, tmp_path / "pages.db"),
    }
    for words, wrong in cases.items():
        result = runner.invoke(cli, ["restore", str(wrong), "--yes"])
        assert result.exit_code == 2, (words, result.output)
        assert words in _said(result), result.output
        assert "Traceback" not in result.output
        assert _contents(database) == before, words

    with make_sessionmaker(server_engine)() as session:
        make_user(session, email="later@example.com")
    declined = runner.invoke(cli, ["restore", str(backup)], input="n\n")
    assert declined.exit_code == 1 and "Replace everything" in declined.output
    assert _emails(database) == {"stays@example.com", "later@example.com"}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system: room for the database, not for a larger restore."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None
    mounted = mounted and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=False
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("needs root to mount a small file system")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(
    small_disk: Path, database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.db"
    assert runner.invoke(cli, ["backup", str(big)]).exit_code == 0
    with closing(sqlite3.connect(big)) as connection:
        connection.execute("INSERT INTO instance_facts VALUES ('padding', ?)", ("x" * 4_000_000,))
        connection.commit()
    live = small_disk / "poise.db"
    shutil.copy(database, live)
    _point_at(monkeypatch, live)
    live_engine = make_engine(f"sqlite:///{live}")
    with make_sessionmaker(live_engine)() as session:
        make_user(session, email="survivor@example.com")
    live_engine.dispose()
    before = _contents(live)

    result = runner.invoke(cli, ["restore", str(big), "--yes"])

    assert result.exit_code == 3, result.output
    assert DISK_FULL.split(",")[0] in _said(result)
    assert "Traceback" not in result.output
    assert _contents(live) == before


def test_backup_and_restore_point_postgresql_to_its_own_tools(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POISE_DATABASE_URL", "postgresql+psycopg://poise@127.0.0.1:1/poise")
    monkeypatch.setenv("POISE_ENVIRONMENT", "test")
    backup = runner.invoke(cli, ["backup", str(tmp_path / "b.db")])
    assert backup.exit_code == 2 and "pg_dump" in _said(backup)
    restore = runner.invoke(cli, ["restore", str(tmp_path / "b.db"), "--yes"])
    assert restore.exit_code == 2 and "pg_restore" in _said(restore)
    assert list(tmp_path.iterdir()) == []


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_every_table_in_key_order_without_secrets(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    admin = make_user(session, role="admin", email="admin@example.com")
    token = auth_actions.create_api_token(session, actor=None, user=admin)
    integration = conversation_actions.create_integration(session, actor=admin, name="zendesk-eu")
    conversations = [make_conversation(session, subject=f"Subject {n}") for n in range(5)]
    embedding = b"\x01\x02secret-vector\x03" * 8
    session.add(
        ConversationVector(conversation_id=conversations[0].id, issue="refund", embedding=embedding)
    )
    session.commit()
    password_hash = session.scalar(select(User.password_hash).where(User.id == admin.id))
    assert password_hash

    result = runner.invoke(cli, ["export", str(tmp_path / "export"), "--chunk", "2"])

    assert result.exit_code == 0, result.output
    folder = tmp_path / "export"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["revision"] == head_revision()
    assert set(manifest["tables"]) == {t.name for t in Base.metadata.sorted_tables}
    for name, entry in manifest["tables"].items():
        rows = _read_jsonl(folder / entry["file"])
        assert len(rows) == entry["rows"], name
        assert all(list(row) == entry["columns"] for row in rows), name
    assert manifest["tables"]["conversations"]["rows"] == 5
    ids = [row["id"] for row in _read_jsonl(folder / "conversations.jsonl")]
    assert ids == sorted(ids) == sorted(c.id for c in conversations)
    users = _read_jsonl(folder / "users.jsonl")
    assert users[0]["email"] == "admin@example.com"
    assert "password_hash" not in users[0] and "session_version" not in users[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*\+00:00", str(users[0]["created_at"]))
    assert _read_jsonl(folder / "kb_conversation_vectors.jsonl")[0]["issue"] == "refund"
    everything = "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    for secret in (password_hash, token, auth_actions.token_hash(token), integration.secret):
        assert secret not in everything
    assert (
        "secret-vector" not in everything
        and "embedding" in manifest["tables"]["kb_conversation_vectors"]["left_out"]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folder


def test_export_refuses_a_folder_that_holds_files(cli_env: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    result = runner.invoke(cli, ["export", str(folder)])
    assert result.exit_code == 2 and "not empty" in _said(result)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(cli, ["export", str(empty)]).exit_code == 0
    assert (empty / "manifest.json").is_file()


def test_every_column_that_looks_like_a_secret_is_left_out() -> None:
    looks_secret = re.compile(r"password|secret|credentials|token_hash|session_version|hash$")
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if looks_secret.search(column.name) and column.name != "sha256":
                assert column.name in left_out(table), f"{table.name}.{column.name}"


@pytest.mark.parametrize("command", ["export", "backup"])
def test_export_and_backup_refuse_a_path_inside_a_file(
    cli_env: Settings, tmp_path: Path, command: str
) -> None:
    """They ended "[Errno 20] Not a directory" of a hidden temporary folder the user never
    named, or "[Errno 17] File exists" of the file, not why it was in the way."""
    if command == "backup" and not cli_env.resolved_database_url.startswith("sqlite"):
        pytest.skip("poise backup is for SQLite; PostgreSQL's is pg_dump")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    result = runner.invoke(cli, [command, str(notes / "copy")])
    assert result.exit_code == 2, result.output
    assert f"{notes} is a file, so it cannot hold {notes / 'copy'}" in _said(result)
    assert notes.read_text() == "mine"


def test_export_of_one_row_says_one_row(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    """A database holding one row was "Exported 1 rows of 60 tables"."""
    make_user(session, role="admin")
    result = runner.invoke(cli, ["export", str(tmp_path / "export")])
    assert result.exit_code == 0, result.output
    assert "Exported 1 row of " in " ".join(result.output.split())
