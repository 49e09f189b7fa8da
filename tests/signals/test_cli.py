"""``poise eval negativity`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"


def test_eval_json_reports_both_models(cli: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["eval", "negativity", "--data", str(FIXTURES / "labelled.jsonl"), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"n", "poise", "vader"}
    assert report["n"] == 6
    assert set(report["poise"]) == set(report["vader"]) == {"precision", "recall", "f1", "auc"}
    # Worked by hand: VADER's compound is -0.83, -0.87 and +0.69 (sarcasm) for the three
    # negatives and 0.0, +0.76, +0.92 for the others. At compound <= -0.05 it finds 2 of 3 with
    # no false alarm: precision 1, recall 2/3, F1 0.8. Ranked by -compound, the sarcastic
    # negative (-0.69) sits below the calm report (0.0) and above the two thanks: 8 of the 9
    # negative/other pairs are ordered right, AUC 8/9.
    assert report["vader"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "auc": 0.8889}
    # Poise finds the sarcasm VADER misses, and ranks every negative above the calm complaint
    # (a three-week wait, told plainly) and the thanks: it reads the feeling, not the complaint.
    assert report["poise"]["recall"] == 1.0 and report["poise"]["auc"] == 1.0


def test_eval_table_output(cli: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["eval", "negativity", "--data", str(FIXTURES / "labelled.jsonl")])
    assert result.exit_code == 0
    assert "poise" in result.stdout and "vader" in result.stdout and "auc" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "fine", "label": "neutral"}\n{not json\n', ":2: not valid JSON"),
        ('{"text": "fine"}\n', '"label"'),
        ("", "no rows"),
    ],
)
def test_eval_rejects_bad_files(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = runner.invoke(cli, ["eval", "negativity", "--data", str(path), "--json"])
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_eval_missing_file(cli: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["eval", "negativity", "--data", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
