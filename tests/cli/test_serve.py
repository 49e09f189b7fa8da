"""`poise serve` as a new user meets it: the address it prints answers as soon as it is printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from support import free_port

POISE = Path(sys.executable).parent / "poise"
BANNER = "Poise is at"


def _lines_until(stream: IO[str], wanted: str, seconds: float) -> list[str]:
    """The lines ``stream`` says up to the first holding ``wanted`` (or its end, or the time)."""
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        lines.append(line)
        if not line or wanted in line:
            break
    return lines


def test_the_printed_address_answers_as_soon_as_it_is_printed(tmp_path: Path) -> None:
    """The banner came before uvicorn was started, while the app was still being imported and
    built: a new user opening the link got "connection refused" for seconds."""
    port = free_port()
    env = {
        **os.environ,
        "POISE_ENVIRONMENT": "test",
        "POISE_DATABASE_URL": f"sqlite:///{tmp_path / 'poise.db'}",
        "POISE_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "400",
    }
    with subprocess.Popen(
        [str(POISE), "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            assert server.stderr is not None
            said = _lines_until(server.stderr, BANNER, seconds=60)
            found = re.search(r"http://\S+", said[-1])
            assert BANNER in said[-1] and found, said
            answer = httpx.get(f"{found[0]}/healthz", timeout=5)  # no retry: it answers now
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert answer.status_code == 200, answer.text
    steps = " ".join("".join(said[:-1]).split())
    assert "Checking the database…" in steps and "Loading the web app…" in steps, steps
