"""CLINC150 drift pairs: (purpose, follow-up, drifted) built from one split."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from poise.signals.training.data import clinc_rows

Pair = tuple[str, str, int]


def drift_pairs(data_dir: Path, split: str, seed: int = 29) -> list[Pair]:
    """For each in-scope query: one same-intent follow-up (0) and one switched-intent one (1)."""
    rows = clinc_rows(data_dir)[split]
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        by_intent[intent].append(text)
    intents = sorted(by_intent)
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for intent in intents:
        for text in by_intent[intent]:
            same = rng.choice([t for t in by_intent[intent] if t != text])
            other = rng.choice([i for i in intents if i != intent])
            pairs.append((text, same, 0))
            pairs.append((text, rng.choice(by_intent[other]), 1))
    return pairs
