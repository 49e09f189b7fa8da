"""The feeling head's support shift: fitted by maximum likelihood, moving odds and nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from poise.signals.conversation import escalation_risk
from poise.signals.feeling import SUPPORT_SHIFT, FeelingHead, moved
from poise.signals.registry import ARTIFACTS, clear_cache, get_scorer
from poise.signals.training.feeling import fit_negative_shift


def test_the_fitted_shift_recovers_the_odds_that_made_the_labels() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(0.0, 2.0, 20_000)
    truth = (rng.random(z.size) < 1 / (1 + np.exp(-(z + 0.8)))).astype(float)
    p = 1 / (1 + np.exp(-z))
    assert fit_negative_shift(p, truth) == pytest.approx(0.8, abs=0.08)
    assert fit_negative_shift(p, 1 - truth) < -0.5


def test_a_shift_needs_both_kinds_of_message() -> None:
    with pytest.raises(ValueError, match="both"):
        fit_negative_shift(np.array([0.2, 0.9]), np.array([1.0, 1.0]))


def test_the_shift_multiplies_the_odds_of_negative_only() -> None:
    rng = np.random.default_rng(1)
    head = FeelingHead(rng.normal(size=(4, 3)), rng.normal(size=3))
    x = rng.normal(size=(5, 4))
    before, after = head.probabilities(x), head.shifted(0.7).probabilities(x)
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert np.allclose(odds(after[:, 0]) / odds(before[:, 0]), np.exp(0.7))
    assert np.allclose(after[:, 1] / after[:, 2], before[:, 1] / before[:, 2])
    assert np.allclose(after.sum(axis=1), 1.0)


def test_calibrate_only_fits_the_shift_of_the_shipped_head(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path, fixture_data: Path
) -> None:
    artifacts = tmp_path / "artifacts"
    shutil.copytree(ARTIFACTS, artifacts)
    labelled = tmp_path / "support.jsonl"
    rows = [
        ("My parcel is two days late, can you check where it is?", "negative"),
        ("The app logs me out every time I open it.", "negative"),
        ("I was charged twice for one order.", "negative"),
        ("Thanks, that fixed it!", "positive"),
    ]
    labelled.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in rows))
    args = ["train", "feeling", "--artifacts", str(artifacts), "--version", "negativity-test.9"]
    # The model card is measured again after the fit: on the fixture data (seconds), not on
    # ../shared/data (minutes on two cores); which data the card reads is not what this checks.
    args += ["--data-dir", str(fixture_data)]

    refused = runner.invoke(cli, [*args, "--calibrate-only"])
    assert refused.exit_code == 2
    assert "--calibrate-on" in refused.stderr

    done = runner.invoke(cli, [*args, "--calibrate-only", "--calibrate-on", str(labelled)])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    manifest = json.loads((artifacts / "manifest.json").read_text())["negativity"]
    assert manifest["version"] == "negativity-test.9"
    assert manifest["feeling"]["negative_shift"] == pytest.approx(
        report["negative_shift"], abs=1e-3
    )
    card = json.loads((artifacts / "metrics.json").read_text())
    assert card["version"] == report["card"]["version"] == "negativity-test.9"
    clear_cache()
    try:
        shipped = get_scorer("negativity").score(rows[0][0]).score
        calibrated = get_scorer("negativity", artifacts).score(rows[0][0]).score
    finally:
        clear_cache()
    # Three calm reports labelled negative: the shift must read them as more negative.
    assert calibrated > shipped


def test_the_code_knows_the_shipped_heads_support_shift() -> None:
    """Early warning's thresholds, the turnaround and the risk's intercept are moved by
    ``SUPPORT_SHIFT``; it must be the shift the shipped head was calibrated with."""
    manifest = json.loads((ARTIFACTS / "manifest.json").read_text())
    assert manifest["negativity"]["feeling"]["negative_shift"] == pytest.approx(
        SUPPORT_SHIFT, abs=5e-4
    )
    assert moved(0.5) > 0.5 and moved(0.5, 0.0) == pytest.approx(0.5)


def test_a_shifted_trend_has_the_risk_the_unshifted_one_had() -> None:
    trend = [0.3, 0.8, 0.6]
    shifted = [moved(p) for p in trend]
    assert escalation_risk(shifted) == pytest.approx(escalation_risk(trend, shift=0.0))
