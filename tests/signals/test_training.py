"""Small end-to-end training runs on fixture data (lexical model, no torch; a reused student)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from poise.signals import get_scorer
from poise.signals.registry import ARTIFACTS


def test_training_writes_a_safe_versioned_artifact(tiny_model: Path) -> None:
    names = {p.name for p in tiny_model.iterdir()}
    assert {
        "manifest.json",
        "metrics.json",
        "negativity-lexical.npz",
        "negativity-lexical.vocab.json",
    } <= names
    assert all(p.suffix in {".json", ".npz", ".onnx"} for p in tiny_model.iterdir())
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    assert metrics["version"] == "negativity-test.1"
    assert 0.0 <= metrics["goemotions_test"]["poise"]["auc"] <= 1.0


def test_trained_model_learns_the_fixture(tiny_model: Path) -> None:
    scorer = get_scorer("negativity", tiny_model)
    assert scorer.version == "negativity-test.1"
    angry = scorer.score("I hate this, so annoying")
    thanks = scorer.score("thank you so much, great help")
    assert angry.score > 0.5 > thanks.score
    said = {word for term in angry.evidence for word in term.split()}
    assert {"hate", "annoying"} <= said  # as words: "hate this" leaves "hate" unrepeated
    assert "this" not in angry.evidence  # stop words explain nothing


def test_eval_uses_a_given_artifact(
    cli: typer.Typer, runner: CliRunner, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "two.jsonl"
    data.write_text(
        '{"text": "terrible, I hate this", "label": "negative"}\n'
        '{"text": "thanks, great help", "label": "positive"}\n'
    )
    result = runner.invoke(
        cli, ["eval", "negativity", "--data", str(data), "--json", "--artifacts", str(tiny_model)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"n", "poise", "vader"}
    assert report["poise"]["auc"] == 1.0
    table = runner.invoke(
        cli, ["eval", "negativity", "--data", str(data), "--artifacts", str(tiny_model)]
    )
    assert "negativity-test.1" in table.stdout


def test_training_without_data_fails_clearly(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli,
        [
            "train",
            "negativity",
            "--data-dir",
            str(tmp_path / "absent"),
            "--out",
            str(tmp_path / "out"),
            "--no-encoder",
        ],
    )
    assert result.exit_code == 2
    assert "data folder not found" in result.stderr
    assert "Traceback" not in result.output


def test_training_with_incomplete_data_fails_clearly(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli,
        [
            "train",
            "negativity",
            "--data-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
            "--no-encoder",
        ],
    )
    assert result.exit_code == 2
    assert "training data not found" in result.stderr


def test_eval_drift_on_fixture_pairs(
    cli: typer.Typer, runner: CliRunner, tiny_model: Path, fixture_data: Path
) -> None:
    args = ["eval", "drift", "--data-dir", str(fixture_data), "--artifacts", str(tiny_model)]
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["split"] == "test"
    # Same-intent fixture queries share words ("flight", "balance", "declined"); switched ones
    # do not, so even the TF-IDF fallback ranks most pairs right.
    assert report["auc"] > 0.7


def test_reuse_encoder_keeps_the_student_and_refits_the_rest(
    cli: typer.Typer, runner: CliRunner, fixture_data: Path, tmp_path: Path
) -> None:
    for name in ("student.onnx", "tokenizer.json", "manifest.json"):
        shutil.copy(ARTIFACTS / name, tmp_path / name)
    before = (tmp_path / "student.onnx").read_bytes()
    args = ["train", "negativity", "--data-dir", str(fixture_data), "--out", str(tmp_path)]
    result = runner.invoke(cli, [*args, "--reuse-encoder", "--version", "negativity-test.2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "student.onnx").read_bytes() == before
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    shipped = json.loads((ARTIFACTS / "manifest.json").read_text())
    assert manifest["encoder"] == shipped["encoder"]
    assert manifest["negativity"]["version"] == "negativity-test.2"
    assert manifest["negativity"]["stack"]["features"] == ["lexical", "encoder", "vader"]
    assert json.loads((tmp_path / "metrics.json").read_text())["version"] == "negativity-test.2"


def test_reuse_encoder_without_a_student_fails_clearly(
    cli: typer.Typer, runner: CliRunner, fixture_data: Path, tmp_path: Path
) -> None:
    args = ["train", "negativity", "--data-dir", str(fixture_data), "--out", str(tmp_path)]
    result = runner.invoke(cli, [*args, "--reuse-encoder"])
    assert result.exit_code == 2
    assert "no trained student" in result.stderr
    assert "Traceback" not in result.output
