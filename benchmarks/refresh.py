"""Bulk scoring of the demo: the whole run, its conversation-signals refresh, drift's embeddings.

Run by hand:  python benchmarks/refresh.py --baseline-src OTHER/src [--rounds 3]
                                           [--conversations 3000]

``--baseline-src`` is the ``src`` folder of another checkout (e.g. the main branch): each round
scores the same demo database (seed 7, ``poise demo``'s 3,000 conversations by default, SQLite)
once with that code and once with this checkout's, in fresh processes, alternating, so both
sides see about the same machine load. Reported per side: the median seconds of
``score_messages`` (what ``poise signals score`` runs), of the conversation-signals refresh
within it, and of drift's embedding calls within that; then this checkout's speed-up over the
baseline, of the medians and within each round (the steadier figure on a shared machine).
Without ``--baseline-src`` only this checkout is measured.

Both sides must store the same drift: every conversation's drifted flag, turn and sentence
are compared, and its drift score within 1e-4 (the column keeps four decimals).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OWN_SRC = Path(__file__).resolve().parents[1] / "src"
PARTS = ("whole", "refresh", "drift_embed")


def prepare(path: Path, conversations: int) -> None:
    """A SQLite database holding the demo, nothing scored yet."""
    from poise.db import make_engine, make_sessionmaker
    from poise.db.migrate import upgrade
    from poise.demo_loader import load_demo

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        now = datetime(2026, 11, 1, tzinfo=UTC)
        load_demo(session, seed=7, conversations=conversations, now=now)
    engine.dispose()


def _timed(fn: Callable[..., Any], clock: dict[str, float], key: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            clock[key] += time.perf_counter() - began

    return wrapper


def measure(path: Path, dump: Path) -> dict[str, float]:
    """Score every customer turn of the database at ``path`` (in this process's code), timed;
    write each conversation's stored drift to ``dump``."""
    from sqlalchemy import func, select

    import poise.conversations.scoring as scoring
    from poise.conversations.models import Conversation, Message
    from poise.db import make_engine, make_sessionmaker
    from poise.signals import get_scorer
    from poise.signals.drift import DriftScorer

    clock = dict.fromkeys(PARTS, 0.0)
    scoring.refresh_conversation_signals = _timed(
        scoring.refresh_conversation_signals, clock, "refresh"
    )
    DriftScorer.embed = _timed(DriftScorer.embed, clock, "drift_embed")  # type: ignore[method-assign]
    get_scorer("negativity").score("warm up")
    get_scorer("drift").embed(["warm up"])
    get_scorer("negativity").clear_cache()
    clock.update(dict.fromkeys(PARTS, 0.0))
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine)() as session:
        began = time.perf_counter()
        scoring.score_messages(session)
        clock["whole"] = time.perf_counter() - began
        customer = select(func.count(Message.id)).where(Message.author_role == "customer")
        clock["messages"] = float(session.scalar(customer) or 0)
        columns = (Conversation.id, Conversation.drifted, Conversation.drift_turn)
        rows = session.execute(
            select(*columns, Conversation.drift_score, Conversation.drift_sentence)
        )
        dump.write_text(json.dumps([list(row) for row in rows]))
    engine.dispose()
    return clock


def _run_side(src: Path, template: Path, work: Path, name: str) -> dict[str, float]:
    """One measurement in a fresh process running the code under ``src``."""
    db, dump = work / f"{name}.db", work / f"{name}.json"
    shutil.copyfile(template, db)
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--child", str(db), str(dump)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def same_drift(a: Path, b: Path) -> int:
    """How many conversations store a different drift on the two sides."""
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    assert [row[0] for row in left] == [row[0] for row in right]
    return sum(
        (x[1], x[2], x[4]) != (y[1], y[2], y[4]) or abs((x[3] or 0) - (y[3] or 0)) > 1e-4
        for x, y in zip(left, right, strict=True)
    )


def compare(args: argparse.Namespace) -> None:
    sides = {"this": OWN_SRC}
    if args.baseline_src:
        sides = {"baseline": Path(args.baseline_src).resolve(), **sides}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        template = work / "demo.db"
        prepare(template, args.conversations)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
            for name in order:
                runs[name].append(_run_side(sides[name], template, work, name))
                print(name, {k: round(v, 2) for k, v in runs[name][-1].items()}, flush=True)
            if len(sides) == 2:
                differ = same_drift(work / "baseline.json", work / "this.json")
                print(f"round {round_ + 1}: conversations whose drift differs: {differ}")
        _report(runs, args)


def _report(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    medians = {
        name: {part: statistics.median(r[part] for r in rs) for part in PARTS}
        for name, rs in runs.items()
    }
    messages = int(runs["this"][0]["messages"])
    print(f"{messages} customer turns, {args.conversations} demo conversations, SQLite, ")
    print(f"{os.cpu_count()} cores, median of {args.rounds} runs a side")
    for name, m in medians.items():
        rate = messages / m["whole"]
        parts = ", ".join(f"{part} {m[part]:.2f} s" for part in PARTS)
        print(f"{name:9}: {parts}  ({rate:.0f} msg/s)")
    if "baseline" in medians:
        ratios = ", ".join(
            f"{part} {medians['baseline'][part] / medians['this'][part]:.2f}x" for part in PARTS
        )
        print(f"speed-up over the baseline, of the medians: {ratios}")
        paired = ", ".join(
            f"{part} {statistics.median(b[part] / t[part] for b, t in rounds):.2f}x "
            f"({min(b[part] / t[part] for b, t in rounds):.2f}-"
            f"{max(b[part] / t[part] for b, t in rounds):.2f})"
            for part in PARTS
            for rounds in [list(zip(runs["baseline"], runs["this"], strict=True))]
        )
        print(f"speed-up within each round, median (range): {paired}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-src", help="the src folder of the code to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "DUMP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child[0]), Path(args.child[1]))))
    else:
        compare(args)


if __name__ == "__main__":
    main()
