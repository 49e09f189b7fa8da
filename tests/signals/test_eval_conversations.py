"""``poise eval conversations`` through Typer's CliRunner, on a five-conversation fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

FIXTURE = Path(__file__).parent / "fixtures" / "conversations.jsonl"
METRICS = {
    "early_warning": {"flag_rate", "precision", "recall", "f1", "auc"},
    "escalation": {"auc_bad_outcome", "auc_iq_low"},
    "drift": {"flag_rate", "precision", "recall", "f1"},
}


def _report(cli: typer.Typer, runner: CliRunner, path: Path) -> dict[str, object]:
    result = runner.invoke(cli, ["eval", "conversations", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_vader_baseline_matches_the_figures_worked_by_hand(
    cli: typer.Typer, runner: CliRunner
) -> None:
    report = _report(cli, runner, FIXTURE)
    assert report["n"] == 5
    vader = report["vader"]
    assert isinstance(vader, dict)
    assert {k: set(v) for k, v in vader.items()} == METRICS
    # VADER compounds of the opening customer turns: c1 -0.78, c2 0.0, c3 -0.54, c4 0.0
    # ("Third time asking: where is my parcel?"), c5 0.0. Flagged at -compound >= 0.05:
    # c1 and c3, 2 of 5. Unhappy openings (c5 unlabelled): c1, c3, c4 -> precision 1,
    # recall 2/3, F1 0.8; AUC: 0.78 and 0.54 beat c2's 0, c4 ties it -> 2.5/3.
    assert vader["early_warning"] == {
        "flag_rate": 0.4,
        "precision": 1.0,
        "recall": 0.6667,
        "f1": 0.8,
        "auc": 0.8333,
    }
    # Escalation after the last turn: c1 ~0.8 (both turns negative), c2 0, c3 0.54 (its one
    # customer turn), c4 0 (VADER reads the calm chaser as neutral). Bad outcomes c1, c4:
    # c1 beats c2 and c3, c4 ties c2 and loses to c3 -> 2.5/4.
    # Per turn with an iq: low (<= 2) at c1's 0.78 and ~0.8 and c4's second turn (0); the
    # four others score 0, 0, 0.54, 0. Each of c1's beats all four, c4's ties three -> 9.5/12.
    assert vader["escalation"] == {"auc_bad_outcome": 0.625, "auc_iq_low": 0.7917}
    # VADER has no drift signal: every drift figure is null.
    assert vader["drift"] == {"flag_rate": None, "precision": None, "recall": None, "f1": None}


def test_poise_reports_every_figure_in_range(cli: typer.Typer, runner: CliRunner) -> None:
    poise = _report(cli, runner, FIXTURE)["poise"]
    assert isinstance(poise, dict)
    assert {k: set(v) for k, v in poise.items()} == METRICS
    for group in METRICS:
        for value in poise[group].values():
            assert isinstance(value, float) and 0.0 <= value <= 1.0


def test_absent_labels_give_nulls(cli: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "unlabelled.jsonl"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            row = json.loads(line)
            for name in ("unhappy_start", "bad_outcome", "drift"):
                row.pop(name, None)
            row["turns"] = [{"role": t["role"], "text": t["text"]} for t in row["turns"]]
            out.write(json.dumps(row) + "\n")
    report = _report(cli, runner, path)
    for model in ("poise", "vader"):
        figures = report[model]
        assert isinstance(figures, dict)
        early = figures["early_warning"]
        assert early["precision"] is early["recall"] is early["f1"] is early["auc"] is None
        assert isinstance(early["flag_rate"], float)
        assert figures["escalation"] == {"auc_bad_outcome": None, "auc_iq_low": None}
        assert figures["drift"]["precision"] is None
    assert isinstance(report["poise"]["drift"]["flag_rate"], float)  # type: ignore[index]


def test_table_output(cli: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["eval", "conversations", "--data", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "poise" in result.stdout and "vader" in result.stdout
    assert "early warning" in result.stdout and "escalation" in result.stdout
    assert "0.6250" in result.stdout  # VADER's escalation AUC on bad outcomes


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"id": "a", "turns": [{"role": "customer", "text": "hi"}]}\n{oops\n',
            ":2: not valid JSON",
        ),
        ('{"id": "a"}\n', '"turns" list'),
        ('{"id": "a", "turns": [{"role": "bot", "text": "hi"}]}\n', "turn role"),
        ('{"id": "a", "turns": [{"role": "customer"}]}\n', '"text" string'),
        ('{"id": "a", "turns": [{"role": "customer", "text": "x", "iq": 9}]}\n', '"iq"'),
        ('{"id": "a", "turns": [{"role": "agent", "text": "hello"}]}\n', "customer turn"),
        ('{"id": "a", "turns": [{"role": "customer", "text": "x"}], "bad_outcome": 1}\n', "true"),
        ("\n", "no rows"),
    ],
)
def test_malformed_files_name_the_line(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["eval", "conversations", "--data", str(path), "--json"])
    assert result.exit_code == 2
    assert "Error:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


def test_missing_file(cli: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["eval", "conversations", "--data", str(tmp_path / "no.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.stderr
