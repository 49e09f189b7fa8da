"""Checks that read ``../shared/data`` (skipped when it is absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from poise.signals.training.data import (
    airline_half,
    cfpb_examples,
    clinc_examples,
    load_airline,
)
from poise.signals.training.drift_pairs import drift_pairs

pytestmark = pytest.mark.shared_data


def test_airline_is_deduplicated(shared_data: Path) -> None:
    rows = load_airline(shared_data)
    assert len(rows) == 14640 - 213
    assert len({t for t, _ in rows}) == len(rows)


def test_airline_halves_split_the_set_evenly_and_stably(shared_data: Path) -> None:
    halves = Counter(airline_half(t) for t, _ in load_airline(shared_data))
    assert set(halves) == {"dev", "test"}
    assert abs(halves["dev"] - halves["test"]) < 0.02 * sum(halves.values())
    assert airline_half("where is my bag?") == airline_half("where is my bag?")


def test_cfpb_chunks_carry_no_redaction_tokens(shared_data: Path) -> None:
    chunks = [e.text for e in cfpb_examples(shared_data)]
    assert len(chunks) > 10000
    assert not any("XXXX" in c or "{$" in c or "XX/XX" in c for c in chunks)
    assert all(e.negative == 1 for e in cfpb_examples(shared_data))


def test_clinc_problem_intents_are_half_weight_negatives(shared_data: Path) -> None:
    labels = Counter(
        (e.negative, e.weight) for e in clinc_examples(shared_data) if e.split == "train"
    )
    assert labels[(1, 0.5)] == 6 * 100
    assert labels[(0, 1.0)] > 14000


def test_drift_pairs_are_balanced(shared_data: Path) -> None:
    pairs = drift_pairs(shared_data, "test")
    assert Counter(p[2] for p in pairs) == {0: 4500, 1: 4500}
    assert all(a != b for a, b, _ in pairs)
