"""Fixtures: every database test runs on SQLite and, when POISE_TEST_DATABASE_URL is set, on
real PostgreSQL too. Each test gets a clean, fully migrated database."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from poise.all_models import Base
from poise.app import create_app
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.settings import Settings
from support import BASE_POSTGRES_URL, CHROMIUM, CHROMIUM_ARGS, POSTGRES_URL

BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


# Files that each keep a worker busy for tens of seconds (real Celery workers, real data, the
# real model, walks of every route), longest first. They run first: pytest-xdist hands files
# out in collection order (``--no-loadscope-reorder`` in pyproject), so the run does not end
# with one worker alone on one of them while the other has nothing left. A file missing here
# only runs later; `pytest --durations=0` shows which files are long (this order: the sum of
# each file's durations in a run on both databases, files over ~25 s).
LONG_FILES = (
    "jobs/test_worker_failures.py",
    "jobs/test_celery_worker.py",
    "web/test_crawler.py",
    "cli/test_cli_walk.py",
    "browser/test_wcag_browser.py",
    "knowledge/test_kb_mining_groups.py",
    "insights/test_insights_demo.py",
    "jobs/test_scheduler.py",
    "jobs/test_cancel.py",
    "insights/test_insights_hotspots.py",
    "test_cli.py",
    "web/test_api_schema_fuzz.py",
    "insights/test_insights_days.py",
    "web/test_route_matrix_reads.py",
    "signals/test_training.py",
    "signals/test_shared_data.py",
    "insights/test_insights_dashboard.py",
    "web/test_route_matrix_writes.py",
    "morale/test_morale_happy_file.py",
    "knowledge/test_kb_search.py",
    "insights/test_insights_rebuild.py",
    "jobs/test_jobs_survive.py",
    "web/test_pool.py",
    "connectors/alerts/test_alerts_events.py",
    "conversations/test_not_openable.py",
    "insights/test_insights_exposure_digest.py",
    "conversations/test_import.py",
    "conversations/test_signals_product.py",
    "cli/test_cli_faults.py",
    "jobs/test_health.py",
)
TESTS = Path(__file__).parent


def _run_order(item: pytest.Item) -> int:
    """A long file's place in ``LONG_FILES``; every other file after them, as collected."""
    name = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
    return LONG_FILES.index(name) if name in LONG_FILES else len(LONG_FILES)


@pytest.hookimpl(trylast=True)  # after pytest's own ordering, kept within each file
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first (see ``LONG_FILES``); and browser journeys run once, on SQLite: their
    PostgreSQL runs are skipped before any set-up (a database, a server and chromium cost
    seconds only to be skipped in the test)."""
    items.sort(key=_run_order)
    for item in items:
        params = getattr(item, "callspec", None)
        backend = params.params.get("database_url") if params else None
        if item.get_closest_marker("browser") and backend not in (None, "sqlite"):
            item.add_marker(pytest.mark.skip(reason="the browser journeys run once, on SQLite"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "poise.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """The PostgreSQL test database, emptied and migrated once per run."""
    assert POSTGRES_URL
    _create_worker_database()
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _create_worker_database() -> None:
    """Create this xdist worker's own database beside the configured one, once per machine."""
    if POSTGRES_URL == BASE_POSTGRES_URL:
        return
    assert BASE_POSTGRES_URL and POSTGRES_URL
    name = make_url(POSTGRES_URL).database
    admin = create_engine(BASE_POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _empty_all(engine: Engine) -> None:
    """Empty every table and restart its ids, as ``TRUNCATE … RESTART IDENTITY`` would.

    TRUNCATE of all 54 tables costs a fifth of a second or more (new files for each table and
    index) where a test writes to a handful: one query finds the tables that hold a row or
    whose id sequence was used, and only those are emptied (children first) and restarted.
    Table and sequence names come from our models and the catalogue, never from a test.
    """
    probe, sequences = _probe(engine)
    with engine.begin() as conn:
        used = set(conn.execute(text(probe)).scalars())
        children_first = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in used]
        # Deleting turns and conversations moves the tallies (database triggers): empty them last.
        children_first.sort(key=lambda name: name in TALLIES)
        if {"conversations", "messages"} & used:
            children_first += [name for name in TALLIES if name not in children_first]
        statements = [f'DELETE FROM "{name}"' for name in children_first]  # noqa: S608
        for name in children_first:
            statements += [f'ALTER SEQUENCE "{seq}" RESTART' for seq in sequences[name]]
        if statements:
            conn.exec_driver_sql("; ".join(statements))


@functools.cache
def _probe(engine: Engine) -> tuple[str, dict[str, list[str]]]:
    """The query naming every table with a row or a used id sequence, and each table's
    sequences (read once from the catalogue: the schema does not change during a run)."""
    with engine.connect() as conn:
        owned = conn.execute(text(_OWNED_SEQUENCES)).all()
    sequences: dict[str, list[str]] = {t.name: [] for t in Base.metadata.sorted_tables}
    for table, sequence in owned:
        if table in sequences:
            sequences[table].append(sequence)
    parts = []
    for table, names in sequences.items():
        tests = [f'EXISTS (SELECT 1 FROM "{table}")']  # noqa: S608
        tests += [f'(SELECT is_called FROM "{name}")' for name in names]  # noqa: S608
        parts.append(f"SELECT '{table}' WHERE {' OR '.join(tests)}")
    return " UNION ALL ".join(parts), sequences


TALLIES = ("conversation_tallies", "emotion_tallies")
_OWNED_SEQUENCES = """
SELECT t.relname, s.relname FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace
"""


_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@functools.cache
def _cheap_dummy_hash() -> str:
    """The stand-in hash an unknown e-mail is verified against, at the tests' cheap cost."""
    return _CHEAP.hash("a password nobody knows")


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap Argon2 parameters for the users tests make (production's cost a tenth of a second
    per user, and the suite makes thousands), except in tests marked ``production_hashing``.

    Verification reads the parameters from each stored hash, so signing in stays real Argon2,
    only with a smaller cost than production's. An unknown e-mail is verified against a
    stand-in hash of the same cheap cost, as production's is of production's cost (a test of
    the throttle tries twenty unknown e-mails, each a production verification before).
    """
    if request.node.get_closest_marker("production_hashing") is None:
        monkeypatch.setattr("poise.auth.actions.hash_password", _CHEAP.hash)
        monkeypatch.setattr("poise.auth.passwords.dummy_hash", _cheap_dummy_hash)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's chromium under Playwright, launched once per test process (starting both costs
    two seconds or more); each browser test gets a context of its own (``browser_page`` in
    tests/browser/conftest.py). Here, not there: the areas' conftests import ``browser_page``,
    and a fixture imported into several conftests would launch once for each."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A clean, migrated database for this test on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "poise.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("postgres_engine")
    _empty_all(engine)
    assert POSTGRES_URL
    return POSTGRES_URL


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-for-signing-sessions",
        page_size=20,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """Point the `poise` command (run in-process) at this test's database."""
    monkeypatch.setenv("POISE_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("POISE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("POISE_ENVIRONMENT", "test")
    return settings
