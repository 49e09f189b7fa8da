"""Throughput and latency of the negativity scorer beside VADER, in one run.

Usage: python benchmarks/signals_model.py [--data-dir ../shared/data] [--n 2048]

Texts are the airline tweets when ``../shared/data`` is present (real customer messages),
otherwise generated support messages. The scorer's cache is cleared before each timed pass,
so every message is really scored.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from poise.signals import get_scorer
from poise.signals.vader import compound


def load_texts(data_dir: Path | None, n: int) -> tuple[str, list[str]]:
    """Up to ``n`` distinct realistic messages and the name of where they came from."""
    from poise.signals.training.data import DataMissingError, default_data_dir, load_airline

    try:
        rows = load_airline(data_dir or default_data_dir())
        texts = [t for t, _ in rows]
        source = "airline tweets"
    except DataMissingError:
        from poise.signals.training.support_templates import support_messages

        texts = [t for t, _, _ in support_messages(per_template=60)]
        source = "generated support messages"
    random.Random(0).shuffle(texts)
    return source, texts[:n]


def per_message(fn: Callable[[str], object], texts: list[str]) -> tuple[float, float, float]:
    """Messages/s, p50 and p99 latency (ms) scoring one message at a time."""
    laps = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        laps.append(time.perf_counter() - start)
    laps.sort()
    p99 = laps[min(len(laps) - 1, int(0.99 * len(laps)))]
    return len(laps) / sum(laps), statistics.median(laps) * 1e3, p99 * 1e3


def batched(fn: Callable[[list[str]], object], texts: list[str], size: int = 256) -> float:
    """Messages/s scoring batches of ``size``."""
    start = time.perf_counter()
    for i in range(0, len(texts), size):
        fn(texts[i : i + size])
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--single", type=int, default=500, help="messages timed one by one")
    args = parser.parse_args()
    source, texts = load_texts(args.data_dir, args.n)
    start = time.perf_counter()
    scorer = get_scorer("negativity")
    load_s = time.perf_counter() - start
    scorer.score("warm up the session")
    compound("warm up the lexicon")

    def poise_one(text: str) -> object:
        scorer._cache.clear()
        return scorer.score(text)

    def poise_many(batch: list[str]) -> object:
        scorer._cache.clear()
        return scorer.score_batch(batch)

    rows = []
    rate, p50, p99 = per_message(poise_one, texts[: args.single])
    rows.append((f"poise {scorer.version}", rate, p50, p99, batched(poise_many, texts)))
    rate, p50, p99 = per_message(compound, texts[: args.single])
    rows.append(
        ("vader (baseline)", rate, p50, p99, batched(lambda b: [compound(t) for t in b], texts))
    )
    print(f"{len(texts)} {source}; model loaded in {load_s:.2f}s")
    print(f"{'scorer':32}{'single msg/s':>14}{'p50 ms':>9}{'p99 ms':>9}{'batch-256 msg/s':>17}")
    for name, rate, p50, p99, batch_rate in rows:
        print(f"{name:32}{rate:>14.0f}{p50:>9.2f}{p99:>9.2f}{batch_rate:>17.0f}")


if __name__ == "__main__":
    main()
