"""Long evaluations show a bar while they work: on stderr, so what they print on stdout (their
``--json`` above all) stays for a script to read.

Each runs the installed command on small labelled files, on a terminal as far as Rich can tell
(FORCE_COLOR), since a bar is drawn only there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

POISE = Path(sys.executable).parent / "poise"
TESTS = Path(__file__).parents[1]


def on_a_terminal(*args: str) -> subprocess.CompletedProcess[str]:
    """``poise ARGS`` with its output on what Rich takes for a terminal."""
    return subprocess.run(
        [str(POISE), *args],
        env={**os.environ, "POISE_ENVIRONMENT": "test", "FORCE_COLOR": "1", "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "bar"),
    [
        (["eval", "negativity", "--data", "signals/fixtures/labelled.jsonl"], "Scoring messages"),
        (
            ["eval", "conversations", "--data", "signals/fixtures/conversations.jsonl"],
            "Scoring conversations",
        ),
        (
            ["eval", "reply-feedback", "--data", "training/fixtures/reply_feedback_dev.jsonl"],
            "Judging replies",
        ),
        (["eval", "drift", "--split", "val", "--data-dir", "signals/fixtures/data"], "Embedding"),
    ],
)
def test_an_evaluation_shows_its_bar_on_stderr_and_keeps_stdout_json(
    command: list[str], bar: str
) -> None:
    """They said nothing until the figures came, minutes later on a large file."""
    *words, data = command
    result = on_a_terminal(*words, str(TESTS / data), "--json")
    assert result.returncode == 0, result.stderr
    assert bar in result.stderr
    report = json.loads(result.stdout)  # nothing else on stdout
    assert isinstance(report, dict) and report
