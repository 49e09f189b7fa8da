"""The web tier never deadlocks: many concurrent API clients, and a pool with no free connection.

Run against a real uvicorn server (the deadlock lived in the event loop, which TestClient
hides). Before the fix, ``api_user`` was ``async def`` and waited for a pooled connection on
the event loop, which only the event loop could free: every request, ``/healthz`` too, hung.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from builders import make_user
from poise.app import create_app
from poise.auth.actions import create_api_token
from poise.settings import Settings
from support import serving

CLIENTS = 60


def _small_pool(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_pool_size": 4, "db_pool_timeout": 1.0})


def test_many_concurrent_api_clients_all_answer(settings: Settings, session: Session) -> None:
    token = create_api_token(session, actor=None, user=make_user(session, role="agent"))
    headers = {"Authorization": f"Bearer {token}"}
    with serving(create_app(_small_pool(settings))) as url:

        def call(_: int) -> int:
            return httpx.get(f"{url}/api/v1/stats", headers=headers, timeout=20).status_code

        # A deadlock shows as a client's 20-second timeout (httpx raises), not as a slow run:
        # no bound on the whole, which only a loaded machine would break.
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(call, range(CLIENTS * 3)))
        assert set(statuses) <= {200, 503}
        assert statuses.count(200) > len(statuses) // 2
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200


def test_a_full_pool_answers_503_fast_and_recovers(settings: Settings, session: Session) -> None:
    token = create_api_token(session, actor=None, user=make_user(session, role="agent"))
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(_small_pool(settings))
    with serving(app) as url:
        engine = app.state.engine
        held = [engine.connect() for _ in range(4 + 5)]  # pool size + background connections
        for connection in held:
            connection.execute(text("SELECT 1"))
        try:
            for path, kwargs in (("/healthz", {}), ("/api/v1/stats", {"headers": headers})):
                started = time.monotonic()
                response = httpx.get(f"{url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]
                assert response.status_code == 503, path
                assert time.monotonic() - started < 5, path
        finally:
            for connection in held:
                connection.close()
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{url}/api/v1/stats", headers=headers, timeout=5).status_code == 200


def test_pool_size_is_a_documented_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, db_pool_size=7)
    assert settings.db_pool_size == 7
