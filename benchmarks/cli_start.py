"""Wall time of ``poise`` commands that should answer at once (help, a cheap command), each
beside the floor every command pays: Python starting and importing Typer.

Run by hand:  python benchmarks/cli_start.py [--runs 10] [--baseline-src DIR]

Each command runs as ``python -c "from poise.cli import main; main()" ARGS`` in a child
process, ``--runs`` times, the trees taking turns round by round (so a busy machine slows them
alike), after one round that warms the disk cache; the figure is the median. ``--baseline-src``
names another checkout's ``src`` (e.g. ``git worktree add ../old REV``'s) to measure in the same
run, for a before/after figure from the same machine.

Measured on a busy 2-core machine (load 6 to 7), 10 runs, before and after the commands
imported their database, settings, HTTP client and models as they run: ``poise --help``
3,072 -> 640 ms (4.8x), ``poise users list --help`` 2,890 -> 540 ms (5.4x), ``poise settings
--markdown`` 3,046 -> 876 ms (3.5x), ``poise db current`` 3,341 -> 2,050 ms (1.6x); the floor
(``import typer``) 378 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OWN_SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS = {
    "poise --help": ["--help"],
    "poise users --help": ["users", "--help"],
    "poise users list --help": ["users", "list", "--help"],
    "poise settings --markdown": ["settings", "--markdown"],
    "poise db current": ["db", "current"],
}
FLOOR = "python -c 'import typer'"


def seconds(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run of ``command``, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command} failed: {done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (median)")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src to compare")
    args = parser.parse_args()
    trees = {"this tree": OWN_SRC}
    if args.baseline_src:
        trees = {"baseline": args.baseline_src.resolve(), **trees}
    code = "from poise.cli import main; main()"
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.runs + 1):  # round 0 warms the disk cache
            for tree, src in trees.items():
                env = {
                    **os.environ,
                    "PYTHONPATH": str(src),
                    "POISE_DATA_DIR": str(Path(tmp) / tree.replace(" ", "-")),
                    "POISE_ENVIRONMENT": "test",
                    "COLUMNS": "100",
                }
                for name, argv in COMMANDS.items():
                    took = seconds([sys.executable, "-c", code, *argv], env)
                    if round_:
                        times.setdefault((name, tree), []).append(took)
            took = seconds([sys.executable, "-c", "import typer"], dict(os.environ))
            if round_:
                times.setdefault((FLOOR, ""), []).append(took)
    median = {key: statistics.median(values) * 1000 for key, values in times.items()}
    for name in COMMANDS:
        cells = "  ".join(f"{tree} {median[name, tree]:6.0f} ms" for tree in trees)
        ratio = ""
        if args.baseline_src:
            ratio = f"  ({median[name, 'baseline'] / median[name, 'this tree']:.2f}x)"
        print(f"{name:27} {cells}{ratio}")
    print(f"{FLOOR:27} {median[FLOOR, '']:6.0f} ms")


if __name__ == "__main__":
    main()
