"""A trigram index for the conversation list's search

Revision ID: 0030
Revises: 0029

The list's search box finds conversations whose subject, purpose or helpdesk id, or whose
customer's name or id, holds each word anywhere, in any case (``ILIKE '%word%'``). No b-tree
serves a word inside a text, so every search read every conversation and every customer.

SQLite: two FTS5 tables with the ``trigram`` tokenizer (SQLite 3.34 or later), over the
conversations' and the customers' searched columns, as external-content tables (they hold
only the index, the text stays in its table). Triggers keep them, so every writer (the
importers, webhooks, the API, the demo loader, deletions) is indexed alike in the writer's
transaction; only an update of a searched column touches the index. A trigram phrase finds
the rows that may hold a word of three or more characters; the search still applies its
``ILIKE`` to those rows, so what it finds is what it found before.

A later migration that rebuilds ``conversations`` or ``customers`` with a batch copy drops
their triggers with the old table: it must create them again (``tests/db`` checks they exist
at head).

PostgreSQL: ``pg_trgm``'s GIN indexes, which serve ``ILIKE '%word%'`` themselves. Creating the
extension needs the CREATE privilege on the database (it is a trusted extension since
PostgreSQL 13). A role that may not create it gets a warning and no indexes: the search then
reads every row as before. A superuser can create the extension and the indexes later, as
docs/deploy.md says.

Neither is in the models (Alembic's comparison cannot describe a virtual table, and the
trigram indexes exist only where the extension could be made): ``poise.db.derived`` names
them, and the comparison of migrations with the models leaves out exactly those.

At 1 million conversations and 200,000 customers a search for a word few of them hold took
1.4-2.6 s on SQLite and 1.4-1.6 s on PostgreSQL; through the index 2-19 ms, a common word
227-402 -> 9-15 ms (SQLite), 276-382 -> 19-29 ms (PostgreSQL); see docs/deploy.md. This
upgrade took 1.8 s on SQLite for the demo grown to 33,777 conversations (25 MB more) and 20 s
on PostgreSQL for the million (98 MB of indexes). Importing 160,000 messages took no
measurably longer on SQLite, about 20 % longer on PostgreSQL.
"""

# ruff: noqa: S608  (every statement is built from this file's constants, none from input)
from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("poise.db.migrations")

# The searched columns of each table, and the index over them.
SEARCHED = {
    "conversations": ("conversations_search", ("subject", "purpose", "external_id")),
    "customers": ("customers_search", ("name", "external_id")),
}
TRIGRAM_INDEXES = {  # PostgreSQL: one GIN index per searched column
    f"ix_{table}_{column}_trgm": (table, column)
    for table, (_, columns) in SEARCHED.items()
    for column in columns
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
        return
    for table, (index, columns) in SEARCHED.items():
        for statement in _sqlite_statements(table, index, columns):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        return  # the extension stays: other databases' objects may use it
    for table, (index, _) in SEARCHED.items():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{event}")
        op.execute(f"DROP TABLE IF EXISTS {index}")


def _sqlite_statements(table: str, index: str, columns: Sequence[str]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    forget = f"INSERT INTO {index} ({index}, rowid, {names}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {index} (rowid, {names}) VALUES (new.id, {new});"
    try:
        op.execute(
            f"CREATE VIRTUAL TABLE {index} USING fts5({names}, content='{table}', "
            "content_rowid='id', columnsize=0, tokenize='trigram')"
        )
    except sa.exc.OperationalError as exc:  # an SQLite before 3.34, or built without FTS5
        raise RuntimeError(
            "the conversation search needs SQLite 3.34 or later with FTS5 (its trigram "
            f"tokenizer); this Python's SQLite is {_sqlite_version()}: {exc.orig}"
        ) from exc
    return [
        f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN {learn} END",
        f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN {forget} END",
        f"CREATE TRIGGER {table}_search_update AFTER UPDATE OF id, {names} ON {table} "
        f"BEGIN {forget} {learn} END",
        f"INSERT INTO {index} ({index}) VALUES ('rebuild')",
    ]


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _postgres_upgrade() -> None:
    connection = op.get_bind()
    schema = _trigram_schema(connection)
    if schema is None:
        try:
            with connection.begin_nested():
                connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError as exc:
            log.warning(
                "The conversation search is left without its index: this role may not create "
                "the pg_trgm extension (%s). Searches still work, reading every conversation; "
                "to index them, a superuser creates the extension and the indexes as "
                'docs/deploy.md shows ("The conversation search on PostgreSQL").',
                str(exc.orig).strip().splitlines()[0],
            )
            return
        schema = _trigram_schema(connection)
    for name, (table, column) in TRIGRAM_INDEXES.items():
        opclass = f'"{schema}".gin_trgm_ops'
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} {opclass})")


def _trigram_schema(connection: sa.Connection) -> str | None:
    """The schema pg_trgm is installed in, or None when it is not installed."""
    schema = connection.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    )
    return None if schema is None else str(schema)
