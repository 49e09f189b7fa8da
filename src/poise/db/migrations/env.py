"""Alembic environment: runs on the connection handed in by poise.db.migrate, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from poise.all_models import Base
from poise.db.derived import compared

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=compared,  # the search index's FTS5 tables and trigram indexes
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or "sqlite://"
    engine = create_engine(url, hide_parameters=True)  # no row values in an error's text
    with engine.begin() as conn:
        _run(conn)
