"""Migrations build the whole schema from empty, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from poise.all_models import Base
from poise.db import make_engine
from poise.db.migrate import current_revision, head_revision, upgrade
from support import POSTGRES_URL


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_from_empty_matches_the_models(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql" and not POSTGRES_URL:
        pytest.skip("POISE_TEST_DATABASE_URL is not set")
    url = f"sqlite:///{tmp_path / 'empty.db'}" if backend == "sqlite" else POSTGRES_URL
    assert url
    engine = make_engine(url)
    if backend == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
            conn.execute(text("CREATE SCHEMA migration_test"))
        engine.dispose()
        engine = make_engine(url)
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("SET search_path TO migration_test")
            cursor.close()

    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert {"conversations", "messages", "ratings", "users"} <= set(
            inspect(engine).get_table_names()
        )
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        upgrade(engine)  # a second upgrade is a no-op
    finally:
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA migration_test CASCADE"))
        engine.dispose()


def test_sqlite_pragmas_are_set(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_tokens_made_before_expiry_existed_keep_working_after_the_upgrade(tmp_path: Path) -> None:
    """Revision 0029 gives tokens an expiry: the tokens already made get none (NULL), and
    the API still takes them."""
    from fastapi.testclient import TestClient

    from poise.app import create_app
    from poise.auth.actions import token_hash
    from poise.settings import Settings

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0028")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, role, is_active, created_at, session_version)"
                " VALUES (1, 'old@example.com', 'Old Timer', 'agent', 1, '2025-01-01', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at)"
                " VALUES (1, 'legacy script', :hash, '2025-01-01')"
            ),
            {"hash": token_hash("poise_legacy")},
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, expires_at FROM api_tokens")).all() == [
            ("legacy script", None)
        ]
    engine.dispose()
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=url,
        secret_key="test-secret-key-for-signing-sessions",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/stats", headers={"Authorization": "Bearer poise_legacy"})
    assert response.status_code == 200, response.text
