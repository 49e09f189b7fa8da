"""Peak memory, time and CPU of ``poise import`` in a subprocess, on a fresh database.

Run by hand:  python benchmarks/import_memory.py [--mb 200 | --messages N] [--agents 20]
              [--postgres URL] [--baseline-src DIR]

The import runs as ``python -c "from poise.cli import main; main()" import FILE --format csv
--no-score`` in a child process; its peak resident set size is the child's ``ru_maxrss``
(Linux reports kilobytes). The goal: a 200 MB CSV peaks under 1 GB (it used 3.0 GB, about 15x
the file, when the whole file was held as bytes, then text, then every record).

``--baseline-src`` names another checkout's ``src`` (e.g. ``git worktree add ../old REV``'s) to
measure in the same run, for a before/after figure from the same file and machine. With
``--postgres URL`` (a scratch database: its public schema is wiped) each tree also imports into
PostgreSQL. ``--agents N`` (default 20) makes N users whose e-mails the agent turns carry.
The importer's CPU seconds are the child's user + system time; on PostgreSQL the server's work
is not in them, only in the wall time.

Measured on a busy 2-core machine, one run, 204 MB / 1,448,000 messages: whole-file import
(baseline) 2,783 MB peak in 386 s; streamed 598 MB peak in 515 s (two passes over the file).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from import_speed import make_csv

HERE = Path(__file__).resolve().parent
OWN_SRC = HERE.parent / "src"
ROWS_PER_MB = 7_240  # rows of make_csv's file per megabyte, measured


@dataclass
class Measured:
    peak_mb: float
    seconds: float
    cpu: float  # the importer's user + system seconds
    last: str  # its last line of output


def peak_import(src: Path, csv_path: Path, work: Path, url: str) -> Measured:
    """Peak RSS (MB), seconds, CPU seconds and last output line of one import into ``url``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "POISE_DATABASE_URL": url,
        "POISE_DATA_DIR": str(work),
        "POISE_ENVIRONMENT": "test",
        "COLUMNS": "200",
    }
    code = "from poise.cli import main; main()"
    command = [sys.executable, "-c", code, "import", str(csv_path), "--format", "csv", "--no-score"]
    log = work / "output.txt"
    start = time.perf_counter()
    with log.open("wb") as output:
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    text = log.read_text("utf-8", "replace").strip()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {text[-2000:]}")
    last = text.splitlines()[-1] if text else ""
    return Measured(usage.ru_maxrss / 1024, elapsed, usage.ru_utime + usage.ru_stime, last)


def prepare(src: Path, url: str, agents: int) -> None:
    """A fresh database migrated by ``src``'s own migrations, with the agents, in a child
    process: a baseline older than this tree's newest migration cannot open a database
    this tree has migrated."""
    code = (
        "import sys; from import_speed import fresh_database, add_agents; "
        "fresh_database(sys.argv[1]); add_agents(sys.argv[1], int(sys.argv[2]))"
    )
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{HERE}"}
    subprocess.run([sys.executable, "-c", code, url, str(agents)], env=env, check=True)


def fresh_work(work: Path) -> None:
    if work.exists():
        for child in work.iterdir():
            child.unlink()
    work.mkdir(exist_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the generated CSV")
    parser.add_argument("--messages", type=int, help="messages in the file (instead of --mb)")
    parser.add_argument("--agents", type=int, default=20, help="agents with e-mails; 0: none")
    parser.add_argument("--postgres", default="", help="URL of a scratch PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true", help="import into PostgreSQL only")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src to compare")
    args = parser.parse_args()
    messages = args.messages or args.mb * ROWS_PER_MB
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "messages.csv"
        make_csv(csv_path, messages, agents=args.agents)
        size = csv_path.stat().st_size / 1e6
        print(f"file: {size:.0f} MB, {messages:,} messages, {args.agents} agents with e-mails")
        runs = [("this tree", OWN_SRC)]
        if args.baseline_src:
            runs.insert(0, ("baseline", args.baseline_src.resolve()))
        backends = {} if args.no_sqlite else {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        if args.postgres:
            backends["postgresql"] = args.postgres
        for backend, url in backends.items():
            for name, src in runs:
                work = Path(tmp) / f"{backend}-{name.replace(' ', '-')}"
                fresh_work(work)
                if backend == "sqlite":
                    url = f"sqlite:///{work / 'bench.db'}"
                prepare(src, url, args.agents)
                got = peak_import(src, csv_path, work, url)
                print(
                    f"{backend:<10} {name:<9}: {messages / got.seconds:>7,.0f} msg/s, "
                    f"{got.seconds:.1f} s, importer CPU {got.cpu:.1f} s, "
                    f"peak RSS {got.peak_mb:,.0f} MB ({got.peak_mb / size:.1f}x the file)"
                )
                print(f"  {got.last}")


if __name__ == "__main__":
    main()
