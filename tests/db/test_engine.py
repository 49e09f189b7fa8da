"""Opening the database: a PostgreSQL address that never answers is given up on, not waited on."""

from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from poise.db import make_engine


def _gives_up_within(url: str, seconds: float, **options: int) -> None:
    """Connect to ``url`` on a socket that takes the connection and says nothing, as a server
    whose packets vanish looks from the client; the attempt must fail within ``seconds``."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        engine = make_engine(url.format(port=silent.getsockname()[1]), **options)
        started = time.monotonic()
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("select 1"))
        assert time.monotonic() - started < seconds
        engine.dispose()


def test_a_database_server_that_never_answers_is_given_up_on() -> None:
    """libpq waits for ever by default: an address whose packets vanish (a firewall, a host
    gone) hung every command and request. (libpq tries more than once, e.g. with and without
    TLS, each within the limit.)"""
    _gives_up_within("postgresql+psycopg://poise@127.0.0.1:{port}/poise", 20, connect_timeout=1)


def test_a_urls_own_connect_timeout_wins() -> None:
    """``?connect_timeout=1`` in the URL is kept, not replaced by the default (here 30)."""
    url = "postgresql+psycopg://poise@127.0.0.1:{port}/poise?connect_timeout=1"
    _gives_up_within(url, 20, connect_timeout=30)
