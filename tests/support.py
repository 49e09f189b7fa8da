"""Where the tests find PostgreSQL and the shared sample data."""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from poise.jobs import ACTIVE, JobRun


def _worker_database(url: str | None) -> str | None:
    """The PostgreSQL database of this pytest-xdist worker: the given one's name + the worker id.

    Tests empty the database between them, so two workers sharing one would truncate each
    other's rows mid-test; each gets its own (created on first use by ``postgres_engine``).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    named = parsed.set(database=f"{parsed.database}_{worker}")
    return named.render_as_string(hide_password=False)


BASE_POSTGRES_URL = os.environ.get("POISE_TEST_DATABASE_URL")
POSTGRES_URL = _worker_database(BASE_POSTGRES_URL)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared/data is only beside CI's and developers' clones")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


POISE = Path(sys.executable).parent / "poise"
SERVE_BANNER = "Poise is at"


@contextmanager
def poise_serve(database_url: str, data_dir: Path, port: int) -> Iterator[list[str]]:
    """`poise serve` on ``port`` in a process of its own, as a user starts it: yields the
    lines it said up to its banner (or its end, after a minute at most) while it still runs,
    and stops it after."""
    env = {
        **os.environ,
        "POISE_ENVIRONMENT": "test",
        "POISE_DATABASE_URL": database_url,
        "POISE_DATA_DIR": str(data_dir),
        "COLUMNS": "400",
    }
    command = [str(POISE), "serve", "--port", str(port)]
    with subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as server:
        try:
            assert server.stderr is not None
            lines: list[str] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = server.stderr.readline()
                lines.append(line)
                if not line or SERVE_BANNER in line:
                    break
            yield lines
        finally:
            server.terminate()
            server.wait(timeout=30)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with a real uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def benchmark_module(name: str) -> ModuleType:
    """A script of ``benchmarks/`` (not a package) imported by path, e.g. the labelled sets'
    draws, so a test checks the very code that drew a committed set."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def said(response: httpx.Response, record_id: int) -> str:
    """What an answer says (the API's JSON, the page's main part), the id asked for blanked,
    to compare two answers word for word (a refused record against a missing one)."""
    if response.headers["content-type"].startswith("application/json"):
        text = response.text
    else:
        found = re.search(r"<main[^>]*>(.*?)</main>", response.text, re.S)
        assert found is not None, response.text[:300]
        text = found.group(1)
    return re.sub(rf"\b{record_id}\b", "{id}", text)


def answer_to_head(url: str, head: str) -> bytes:
    """Send only a request's head (its declared body never follows) to the server at ``url``;
    the whole answer (head and body), or ``b""`` when the server is still waiting for the
    body after 5 seconds. An answer at all shows the body was never awaited."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode())
        answer = b""
        try:
            while not _complete(answer):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            pass
        return answer


def _complete(answer: bytes) -> bool:
    """Whether ``answer`` holds a whole response (its head and ``Content-Length`` bytes)."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return length is None or len(body) >= int(length.group(1))


@contextmanager
def statements_naming(*columns: str) -> Iterator[list[str]]:
    """The SQL statements run inside the block that name any of ``columns`` (e.g.
    ``"messages.body"``): a test of a long thread asserts each has a LIMIT, i.e. that no read
    goes through the whole thread."""
    with statements_where(lambda statement: any(column in statement for column in columns)) as seen:
        yield seen


WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE")


@contextmanager
def writes() -> Iterator[list[str]]:
    """The writing statements any engine runs inside the block: a GET runs none."""
    with statements_where(lambda statement: statement.lstrip().upper().startswith(WRITES)) as seen:
        yield seen


@contextmanager
def statements_where(keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """The SQL statements any engine runs inside the block that ``keep`` keeps."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if keep(statement):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def fails_once(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, error: Exception) -> None:
    """Make ``owner.name`` raise ``error`` on its next call only, then work as before: a model
    failing once (its runtime out of memory, a file being replaced), while the database, the
    queue and the HTTP layer around it stay real."""
    real = getattr(owner, name)
    failed: list[bool] = []

    def once(*args: object, **kwargs: object) -> object:
        if not failed:
            failed.append(True)
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, once)


def ended_job(session: Session, job_id: int, seconds: float = 60) -> JobRun:
    """The job once it has ended (done, failed…), read afresh; fails the test after
    ``seconds``, saying how it stood. (``builders.finished_job`` finds a job by its subject.)"""
    deadline = time.monotonic() + seconds
    while (job := session.get(JobRun, job_id)) is None or job.status in ACTIVE:
        stood = "missing" if job is None else f"{job.status}: {job.detail}"
        assert time.monotonic() < deadline, f"job {job_id} did not end in {seconds} s ({stood})"
        time.sleep(0.05)
        session.expire_all()
    return job
