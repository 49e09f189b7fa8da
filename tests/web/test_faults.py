"""Faults are visible: a read-only database or a full disk is named, /healthz says degraded,
nothing is left half written, and no traceback reaches anyone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import PASSWORD, csrf_from, make_user
from poise.app import create_app
from poise.settings import Settings

POISE = Path(sys.executable).parent / "poise"


def _read_only_copy(settings: Settings, tmp_path: Path) -> Settings:
    url = settings.resolved_database_url
    if not url.startswith("sqlite"):
        pytest.skip("a read-only SQLite file; PostgreSQL's read-only mode is a server setting")
    source = Path(url.split("///", 1)[1])
    copy = tmp_path / "ro" / "poise.db"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    return settings.model_copy(update={"database_url": f"sqlite:///file:{copy}?mode=ro&uri=true"})


def test_healthz_is_ok_on_a_healthy_database(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["disk"] == "ok"


def test_a_read_only_database_is_degraded_and_says_so(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    user = make_user(session, role="agent")
    read_only = _read_only_copy(settings, tmp_path)
    with TestClient(create_app(read_only)) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"
        assert health.json()["database"] == "read-only"
        token = csrf_from(client.get("/login").text)
        refused = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
    assert refused.status_code == 503
    assert "read-only right now, so nothing was saved" in refused.text
    assert "(error " in refused.text
    assert "Traceback" not in refused.text and "INSERT" not in refused.text.upper()


def test_an_unexpected_error_shows_an_error_id_and_no_traceback(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/api/v1/broken-on-purpose")
    def broken() -> None:
        raise ValueError("secret row data: 4111 1111 1111 1111")

    with TestClient(app) as client:  # an error raised to the server: its log prints it whole
        response = client.get("/api/v1/broken-on-purpose")
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert detail.startswith("Something went wrong on our side (error ")
    assert "4111" not in response.text and "Traceback" not in response.text
    error_id = re.search(r"\(error ([0-9a-f]+)\)", detail).group(1)  # type: ignore[union-attr]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "ValueError" in logged[0].getMessage(), caplog.text
    assert "broken-on-purpose" in logged[0].getMessage()  # the path and where it was raised
    assert "4111" not in caplog.text  # the message may quote a customer: never logged


def _mount(kind: str, target: Path, *options: str) -> bool:
    """Mount a small tmpfs or a read-only bind (needs root; the test skips otherwise)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    target.mkdir(parents=True, exist_ok=True)
    args = ["mount", *options, kind, str(target)]
    return subprocess.run(args, capture_output=True, check=False).returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system to fill up (the migrated database and its log take about 2 MB)."""
    disk = tmp_path / "small"
    if not _mount("tmpfs", disk, "-t", "tmpfs", "-o", "size=4m"):
        pytest.skip("needs root to mount a small tmpfs")
    yield disk
    subprocess.run(["umount", str(disk)], check=False)


def _fill(disk: Path) -> None:
    """Write until the disk is full (it may be full already)."""
    try:
        with (disk / "ballast").open("wb") as handle:
            while True:
                handle.write(b"\0" * 65536)
    except OSError:
        pass


def test_a_full_disk_gives_a_clear_message_and_leaves_no_orphan_file(
    small_disk: Path, settings: Settings
) -> None:
    if not settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("the database lives on the full disk only with SQLite")
    full = settings.model_copy(update={"data_dir": small_disk / "data", "database_url": None})
    from builders import post_import, sign_in
    from poise.db import make_engine, make_sessionmaker
    from poise.db.migrate import upgrade

    engine = make_engine(full.resolved_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        lead = make_user(session, role="lead")
    engine.dispose()
    with TestClient(create_app(full)) as client:
        token = sign_in(client, lead)
        _fill(small_disk)
        assert client.get("/healthz").json()["disk"].startswith("low")
        rows = "".join(f"x{n},chat,customer,hello {n},2026-11-02T10:00:00Z\n" for n in range(5000))
        data = f"conversation_id,channel,author_role,body,sent_at\n{rows}bad,fax,x,y,z\n"
        response = post_import(client, token, "f.csv", data, skip_invalid=True)
    assert response.status_code == 503, response.text[:500]
    assert "disk Poise writes to is full" in response.text
    assert "Traceback" not in response.text
    leftovers = [
        p for p in (small_disk / "data").rglob("*") if p.is_file() and p.stat().st_size == 0
    ]
    assert leftovers == []
