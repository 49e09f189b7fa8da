"""Peak memory of ``poise import`` on a 200 MB CSV, in a subprocess, on a fresh SQLite database.

Run by hand:  python benchmarks/import_memory.py [--mb 200] [--baseline-src DIR]

The import runs as ``python -c "from poise.cli import main; main()" import FILE --format csv
--no-score`` in a child process; its peak resident set size is the child's ``ru_maxrss``
(Linux reports kilobytes). The goal: a 200 MB CSV peaks under 1 GB (it used 3.0 GB, about 15x
the file, when the whole file was held as bytes, then text, then every record).

``--baseline-src`` names another checkout's ``src`` (e.g. the main branch's) to measure in the
same run, for a before/after figure from the same file and machine.

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
from pathlib import Path

from import_speed import make_csv

HERE = Path(__file__).resolve().parent
OWN_SRC = HERE.parent / "src"
ROWS_PER_MB = 7_240  # rows of make_csv's file per megabyte, measured


def peak_import(src: Path, csv_path: Path, work: Path) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, last output line) of one import into a fresh database."""
    if work.exists():
        for child in work.iterdir():
            child.unlink()
    work.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "POISE_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
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
    return usage.ru_maxrss / 1024, elapsed, text.splitlines()[-1] if text else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the generated CSV")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "messages.csv"
        make_csv(csv_path, args.mb * ROWS_PER_MB)
        size = csv_path.stat().st_size / 1e6
        print(f"file: {size:.0f} MB, {args.mb * ROWS_PER_MB:,} messages")
        runs = [("this tree", OWN_SRC)]
        if args.baseline_src:
            runs.insert(0, ("baseline", args.baseline_src.resolve()))
        for name, src in runs:
            peak, seconds, last = peak_import(src, csv_path, Path(tmp) / name.replace(" ", "-"))
            print(f"{name}: peak RSS {peak:,.0f} MB ({peak / size:.1f}x the file), {seconds:.0f} s")
            print(f"  {last}")


if __name__ == "__main__":
    main()
