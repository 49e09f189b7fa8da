"""Export of every table as JSON Lines, for moving data out of Poise or reading it elsewhere.

One ``TABLE.jsonl`` per table, rows in key order, streamed in chunks so memory stays flat
whatever the size of the database, read from one snapshot so the files agree with each other.
Secrets never leave (password hashes, token hashes, webhook secrets, session versions), nor do
derived indexes (embedding vectors, the search vector), which Poise rebuilds from the text.
``manifest.json`` lists each table's file, row count and columns, and the schema revision.

Works the same on SQLite and PostgreSQL. The tables are passed in (``Base.metadata`` with every
area's models loaded) so that this module, below the areas, imports none of them.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, Connection, Engine, LargeBinary, MetaData, Table, func, select

from poise.errors import PoiseError
from poise.files import inside_a_file, write_atomically

EXPORT_FORMAT = "poise-export"
EXPORT_VERSION = 1
CHUNK_ROWS = 2000
# Columns that must never leave the database, by table: credentials and what revokes them.
SECRET_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash", "session_version"}),
    "api_tokens": frozenset({"token_hash"}),
    "integrations": frozenset({"secret"}),
    "alert_rules": frozenset({"secret"}),
    "connectors": frozenset({"credentials"}),
}
# Columns derived from text that Poise recomputes; large and meaningless outside Poise.
DERIVED_COLUMNS: dict[str, frozenset[str]] = {
    "kb_search_entries": frozenset({"tsv"}),
}

Progress = Callable[[str, int, int], None]


class ExportRefused(PoiseError):  # noqa: N818 - says what happened, as errors.py does
    """An export that cannot be written where asked; nothing was written."""


@dataclass
class ExportReport:
    """What an export wrote: the folder, the rows of each table, and the schema revision."""

    folder: Path
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def left_out(table: Table) -> list[str]:
    """The columns of ``table`` an export leaves out: secrets, embedding blobs, derived indexes."""
    names = SECRET_COLUMNS.get(table.name, frozenset()) | DERIVED_COLUMNS.get(
        table.name, frozenset()
    )
    return [c.name for c in table.columns if c.name in names or isinstance(c.type, LargeBinary)]


def exported_columns(table: Table) -> list[Column[Any]]:
    """The columns an export writes, in the table's order."""
    skipped = set(left_out(table))
    return [c for c in table.columns if c.name not in skipped]


def export_database(
    engine: Engine,
    metadata: MetaData,
    folder: Path,
    *,
    revision: str | None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> ExportReport:
    """Write every table of ``metadata`` from ``engine`` into ``folder`` as JSON Lines.

    The files are written into a hidden folder beside ``folder`` and renamed into place at the
    end, so a full disk or an interruption leaves no export that looks complete.
    """
    folder = folder.resolve()
    _check_target(folder)
    partial = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.part")
    partial.mkdir(parents=True)
    try:
        with _snapshot(engine) as connection:
            report = _write_tables(
                connection,
                metadata,
                partial,
                revision=revision,
                chunk_rows=chunk_rows,
                progress=progress,
            )
        _write_manifest(partial, metadata, report, dialect=engine.dialect.name)
        if folder.exists():
            folder.rmdir()  # empty, checked above; rename cannot replace it everywhere
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report.folder = folder
    return report


def _check_target(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportRefused(f"{folder} is a file: name a folder for the export")
    if problem := inside_a_file(folder):
        raise ExportRefused(problem)
    if folder.is_dir() and any(folder.iterdir()):
        raise ExportRefused(f"{folder} is not empty: name a new or empty folder")


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one moment of the database for every table."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        ) as connection:
            yield connection
        return
    with engine.connect() as connection:
        # pysqlite starts no transaction before a SELECT: begin one so every read shares it.
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def _write_tables(
    connection: Connection,
    metadata: MetaData,
    folder: Path,
    *,
    revision: str | None,
    chunk_rows: int,
    progress: Progress | None,
) -> ExportReport:
    tables = metadata.sorted_tables  # parents before children, as a re-import needs them
    counts = {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
    total = sum(counts.values())
    report = ExportReport(folder=folder, revision=revision)
    done = 0
    for table in tables:
        with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8", newline="\n") as out:
            written = 0
            for chunk in _chunks(connection, table, chunk_rows):
                _write_rows(out, chunk)
                written += len(chunk)
                done += len(chunk)
                if progress:
                    progress(table.name, done, total)
            out.flush()
            os.fsync(out.fileno())
        report.rows[table.name] = written
    return report


def _chunks(connection: Connection, table: Table, chunk_rows: int) -> Iterator[list[Any]]:
    """The rows of ``table`` in key order, ``chunk_rows`` at a time (a server-side cursor)."""
    columns = exported_columns(table)
    query = select(*columns).order_by(*table.primary_key.columns)
    result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(query)
    names = [c.name for c in columns]
    for partition in result.partitions():
        yield [dict(zip(names, row, strict=True)) for row in partition]


def _write_rows(out: IO[str], rows: list[dict[str, Any]]) -> None:
    out.write(
        "".join(
            json.dumps(row, ensure_ascii=False, default=_plain, separators=(",", ":")) + "\n"
            for row in rows
        )
    )


def _plain(value: Any) -> Any:
    """JSON for what the json module does not know: ISO dates, base64 bytes, exact decimals."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot export a {type(value).__name__}")


def _write_manifest(
    folder: Path, metadata: MetaData, report: ExportReport, *, dialect: str
) -> None:
    manifest = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "revision": report.revision,
        "database": dialect,
        "exported_at": datetime.now(UTC).isoformat(),
        "rows": report.total,
        "tables": {
            table.name: {
                "file": f"{table.name}.jsonl",
                "rows": report.rows[table.name],
                "key": [c.name for c in table.primary_key.columns],
                "columns": [c.name for c in exported_columns(table)],
                "left_out": left_out(table),
            }
            for table in metadata.sorted_tables
        },
    }
    write_atomically(folder / "manifest.json", json.dumps(manifest, indent=2).encode() + b"\n")
