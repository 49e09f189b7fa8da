"""Backup and restore of the embedded SQLite database through SQLite's online backup API.

The backup API copies a consistent snapshot page by page while other connections keep working:
in WAL mode the server goes on reading and writing during a backup, so nobody has to stop it.
Restoring goes the same way in the other direction, as one write transaction on the live
database: it either replaces every page or, when anything fails, leaves the database as it was.

PostgreSQL has its own tools for both (``pg_dump`` and ``pg_restore``); these refuse it, saying so.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from poise.errors import PoiseError
from poise.files import inside_a_file, not_a_file

SQLITE_HEADER = b"SQLite format 3\x00"
# Seconds a backup or restore waits for a writer's lock before it gives up.
LOCK_WAIT_SECONDS = 30.0
# A table every Poise database has had since its first revision.
POISE_TABLE = "instance_facts"
PG_BACKUP = (
    "`poise backup` copies the embedded SQLite database; this Poise uses PostgreSQL, "
    "so back it up with PostgreSQL's own tool: "
    "pg_dump --format=custom --file=poise.dump DATABASE (see docs/operations.md)"
)
PG_RESTORE = (
    "`poise restore` restores the embedded SQLite database; this Poise uses PostgreSQL, "
    "so restore a pg_dump file with PostgreSQL's own tool: "
    "pg_restore --clean --if-exists --dbname=DATABASE poise.dump (see docs/operations.md)"
)


class BackupRefused(PoiseError):  # noqa: N818 - says what happened, as errors.py does
    """A backup or restore that cannot be done as asked; nothing was written."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote: where, how many bytes, and the schema revision it holds."""

    path: Path
    size: int
    revision: str | None


def sqlite_database(url: str, *, refusal: str) -> Path:
    """The file behind a SQLite ``url``; ``refusal`` is the message for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupRefused(refusal)
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise BackupRefused(f"the database {database or ':memory:'} is not a plain SQLite file")
    return Path(database).resolve()


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that can never change or create ``path``."""
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_WAIT_SECONDS
    )
    return connection


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def backup_database(database: Path, target: Path, *, replace: bool = False) -> BackupReport:
    """Copy ``database`` to ``target`` as one self-contained file, safe while Poise runs.

    The copy is written beside ``target`` under a hidden name and renamed into place once
    complete, so a full disk or a crash leaves no partial backup that looks whole.
    """
    if not database.is_file():
        raise BackupRefused(f"there is no database at {database} to back up")
    target = target.resolve()
    if target == database:
        raise BackupRefused("the backup file cannot be the database itself")
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder: name the backup file, e.g. {target}/poise.db")
    if target.exists() and not replace:
        raise BackupRefused(f"{target} already exists: choose another name, or pass --replace")
    if problem := inside_a_file(target):
        raise BackupRefused(problem)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        with closing(_read_only(database)) as source, closing(sqlite3.connect(partial)) as copy:
            # One step: a single read transaction, so the copy is one consistent snapshot even
            # while the server writes (a stepwise copy would restart at every write).
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the backup
            revision = _revision(copy)
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        _remove(partial)
        raise
    return BackupReport(path=target, size=target.stat().st_size, revision=revision)


def check_backup(backup: Path, *, revision: str | None) -> None:
    """Refuse ``backup`` unless it is a sound SQLite database of Poise at ``revision``.

    Runs before anything is changed, so a wrong file is refused with the database untouched.
    """
    if problem := not_a_file(backup):
        raise BackupRefused(problem)
    with backup.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupRefused(f"{backup} is not a SQLite database, so not a Poise backup")
    try:
        with closing(_read_only(backup)) as connection:
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables or POISE_TABLE not in tables:
                raise BackupRefused(f"{backup} is a SQLite database, but not one of Poise")
            found = _revision(connection)
            if found != revision:
                raise BackupRefused(_revision_mismatch(backup, found, revision))
            (check,) = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{backup} cannot be read as a SQLite database ({exc})") from None
    if check != "ok":
        raise BackupRefused(f"{backup} is damaged (SQLite's check says: {check})")


def _revision_mismatch(backup: Path, found: str | None, revision: str | None) -> str:
    return (
        f"{backup} holds schema revision {found or 'none'}, but this Poise is at {revision}. "
        "Restore it with the Poise version that made it, or bring a copy of it up to date first "
        f"(POISE_DATABASE_URL=sqlite:///COPY poise db upgrade) and restore the copy"
    )


def check_target(backup: Path, database: Path) -> None:
    """Refuse a restore of the database onto itself, or one SQLite cannot do in WAL mode.

    SQLite cannot restore into a WAL database whose page size differs; saying so up front
    beats its own words for it ("attempt to write a readonly database").
    """
    if backup.resolve() == database:
        raise BackupRefused(f"{backup} is the database itself: name a backup file")
    if not database.is_file():
        return
    with closing(_read_only(backup)) as source, closing(_read_only(database)) as live:
        (theirs,) = source.execute("PRAGMA page_size").fetchone()
        (ours,) = live.execute("PRAGMA page_size").fetchone()
        (mode,) = live.execute("PRAGMA journal_mode").fetchone()
    if theirs != ours and str(mode).lower() == "wal":
        raise BackupRefused(
            f"{backup} uses {theirs}-byte pages and the database {ours}-byte pages, which SQLite "
            "cannot restore in WAL mode; make the backup with `poise backup`"
        )


def restore_database(backup: Path, database: Path) -> None:
    """Replace every row of ``database`` with those of ``backup``, in one transaction.

    The backup API writes the live database inside one write transaction: when anything
    fails (a full disk, a lock held too long) it is rolled back and the database is as it was.
    A database that did not exist before is removed again on failure.
    """
    created = not database.exists()
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(_read_only(backup)) as source,
            closing(sqlite3.connect(database, timeout=LOCK_WAIT_SECONDS)) as live,
        ):
            source.backup(live)  # one step: all pages, one transaction
    except BaseException:
        if created:
            for suffix in ("", "-wal", "-shm", "-journal"):
                _remove(database.with_name(database.name + suffix))
        raise


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(f"{path}-journal").unlink(missing_ok=True)
