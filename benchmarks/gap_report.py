"""The gap report's grouping at 1,000 and 5,000 gaps (MAX_GAPS): old against new, one run.

Run by hand:  python benchmarks/gap_report.py [--sizes 1000 5000] [--data-dir DIR] [--random]

Gaps are CLINC150 queries (150 intents in 10 domains, and out-of-scope ones), drawn at random
and embedded with the manual's encoder, as the report embeds a gap without a stored vector:
varied issues, many raised often and many once. Without the data set (or with ``--random``)
they are random unit vectors, which share nothing (one group each: the slowest case).

Baseline, measured in the same run: the grouping as it was, ``np.vstack`` of every centre and
all their norms again for each gap (a colleague measured ~35 s for 5,000 varied gaps on the
2-core machine). The new one keeps the centres in one matrix and their norms beside it,
updated in place, under one BLAS thread. The groups must be identical: every gap carries its
own conversation number, so equal groups mean the same members in the same order.

Measured 2026-12-06 on the shared 2-core machine (old s / new s, best of three for new):
CLINC150, 1,000 gaps (583 groups) 0.29 / 0.015 (19x), 5,000 (1,556 groups) 9.42 / 0.203
(46x; a second run under other load: 16.4 / 0.19, 87x); random vectors, 1,000 gaps
0.36 / 0.022 (17x), 5,000 44.0 / 0.78 (57x).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from poise.knowledge import vectors
from poise.knowledge.gaps import SAME_GAP, GapGroup, _add, _group
from poise.knowledge.models import Gap

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PRODUCTS = ("Router X2", "Poise Mobile", "Billing", None)

Grouping = Callable[[list[Gap], list[np.ndarray]], list[GapGroup]]


def old_group(gaps: list[Gap], found: list[np.ndarray]) -> list[GapGroup]:
    """The grouping before this change, verbatim."""
    groups: list[GapGroup] = []
    centres: list[np.ndarray] = []
    for gap, vector in zip(gaps, found, strict=True):
        at = _old_nearest(centres, vector)
        if at is None:
            groups.append(GapGroup(example=gap.query))
            centres.append(vector)
            at = len(groups) - 1
        else:
            centres[at] = centres[at] + vector
        _add(groups[at], gap)
    return sorted(groups, key=lambda g: (-g.count, g.example))


def _old_nearest(centres: list[np.ndarray], vector: np.ndarray) -> int | None:
    if not centres:
        return None
    matrix = np.vstack(centres)
    sims = matrix @ vector / np.maximum(np.linalg.norm(matrix, axis=1), 1e-9)
    best = int(sims.argmax())
    return best if sims[best] >= SAME_GAP else None


def clinc_queries(data_dir: Path) -> list[str]:
    data = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return [query for part in data.values() for query, _intent in part]


def make_gaps(
    n: int, queries: list[str] | None, seed: int = 1
) -> tuple[list[Gap], list[np.ndarray]]:
    """``n`` gaps, unsaved, newest first as the report reads them, with their vectors."""
    rng = random.Random(seed)
    if queries is None:
        words = [f"random issue {i}" for i in range(n)]
        raw = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
        found = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    else:
        words = rng.sample(queries, n)
        found = vectors.encode(words)
    gaps = [
        Gap(
            query=q,
            best_score=round(rng.random() * 0.3, 3),
            best_article_id=rng.choice((None, 1, 2, 3)),
            conversation_id=i,
            product=rng.choice(PRODUCTS),
        )
        for i, q in enumerate(words)
    ]
    return gaps, list(found)


def timed(
    grouping: Grouping, gaps: list[Gap], found: list[np.ndarray]
) -> tuple[float, list[GapGroup]]:
    start = time.perf_counter()
    groups = grouping(gaps, found)
    return time.perf_counter() - start, groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--random", action="store_true", help="random unit vectors, no CLINC150")
    args = parser.parse_args()
    have = (args.data_dir / "clinc150" / "data_full.json").exists()
    queries = clinc_queries(args.data_dir) if have and not args.random else None
    print(f"gaps from {'CLINC150 queries, embedded' if queries else 'random unit vectors'}")
    print(f"{'gaps':>6} {'groups':>6} {'old s':>8} {'new s':>8} {'ratio':>7}")
    for n in args.sizes:
        gaps, found = make_gaps(n, queries)
        old_s, old = timed(old_group, gaps, found)
        runs = [timed(_group, gaps, found) for _ in range(3)]  # the best of three
        assert all(new == old for _, new in runs), f"different groups at {n} gaps"
        new_s, new = min(runs, key=lambda run: run[0])
        print(f"{n:>6} {len(new):>6} {old_s:>8.2f} {new_s:>8.3f} {old_s / new_s:>6.0f}x")


if __name__ == "__main__":
    main()
