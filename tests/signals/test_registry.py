"""The registry: names, versions, lazy and cached loading."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from poise.signals import get_scorer
from poise.signals.registry import ArtifactMissingError, UnknownScorerError


def test_unknown_scorer_names_the_known_ones() -> None:
    with pytest.raises(UnknownScorerError, match=r"unknown scorer 'sarcasm'.*negativity"):
        get_scorer("sarcasm")


def test_shipped_scorers_carry_versions() -> None:
    negativity = get_scorer("negativity")
    drift = get_scorer("drift")
    assert negativity.version.startswith("negativity-")
    assert drift.version.startswith("drift-")
    assert negativity.score("hello").version == negativity.version


def test_the_model_card_describes_the_shipped_model() -> None:
    """The Models page reads metrics.json: its figures must be the shipped version's."""
    import json

    from poise.signals.registry import ARTIFACTS

    card = json.loads((ARTIFACTS / "metrics.json").read_text(encoding="utf-8"))
    assert card["version"] == get_scorer("negativity").version


def test_scorer_is_loaded_once() -> None:
    assert get_scorer("negativity") is get_scorer("negativity")


def test_missing_artifact_says_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(ArtifactMissingError, match="poise train negativity"):
        get_scorer("negativity", tmp_path)


def test_import_is_cheap_and_never_pulls_torch() -> None:
    """``import poise.signals`` loads no model; scoring loads ONNX Runtime, never torch."""
    code = (
        "import sys, poise.signals as s\n"
        "assert 'onnxruntime' not in sys.modules and 'numpy' not in sys.modules\n"
        "s.get_scorer('negativity').score('my order never arrived')\n"
        "bad = {'torch', 'sentence_transformers', 'transformers', 'sklearn'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    src = str(Path(__file__).parents[2] / "src")
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": src},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
