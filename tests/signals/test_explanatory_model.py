"""The learned explanatory-style heads: shipped artifact, calls beside the rules, training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from poise.signals.explanatory import ExplanatoryScorer
from poise.signals.explanatory_model import ARTIFACT, ExplanatoryHeads
from poise.signals.training import explanatory as training


def _ratings(scorer: ExplanatoryScorer, text: str) -> list[int]:
    return [d.rating for d in scorer.score(text).dimensions]


def test_a_mistake_told_without_a_stock_phrase_is_called_personal_with_the_rules_evidence() -> None:
    """The rules' known miss: no cue, so "can't tell"; the heads call it personal, and the
    rating moves just across 4/5 while the evidence stays the rules' own."""
    text = "I typed the wrong postcode into the booking."
    rules = ExplanatoryScorer(learned=False).score(text)
    learned = ExplanatoryScorer().score(text)
    assert rules.personal.rating == 4 and not rules.personal.pessimistic
    assert learned.personal.rating == 5 and learned.personal.pessimistic
    assert learned.pervasive.evidence == rules.pervasive.evidence
    assert learned.version == "explanatory-2026.12.1"


def test_a_contrastive_pair_flips_permanence_only() -> None:
    scorer = ExplanatoryScorer()
    habit = scorer.score("I always freeze with angry callers.")
    once = scorer.score("I froze with that angry caller today.")
    assert habit.permanent.pessimistic and not once.permanent.pessimistic
    assert habit.personal.pessimistic and once.personal.pessimistic
    assert not habit.pervasive.pessimistic and not once.pervasive.pessimistic


def test_a_few_words_are_rated_by_the_rules_alone() -> None:
    assert _ratings(ExplanatoryScorer(), "Hello.") == [4, 4, 4]
    assert _ratings(ExplanatoryScorer(), "ok thanks") == [4, 4, 4]


def test_the_artifact_round_trips_and_refuses_other_dimensions(tmp_path: Path) -> None:
    heads = ExplanatoryHeads.load(ARTIFACT)
    assert heads.weights.shape[0] == 3 and heads.weights.shape[1] >= 384
    heads.save(tmp_path / "heads.npz")
    again = ExplanatoryHeads.load(tmp_path / "heads.npz")
    x, rules = np.ones((1, 384)) / 20, np.array([[1.0, -1.0, 2.0]])
    assert np.allclose(heads.from_parts(x, rules), again.from_parts(x, rules), atol=1e-5)
    np.savez(tmp_path / "bad.npz", dimensions=np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="dimensions differ"):
        ExplanatoryHeads.load(tmp_path / "bad.npz")


def test_a_corpus_line_without_three_digits_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("# comment\n101\tI always forget.\n12\tno\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:3"):
        training.read_tsv(path)


def test_the_corpus_covers_both_sides_and_fresh_is_kept_apart() -> None:
    train, fresh = training.read_corpus()
    assert len(train) >= 400 and len(fresh) >= 40
    labels = np.array([r.labels for r in train])
    assert labels.min(axis=0).tolist() == [0, 0, 0] and labels.max(axis=0).tolist() == [1, 1, 1]
    assert not {r.text for r in fresh} & {r.text for r in train}


def test_heads_fitted_on_the_corpus_beat_both_baselines_on_the_fresh_rows(tmp_path: Path) -> None:
    """A small training run: the authored corpus alone, one design, scored on ``fresh``."""
    train, fresh = training.read_corpus()
    embed = training.cached_embed()
    heads = training.fit(training.with_variants(train), embed, training.Design("all", 3.0, 0.5))
    heads.save(tmp_path / "heads.npz")
    report = training.compare(fresh, ExplanatoryHeads.load(tmp_path / "heads.npz"), embed)
    assert report["learned"]["mean"] > report["rules"]["mean"] > report["never_pessimistic"]["mean"]


def test_eval_prints_the_same_table_with_the_learned_call(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from poise.cli import app

    rows = [
        {
            "text": "I typed the wrong postcode into the booking.",
            "permanent": 0,
            "pervasive": 0,
            "personal": 1,
        },
        {
            "text": "The courier lost his parcel this week.",
            "permanent": 0,
            "pervasive": 0,
            "personal": 0,
        },
    ]
    data = tmp_path / "set.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "explanatory-style", "--data", str(data)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "n = 2   rules explanatory-2026.12.1"
    assert lines[1].split() == ["dimension", "accuracy", "f1"]
    assert lines[4].split() == ["personal", "1.0000", "1.0000"]
    assert lines[5].split() == ["mean", "1.0000"]
