"""How long one Happy File collection takes on a built demo, as each scoring job runs it.

Run by hand, after ``POISE_DATA_DIR=FOLDER poise demo --no-serve``::

    python benchmarks/happy_collect.py FOLDER/poise.db [--runs 3]

Works on a copy of the database, migrated to the newest revision. Every scoring job ends
with a collection over every owner (``collect_happy_items``), which reads each satisfied
customer turn not yet in a file and judges those whose verdict is not kept: the first run
after the demo (or after the upgrade that added the verdicts) judges them all, the later runs
find nothing new, so their time is what every later job pays. The feeling model's text cache
is cleared before each run, as a fresh worker process would start.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.morale.actions import collect_happy_items
from poise.signals import get_scorer


def time_runs(database: Path, runs: int) -> list[tuple[float, str]]:
    """(seconds, counts) of ``runs`` collections on a copy of ``database``."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "poise.db"
        shutil.copyfile(database, copy)
        engine = make_engine(f"sqlite:///{copy}")
        upgrade(engine)  # a demo built before the newest revision is brought up to it
        sessions = make_sessionmaker(engine)
        scorer = get_scorer("negativity")
        scorer.score("warm up")  # the model loads once per process, not per collection
        timings = []
        for _ in range(runs):
            scorer.clear_cache()
            with sessions() as session:
                start = time.perf_counter()
                counts = collect_happy_items(session)
                timings.append((time.perf_counter() - start, str(counts)))
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="a demo's poise.db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for seconds, counts in time_runs(args.database, args.runs):
        print(f"{seconds:6.2f} s  {counts}")


if __name__ == "__main__":
    main()
