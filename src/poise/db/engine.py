"""Engine and session factory: SQLite with WAL and foreign keys, PostgreSQL with a pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while an import writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


BACKGROUND_CONNECTIONS = 5
# Seconds to open a PostgreSQL connection. libpq's default is to wait for ever: a database
# address whose packets are dropped (a firewall, a host gone) hung every command and request
# for minutes. A URL's own ``?connect_timeout=N`` wins.
CONNECT_TIMEOUT = 10


def make_engine(
    url: str,
    *,
    pool_size: int = 20,
    pool_timeout: float = 5.0,
    connect_timeout: int = CONNECT_TIMEOUT,
) -> Engine:
    """Create the engine for ``url``, creating the SQLite file's directory if needed.

    ``pool_size`` matches the web tier's request threads (see ``poise.app``), and a few more
    connections are kept for background work, so a request thread never waits on a connection
    held by another request. ``pool_timeout`` bounds the wait if it ever has to: a full pool
    answers 503 quickly instead of hanging.

    ``hide_parameters``: a statement's error (and its log, with ``echo``) says its SQL, not its
    values, which are customers' words (see :mod:`poise.faults`).
    """
    pool = {
        "pool_size": pool_size,
        "max_overflow": BACKGROUND_CONNECTIONS,
        "pool_timeout": pool_timeout,
    }
    if url.startswith("sqlite"):
        # sqlite:// (in memory) has no path; cut from the text, it named a folder "sqlite:"
        path = (make_url(url).database or "").removeprefix("file:")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, hide_parameters=True, **pool
            )
        else:
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, hide_parameters=True
            )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    waits = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": connect_timeout}
    return create_engine(url, pool_pre_ping=True, connect_args=waits, hide_parameters=True, **pool)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (templates read them later)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
