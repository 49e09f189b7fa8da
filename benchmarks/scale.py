"""Scale: import, score on 1 and 2 Celery workers, then 50 clients, on PostgreSQL and SQLite.

Run by hand (needs a broker, Redis db 7 by default, and a PostgreSQL database of its own):
    python benchmarks/scale.py [--messages 1000000] [--sqlite-messages 100000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/poise_scale]
        [--clients 50] [--seconds 30] [--web-workers 2] [--turns 4]
        [--think SECONDS ...] [--warm-up SECONDS] [--no-scoring]
        [--text lines|demo] [--scoring-workers N ...] [--threads-each N]
        [--stop-after-scoring]

``--postgres`` names a database of its own: its public schema is dropped and re-created
(``''`` skips PostgreSQL). Issue 15's run: 1,000,000 messages (about 250,000 conversations of
four turns) on PostgreSQL, and the embedded default at 100,000 messages on SQLite. Scoring's
throughput depends on the text (the scorer remembers texts): ``--text demo`` imports the demo
generator's conversations instead of six lines in turn, as the issue's own figures did.

For each database it loads a small demo organisation (for the manual, a team and an admin),
then times:

1. ``poise import --no-score`` of a generated CSV (``import_speed.make_csv``), with its peak
   memory;
2. on PostgreSQL, scoring every customer turn on 1 and then 2 ``poise worker`` processes (scores
   reset in between; ``workers.py``'s runner), the speed-up and each worker's peak memory; on
   SQLite, ``poise signals score`` in one process, the embedded default;
3. the database's size;
4. ``--clients`` concurrent clients for ``--seconds`` against ``poise serve --workers N``, split
   evenly over the assist API, the manual's search API, the conversation list page and a
   conversation page, with p50/p99 and errors per endpoint, and ``/healthz`` polled twice a
   second beside them (``load.py``'s client loop and health poll). Each client pauses a random
   time (``--think``, the mean) between its requests; ``--warm-up`` seconds of the same load
   come first and are not counted.

Goals (issue 15, this 2-core machine): 2 workers >= 1.7x one worker; import >= 10,000 msg/s
into PostgreSQL; at 50 clients p99 < 300 ms for pages and < 100 ms for assist and search, with
0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from import_speed import fresh_database, make_csv, make_demo_csv
from load import (
    ASSIST,
    PASSWORD,
    Tally,
    client_loop,
    free_port,
    ms,
    poll_health,
    prepare,
    wait_ready,
)
from sqlalchemy import text
from workers import WORKER_ENV, _customer_turns, _on_workers, _reset_scores, _stop

from poise.db import make_engine, make_sessionmaker
from poise.settings import Settings

POISE = Path(sys.executable).parent / "poise"
ENDPOINTS = ("assist API", "search API", "list page", "conversation page")


@dataclass
class Figures:
    """One database's results."""

    name: str
    messages: int = 0
    conversations: int = 0
    turns: int = 0
    import_seconds: float = 0.0
    import_peak_mb: float = 0.0
    scoring: str = ""
    rollup_seconds: float = 0.0
    size_mb: float = 0.0


def _timed_command(env: dict[str, str], *args: str) -> tuple[float, float]:
    """Seconds a ``poise`` command took, and its own peak memory (MB)."""
    began = time.perf_counter()
    child = subprocess.Popen([str(POISE), *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"poise {' '.join(args)} failed ({child.returncode})")
    return took, usage.ru_maxrss / 1024


def _database_mb(url: str, folder: Path) -> float:
    if url.startswith("sqlite"):
        return sum(p.stat().st_size for p in folder.glob("scale.db*")) / 1e6
    engine = make_engine(url)
    with engine.connect() as conn:
        size = conn.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return int(size or 0) / 1e6


def _score(
    settings: Settings, env: dict[str, str], folder: Path, postgres: bool, workers: list[int]
) -> str:
    """Score every customer turn: on 1 then 2 workers (PostgreSQL; ``--scoring-workers``
    chooses), in process (SQLite)."""
    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    with maker() as session:
        _reset_scores(session)
        turns = _customer_turns(session)
    try:
        if not postgres:
            took, peak = _timed_command(env, "signals", "score")
            return f"in process: {took:.1f} s, {turns / took:,.0f} msg/s, peak {peak:.0f} MB"
        runs = {}
        for count in workers:
            with maker() as session:
                _reset_scores(session)
            runs[count] = _on_workers(settings, maker, count, folder)
    finally:
        engine.dispose()
    parts = [
        f"{count} worker{'s' if count > 1 else ''} {took:.1f} s ({turns / took:,.0f} msg/s, "
        f"{turns:,} turns, peak {', '.join(f'{m:.0f}' for m in memory)} MB)"
        for count, (took, memory) in runs.items()
    ]
    if 1 in runs and 2 in runs:
        parts.append(f"speed-up {runs[1][0] / runs[2][0]:.2f}x (goal >= 1.7x)")
    return "; ".join(parts)


def _mark_scored(url: str) -> str:
    """``--no-scoring``: every customer turn marked scored in SQL, so the pages and APIs
    under load read a database of the full size without an hour of model work first."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE messages SET signal_version = 'bench', negativity = (id % 10) / 10.0 "
                "WHERE author_role = 'customer'"
            )
        )
    engine.dispose()
    return "skipped (--no-scoring: customer turns marked scored)"


def _sign_in(base: str) -> httpx.Cookies:
    """A browser session for the pages, as the benchmark's admin (``load.prepare``'s user)."""
    with httpx.Client(base_url=base) as http:
        page = http.get("/login").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"email": "load@example.com", "password": PASSWORD}
        http.post("/login", data={**form, "csrf_token": token})
        return http.cookies


def _mixes(ids: list[int]) -> dict[str, list[tuple[str, str, dict | None]]]:
    search = [f"/api/v1/kb/search?q={q}" for q in ("refund", "router+dropping", "bill+doubled")]
    return {
        "assist API": [("POST", "/api/v1/assist", ASSIST)],
        "search API": [("GET", url, None) for url in search],
        "list page": [("GET", f"/conversations?page={n}", None) for n in range(1, 6)],
        "conversation page": [("GET", f"/conversations/{i}", None) for i in ids],
    }


async def _load(
    base: str, token: str, ids: list[int], clients: int, seconds: float, think: float = 0.0
) -> tuple[dict[str, Tally], Tally]:
    """``clients`` clients spread over the endpoints; a tally each, and /healthz's."""
    cookies = _sign_in(base)
    tallies = {name: Tally() for name in ENDPOINTS}
    health = Tally()
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with (
        httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
            limits=limits,
        ) as api,
        httpx.AsyncClient(base_url=base, cookies=cookies, timeout=10.0, limits=limits) as pages,
    ):
        mixes = _mixes(ids)
        loops = []
        for n in range(clients):
            name = ENDPOINTS[n % len(ENDPOINTS)]
            http = api if name.endswith("API") else pages
            mix = itertools.cycle(mixes[name][n:] + mixes[name][:n])
            loops.append(client_loop(http, mix, until, tallies[name], think))
        await asyncio.gather(poll_health(base, until, health.health, health), *loops)
    return tallies, health


def _serve(env: dict[str, str], port: int, web_workers: int) -> subprocess.Popen[bytes]:
    command = [str(POISE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(web_workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_ready(base: str, token: str) -> list[int]:
    """Wait for the server, warm the models (loading them is not load); some conversation ids."""
    wait_ready(base, token, tries=300)
    headers = {"Authorization": f"Bearer {token}"}
    listing = httpx.get(f"{base}/api/v1/conversations", headers=headers, timeout=60).json()
    return [item["id"] for item in listing["items"]]


def _under_load(env: dict[str, str], token: str, args: argparse.Namespace, think: float) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, port, args.web_workers)
    try:
        ids = _wait_ready(base, token)
        if args.warm_up:  # not counted: a fresh process's first requests (see --warm-up)
            asyncio.run(_load(base, token, ids, args.clients, args.warm_up, think))
        tallies, health = asyncio.run(_load(base, token, ids, args.clients, args.seconds, think))
    finally:
        _stop([server])
    pace = f"on average {think:g} s between a client's requests" if think else "closed loop"
    print(
        f"  {args.clients} clients ({pace}), {args.seconds:.0f} s after {args.warm_up:.0f} s "
        f"not counted, poise serve --workers {args.web_workers}"
    )
    print(f"  {'endpoint':<18} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
    for name, tally in tallies.items():
        errors = tally.timeouts + sum(tally.failures.values())
        errors += sum(n for code, n in tally.statuses.items() if code >= 400)
        print(
            f"  {name:<18} {len(tally.latencies) / args.seconds:>7.1f} "
            f"{ms(tally.latencies, 0.5):>7} {ms(tally.latencies, 0.99):>7} {errors:>7}"
        )
    print(
        f"  {'/healthz':<18} {len(health.health) / args.seconds:>7.1f} "
        f"{ms(health.health, 0.5):>7} {ms(health.health, 0.99):>7} {health.health_failures:>7}"
    )


def _report(figures: Figures) -> None:
    print(
        f"{figures.name}: {figures.messages:,} messages in {figures.conversations:,} conversations"
    )
    print(
        f"  import: {figures.import_seconds:.1f} s, "
        f"{figures.messages / figures.import_seconds:,.0f} msg/s (goal >= 10,000 on "
        f"PostgreSQL), peak {figures.import_peak_mb:.0f} MB"
    )
    print(f"  scoring: {figures.scoring}", flush=True)


def run(name: str, url: str, messages: int, args: argparse.Namespace, folder: Path) -> None:
    postgres = not url.startswith("sqlite")
    data_dir = folder / f"{name}-data"
    queue = f"poise-scale-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        environment="test",
        data_dir=data_dir,
        database_url=url,
        broker_url=args.broker,
        broker_queue=queue,
        job_chunk_size=args.chunk_size,
    )
    env = {
        **os.environ,
        "POISE_DATA_DIR": str(data_dir),
        "POISE_DATABASE_URL": url,
        "POISE_ENVIRONMENT": "development",
    }
    fresh_database(url)
    token = prepare(env)  # the demo organisation, an admin and their API token
    csv_path = folder / f"{name}.csv"
    figures = Figures(name, messages, messages // args.turns)
    if args.text == "demo":
        written = make_demo_csv(csv_path, messages)
        figures.conversations = written["conversations"]
        print(
            f"{name}: demo-generator text, {written['customer_turns']:,} customer turns, "
            f"{written['distinct_customer_texts']:,} distinct"
        )
    else:
        make_csv(csv_path, messages, turns=args.turns)
    figures.import_seconds, figures.import_peak_mb = _timed_command(
        env, "import", str(csv_path), "--format", "csv", "--source", "scale", "--no-score"
    )
    csv_path.unlink()
    if args.no_scoring:
        figures.scoring = _mark_scored(url)
    else:
        figures.scoring = _score(settings, env, folder, postgres, args.scoring_workers)
    if args.stop_after_scoring:
        _report(figures)
        return
    # Counted before the load, as a running deployment's rollup is: otherwise the server's
    # own rollup loop counts a quarter of a million queued conversations during the load.
    figures.rollup_seconds, _ = _timed_command(env, "insights", "rollup")
    figures.size_mb = _database_mb(url, folder)
    _report(figures)
    print(f"  insights rollup, every conversation: {figures.rollup_seconds:.1f} s")
    print(f"  database size: {figures.size_mb:,.0f} MB")
    for think in args.think:
        _under_load(env, token, args, think)
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="on PostgreSQL")
    parser.add_argument(
        "--sqlite-messages", type=int, default=None, help="default: --messages / 10; 0 skips"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/poise_scale",
        help="a database of its own (its schema is emptied); '' skips PostgreSQL",
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=4, help="turns per conversation")
    parser.add_argument(
        "--text",
        choices=("lines", "demo"),
        default="lines",
        help="lines: six lines in turn (import and pages); demo: the demo generator's "
        "conversations, whose variety scoring needs (--turns does not apply)",
    )
    parser.add_argument(
        "--scoring-workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="score on each of these worker counts in turn (PostgreSQL)",
    )
    parser.add_argument(
        "--threads-each",
        type=int,
        help="POISE_ENCODER_THREADS for every scoring worker (as if each had that many cores "
        "of its own host, as workers.py's option); default: each uses every core of this one",
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--warm-up",
        type=float,
        default=10.0,
        help="seconds of the same load before the measured ones, not counted: each server "
        "process's first requests compile templates and fit the manual's classifier",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0],
        help="mean seconds between a client's requests, drawn at random (0: none); each value "
        "is a run of its own",
    )
    parser.add_argument(
        "--no-scoring", action="store_true", help="mark turns scored instead of scoring them"
    )
    parser.add_argument(
        "--stop-after-scoring",
        action="store_true",
        help="end each database's run after scoring (no rollup, no load)",
    )
    args = parser.parse_args()
    if args.threads_each:
        WORKER_ENV["POISE_ENCODER_THREADS"] = str(args.threads_each)
    sqlite_messages = args.messages // 10 if args.sqlite_messages is None else args.sqlite_messages
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.postgres:
            run("PostgreSQL", args.postgres, args.messages, args, folder)
        if sqlite_messages:
            run("SQLite", f"sqlite:///{folder / 'scale.db'}", sqlite_messages, args, folder)


if __name__ == "__main__":
    main()
