"""Commands that look after the data itself: backup, restore and export."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from poise.cli.context import console, fail, load_settings, open_session, progress_bar
from poise.errors import PoiseError
from poise.faults import fault_message
from poise.words import counted

# poise.db.export's CHUNK_ROWS, which --help shows: importing it there loads SQLAlchemy, so
# help would wait for it (a test holds the two equal)
EXPORT_CHUNK_ROWS = 2000


def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (one SQLite file).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace FILE when it already exists.")
    ] = False,
) -> None:
    """Copy the embedded SQLite database to FILE, safely while Poise runs.

    For PostgreSQL use pg_dump instead (see docs/operations.md).
    """
    from poise.db.backup import PG_BACKUP, backup_database, sqlite_database

    settings = load_settings()
    with _refusals():
        database = sqlite_database(settings.resolved_database_url, refusal=PG_BACKUP)
        with _spinner(f"Backing up {database.name}"):
            report = backup_database(database, file, replace=replace)
    console.print(
        f"Backed up {database} to [bold]{report.path}[/bold] "
        f"({_size(report.size)}, schema revision {report.revision or 'none'}).",
        highlight=False,
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup made by `poise backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the embedded SQLite database with a backup at the same schema revision.

    The backup is checked first; a wrong file changes nothing, and a restore that fails
    leaves the database as it was. Stop `poise serve` first. For PostgreSQL use pg_restore.
    """
    from poise.db.backup import (
        PG_RESTORE,
        check_backup,
        check_target,
        restore_database,
        sqlite_database,
    )
    from poise.db.migrate import head_revision

    settings = load_settings()
    with _refusals():
        database = sqlite_database(settings.resolved_database_url, refusal=PG_RESTORE)
        check_backup(file, revision=head_revision())
        check_target(file, database)
        if not yes:
            typer.confirm(
                f"Replace everything in {database} with {file}? This cannot be undone",
                abort=True,
            )
        with _spinner(f"Restoring {file.name}"):
            restore_database(file, database)
    console.print(f"Restored {database} from [bold]{file}[/bold].", highlight=False)


def export_command(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder for the files.")],
    chunk: Annotated[
        int, typer.Option(min=1, help="Rows read and written at a time (memory stays flat).")
    ] = EXPORT_CHUNK_ROWS,
) -> None:
    """Write all the data as JSON Lines, one TABLE.jsonl per table, plus manifest.json.

    Works on SQLite and PostgreSQL. Secrets (password and token hashes, webhook secrets,
    session versions) and embedding vectors are left out.
    """
    from poise.all_models import Base  # every area's tables, loaded only for this command
    from poise.db.export import export_database
    from poise.db.migrate import head_revision

    settings = load_settings()
    with open_session(settings) as session, progress_bar() as progress, _refusals():
        task = progress.add_task("Exporting", total=None)

        def advance(table: str, done: int, total: int) -> None:
            progress.update(task, description=f"Exporting {table}", completed=done, total=total)

        report = export_database(
            session.get_bind().engine,
            Base.metadata,
            folder,
            revision=head_revision(),
            chunk_rows=chunk,
            progress=advance,
        )
    console.print(
        f"Exported {counted(report.total, 'row')} of {counted(len(report.rows), 'table')} to "
        f"[bold]{report.folder}[/bold] (manifest.json lists them).",
        highlight=False,
    )


@contextmanager
def _refusals() -> Iterator[None]:
    """A refusal or a SQLite fault is one clear line and exit code 2 or 3, never a traceback."""
    try:
        yield
    except PoiseError as exc:
        fail(str(exc))
    except sqlite3.Error as exc:
        _fault(exc)


def _fault(exc: sqlite3.Error) -> NoReturn:
    reason = fault_message(exc) or (str(exc).splitlines() or [type(exc).__name__])[0]
    fail(f"{reason} (nothing was changed)", code=3)


@contextmanager
def _spinner(description: str) -> Iterator[None]:
    with progress_bar() as progress:
        progress.add_task(description, total=None)
        yield


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"
