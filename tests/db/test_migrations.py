"""Migrations build the whole schema from empty, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect, make_url, select, text

from poise.all_models import Base
from poise.db import make_engine
from poise.db.derived import SEARCH_TABLES, TRIGRAM_INDEXES, compared
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
            context = MigrationContext.configure(conn, opts={"include_name": compared})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert search_index(engine) == EXPECTED_SEARCH_INDEX[backend], (
            "the comparison leaves out the search index: it must be there"
        )
        upgrade(engine)  # a second upgrade is a no-op
    finally:
        if backend == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA migration_test CASCADE"))
        engine.dispose()


EXPECTED_SEARCH_INDEX = {
    "sqlite": {
        *SEARCH_TABLES,
        *(
            f"{table}_search_{event}"
            for table in ("conversations", "customers")
            for event in ("insert", "update", "delete")
        ),
    },
    "postgresql": set(TRIGRAM_INDEXES),
}


def search_index(engine: Engine) -> set[str]:
    """The conversation search's tables and triggers (SQLite) or indexes (PostgreSQL)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE name LIKE '%search%'"
                    " AND (type = 'trigger' OR sql LIKE 'CREATE VIRTUAL TABLE%')"
                )
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"
                    " AND schemaname = current_schema()"
                )
            )
        return set(rows.scalars())


def test_the_search_index_holds_the_rows_written_before_it(tmp_path: Path) -> None:
    """Revision 0030 indexes the conversations and customers already stored, and its
    triggers index those written after it. (A later migration that copies ``conversations``
    or ``customers`` to alter them drops their triggers: it must make them again.)"""
    from poise.conversations.models import Conversation
    from poise.conversations.queries import search

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0029")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, source, external_id, name, created_at)"
                " VALUES (1, 'zendesk', 'c-77', 'Wanjiru Kamau', '2025-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO conversations (id, source, external_id, channel, subject, purpose,"
                " tags, status, customer_id, opened_at, message_count, created_at)"
                " VALUES (1, 'zendesk', 'zd-1', 'email', 'Refund not received', '', '[]',"
                " 'open', 1, '2025-01-01', 0, '2025-01-01')"
            )
        )
    upgrade(engine)
    assert search_index(engine) == EXPECTED_SEARCH_INDEX["sqlite"]
    with engine.connect() as conn:
        for words in ("fund", "kamau", "zd-1", "c-77 REFUND"):
            query = select(Conversation.id).where(search(words))
            assert conn.execute(query).scalars().all() == [1], words
        assert conn.execute(select(Conversation.id).where(search("parrot"))).all() == []
    engine.dispose()


def test_postgresql_without_pg_trgm_warns_and_searches_by_reading_every_row(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A role that may not create the pg_trgm extension still migrates: a warning says the
    search has no index and how to give it one, and the search reads every row as before."""
    if not POSTGRES_URL:
        pytest.skip("POISE_TEST_DATABASE_URL is not set")
    from sqlalchemy.orm import Session

    from poise.conversations.models import Conversation
    from poise.conversations.queries import common_words, search

    base = make_url(POSTGRES_URL)
    name = f"{base.database}_no_trgm"
    role = f"poise_no_trgm_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA poise AUTHORIZATION {role}"))
            assert (
                conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"))
                == 0
            )

        @event.listens_for(engine, "connect")
        def _as_the_role(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute(f"SET ROLE {role}; SET search_path TO poise")
            cursor.close()

        engine.dispose()
        with caplog.at_level(logging.WARNING, logger="poise.db.migrations"):
            upgrade(engine)
        assert current_revision(engine) == head_revision()
        warned = [r.getMessage() for r in caplog.records if r.name == "poise.db.migrations"]
        assert len(warned) == 1, warned
        assert "left without its index" in warned[0] and "pg_trgm" in warned[0], warned
        assert "permission denied" in warned[0] and "docs/deploy.md" in warned[0], warned
        assert search_index(engine) == set()
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": compared})
            assert compare_metadata(context, Base.metadata) == []
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO conversations (source, external_id, channel, subject, purpose,"
                    " tags, status, opened_at, message_count, created_at) VALUES ('zendesk',"
                    " 'zd-1', 'email', 'Refund not received', '', '[]', 'open', now(), 0, now())"
                )
            )
            found = conn.execute(select(Conversation.external_id).where(search("FUND")))
            assert found.scalars().all() == ["zd-1"]
            assert common_words(Session(conn), "fund it ok") == {"fund"}, (
                "without the index every word is read as before it (no look-up first)"
            )
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


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


def test_quiz_attempts_sent_before_marks_were_kept_keep_none(tmp_path: Path) -> None:
    """Revision 0031 keeps each answer's mark with a quiz attempt: attempts already stored get
    none (NULL) rather than marks graded by today's rules, and keep their total."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0030")
    with engine.begin() as conn:
        for statement in (
            "INSERT INTO users (id, email, name, role, is_active, created_at, session_version)"
            " VALUES (1, 'old@example.com', 'Old Timer', 'agent', 1, '2025-01-01', 1)",
            "INSERT INTO training_lessons (id, current_number, created_at)"
            " VALUES (1, 1, '2025-01-01')",
            "INSERT INTO training_lesson_versions (id, lesson_id, number, title, body, quiz,"
            " created_at) VALUES (1, 1, 1, 'Refunds', '', '[]', '2025-01-01')",
            "INSERT INTO training_quiz_attempts (user_id, lesson_id, version_id, score, passed,"
            " answers, created_at) VALUES (1, 1, 1, 0.75, 1, '[\"refund it\"]', '2025-01-01')",
        ):
            conn.execute(text(statement))
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT score, marks FROM training_quiz_attempts")).all()
    assert rows == [(0.75, None)]
    engine.dispose()
