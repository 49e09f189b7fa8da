"""Bulk scoring throughput on Celery workers: 1 worker against 2, on demo-generator data.

Run by hand (needs a broker; Redis db 7 by default):
    python benchmarks/workers.py [--conversations 3000] [--broker redis://127.0.0.1:6379/7]
                                 [--postgres postgresql+psycopg://user@host/DB]

``--postgres`` names a database of its own: its public schema is dropped and re-created.

Each run scores every customer turn of the same database from scratch (scores are reset in
between) and is timed from submitting the job to the job being done, with the workers started
and their models loaded beforehand. Baseline, measured in the same run: the in-process path
(``score_messages`` in this process, as ``poise signals score`` does). Goal (issue 15, on a
2-core machine): 2 workers >= 1.7x the throughput of 1 worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from poise.background import record_only_hooks, split_kinds
from poise.conversations.models import Message
from poise.conversations.scoring import score_messages
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.demo_loader import load_demo
from poise.jobs import JobRun
from poise.jobs.broker import BrokerJobs
from poise.settings import Settings
from poise.signals import get_scorer

POISE = Path(sys.executable).parent / "poise"
WORKER_ENV: dict[str, str] = {}  # set by --threads-each


def _customer_turns(session: Session) -> int:
    query = select(func.count(Message.id)).where(Message.author_role == "customer")
    return int(session.scalar(query) or 0)


def _reset_scores(session: Session) -> None:
    session.execute(update(Message).values(signal_version=None))
    session.commit()


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process and its children (the pool), in MB."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total = max(total, int(line.split()[1]) / 1024)
    return total


def _start_workers(settings: Settings, count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "POISE_DATABASE_URL": settings.resolved_database_url,
        "POISE_DATA_DIR": str(settings.data_dir),
        "POISE_ENVIRONMENT": "test",
        "POISE_BROKER_URL": settings.broker_url or "",
        "POISE_BROKER_QUEUE": settings.broker_queue,
        **WORKER_ENV,
    }
    started = []
    for n in range(count):
        with (logs / f"worker-{count}-{n}.log").open("wb") as out:
            started.append(
                subprocess.Popen(
                    [str(POISE), "worker", "--concurrency", "1"],
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            )
    deadline = time.monotonic() + 120
    while (
        sum(
            (logs / f"worker-{count}-{n}.log").read_text().count("models loaded")
            for n in range(count)
        )
        < count
    ):
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start; see " + str(logs))
        time.sleep(0.2)
    time.sleep(1)  # consumers attached to the queue
    return started


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=30)


def _on_workers(
    settings: Settings, maker: sessionmaker[Session], count: int, logs: Path
) -> tuple[float, list[float]]:
    """Seconds to score everything on ``count`` workers, and each worker's peak RSS (MB)."""
    workers = _start_workers(settings, count, logs)
    jobs = BrokerJobs(maker, settings, splittable=split_kinds(record_only_hooks(settings)))
    try:
        began = time.perf_counter()
        job_id = jobs.submit_split("score", None, subject="benchmark")
        with maker() as session:
            while True:
                session.expire_all()
                job = session.get(JobRun, job_id)
                assert job is not None
                if job.status not in ("queued", "running"):
                    break
                time.sleep(0.1)
            took = time.perf_counter() - began
            assert job.status == "done", job.detail
        memory = [_peak_rss_mb(worker.pid) for worker in workers]
    finally:
        jobs.shutdown()
        _stop(workers)
    return took, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Enough chunks that two workers share them evenly: 1,000 conversations are 7 chunks of 500
    # turns, split 4:3, which caps the ratio at 1.75 before any cost of the workers' own.
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--postgres", help="a database of its own (its schema is emptied)")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument(
        "--threads-each",
        type=int,
        help="POISE_ENCODER_THREADS for every worker (as if each had that many cores of its "
        "own host); default: each worker encodes on every core of this one",
    )
    args = parser.parse_args()
    if args.threads_each:
        WORKER_ENV["POISE_ENCODER_THREADS"] = str(args.threads_each)

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url = args.postgres or f"sqlite:///{work / 'poise.db'}"
        settings = Settings(
            environment="test",
            data_dir=work / "data",
            database_url=url,
            broker_url=args.broker,
            broker_queue=f"poise-bench-{uuid.uuid4().hex[:8]}",
            job_chunk_size=args.chunk_size,
        )
        engine = make_engine(url)
        if args.postgres:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        maker = make_sessionmaker(engine)
        with maker() as session:
            load_demo(session, seed=7, conversations=args.conversations, now=datetime.now(UTC))
            turns = _customer_turns(session)
            get_scorer("negativity"), get_scorer("drift")  # loaded before timing, as workers do
            began = time.perf_counter()
            score_messages(session)
            baseline = time.perf_counter() - began
            _reset_scores(session)

        db = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{turns} customer turns ({args.conversations} demo conversations), {db}, ")
        print(f"broker {args.broker.split('@')[-1]}, chunks of {args.chunk_size} messages")
        each = args.threads_each or f"every core ({os.cpu_count()})"
        print(f"encoder threads: in-process every core, each worker {each}")
        print(f"in-process (baseline): {baseline:6.1f} s  {turns / baseline:7.0f} msg/s")
        one, memory_one = _on_workers(settings, maker, 1, work)
        with maker() as session:
            _reset_scores(session)
        two, memory_two = _on_workers(settings, maker, 2, work)
        for name, took, memory in (("1 worker ", one, memory_one), ("2 workers", two, memory_two)):
            peaks = ", ".join(f"{m:.0f}" for m in memory)
            print(f"{name}:             {took:6.1f} s  {turns / took:7.0f} msg/s  peak MB {peaks}")
        print(f"speed-up, 2 workers over 1: {one / two:.2f}x (goal >= 1.7x)")
        print(f"1 worker against in-process: {baseline / one:.2f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
