"""`poise serve` as a new user meets it: the address it prints answers as soon as it is printed."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from support import SERVE_BANNER, free_port, poise_serve


def test_the_printed_address_answers_as_soon_as_it_is_printed(tmp_path: Path) -> None:
    """The banner came before uvicorn was started, while the app was still being imported and
    built: a new user opening the link got "connection refused" for seconds."""
    with poise_serve(f"sqlite:///{tmp_path / 'poise.db'}", tmp_path / "data", free_port()) as said:
        found = re.search(r"http://\S+", said[-1])
        assert SERVE_BANNER in said[-1] and found, said
        answer = httpx.get(f"{found[0]}/healthz", timeout=5)  # no retry: it answers now
    assert answer.status_code == 200, answer.text
    steps = " ".join("".join(said[:-1]).split())
    assert "Checking the database…" in steps and "Loading the web app…" in steps, steps
