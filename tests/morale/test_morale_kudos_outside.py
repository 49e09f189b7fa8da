"""Kudos picks on rated comments no one here wrote: 100 customer tweets (airline and twcs),
hand-labelled praise or not. The label file holds ids and labels only; the text stays in
../shared/data and is joined by ``benchmarks/labelled_sets.py``."""

from __future__ import annotations

import json
from pathlib import Path

from support import benchmark_module, shared_data

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "tests" / "fixtures" / "labels" / "kudos_praise.jsonl"


def test_the_outside_kudos_labels_are_well_formed() -> None:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert [r["position"] for r in rows] == list(range(100))
    for r in rows:
        key = {"row", "digest"} if r["source"] == "airline" else {"row", "tweet_id"}
        assert set(r) == {"position", "source", "praise"} | key and isinstance(r["praise"], bool)
    assert 30 <= sum(r["praise"] for r in rows) <= 70


def test_the_proposed_comment_is_praise_on_outside_rated_comments() -> None:
    shared_data("twitter-airline-sentiment", "Tweets.csv")
    data_dir = shared_data("twcs-sample", "twcs_first5000.csv").parents[1]
    sets = benchmark_module("labelled_sets")
    assert [c.key() for c in sets.draw_kudos(data_dir)] == [
        {k: v for k, v in row.items() if k not in {"position", "praise"}}
        for row in sets.read_labels("kudos_praise")
    ], "the draw no longer reproduces the labelled set"
    result = sets.score_kudos(list(sets.kudos_rows(data_dir)))
    assert result.precision >= 0.95, result.mistakes
    assert result.proposed_precision >= 0.95
    assert result.recall >= 0.7, (result.kept_praise, result.praise)
