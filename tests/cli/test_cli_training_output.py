"""`poise train explanatory-style` and `poise train reply-feedback` write their progress on
stderr and nothing but the JSON report on stdout, as every other training and evaluation does.

A full training takes minutes and replaces the shipped artifacts, so the trainer itself is
stood in for (it is no part of our database, queue or HTTP layer): what is tested is the
command's wiring of the trainer's ``log`` and its report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from poise.cli import app as cli

Log = Callable[[str], None]
runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]


def _trainer(said: list[Path]) -> Callable[..., dict[str, Any]]:
    """A trainer that logs two progress lines and reports, writing no artifact."""

    def train(*args: Any, log: Log, **kwargs: Any) -> dict[str, Any]:
        said.extend(arg for arg in args if isinstance(arg, Path))
        log("training rows (with variants): 12; fresh held out: 3")
        log("[fold 1 of 5] C=1.0")  # brackets: a line printed as markup lost them
        return {"macro_f1": 0.5}

    return train


def _check(result: Any) -> None:
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"macro_f1": 0.5}  # nothing else on stdout
    assert "training rows (with variants): 12" in result.stderr
    assert "[fold 1 of 5] C=1.0" in result.stderr


def test_train_explanatory_style_logs_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its progress came on stdout ahead of the report, so `... > report.json` was no JSON."""
    import poise.signals.training.explanatory as explanatory

    paths: list[Path] = []
    monkeypatch.setattr(explanatory, "train_explanatory_style", _trainer(paths))
    _check(runner.invoke(cli, ["train", "explanatory-style"]))
    assert paths  # the command reached the trainer (with the dev set and the artifact's path)


def test_train_reply_feedback_logs_on_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Its progress came on stdout (Rich's console) ahead of the report."""
    import poise.training.feedback_training as feedback_training

    tweets = tmp_path / feedback_training.TWCS_SAMPLE
    tweets.parent.mkdir(parents=True)
    tweets.write_text("tweet_id,text\n", encoding="utf-8")
    paths: list[Path] = []
    monkeypatch.setattr(feedback_training, "train_reply_feedback", _trainer(paths))
    _check(runner.invoke(cli, ["train", "reply-feedback", "--data-dir", str(tmp_path)]))
    assert tmp_path in paths
