"""`poise eval reply-feedback`: per-label precision, recall and F1, checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from poise.cli import app as cli

FIXTURES = Path(__file__).parent / "fixtures"
ZERO = {
    "acknowledges": 0,
    "apologizes": 0,
    "ownership": 0,
    "next_step": 0,
    "blames_customer": 0,
    "dismissive": 0,
}
ROWS = [
    {"customer": "Refund?", "reply": "I'm sorry, I've refunded it.", **ZERO,
     "apologizes": 1, "ownership": 1},
    # The gold label says it acknowledges: the rules (rightly) miss it, a false negative.
    {"customer": "Angry!", "reply": "Calm down.", **ZERO, "acknowledges": 1, "dismissive": 1},
    # Blame as the whole answer also brushes the customer off: both labels.
    {"customer": "Broken", "reply": "You should have checked.", **ZERO, "blames_customer": 1,
     "dismissive": 1},
]  # fmt: skip


def test_eval_reply_feedback_json_matches_a_hand_count(tmp_path: Path) -> None:
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    result = CliRunner().invoke(cli, ["eval", "reply-feedback", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 3
    perfect = {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    none = {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert report["labels"] == {
        "acknowledges": none,  # 0 true positives, 1 false negative
        "apologizes": perfect,
        "ownership": perfect,
        "next_step": none,  # no positives at all, and none predicted
        "blames_customer": perfect,
        "dismissive": perfect,
    }
    assert report["macro_f1"] == round(4 / 6, 4)
    text = CliRunner().invoke(cli, ["eval", "reply-feedback", "--data", str(data)]).output
    assert "macro-F1 0.6667" in text and "apologizes" in text


def test_eval_reply_feedback_reports_bad_input(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["eval", "reply-feedback", "--data", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "no such file" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"reply": "hi"}\n')
    result = CliRunner().invoke(cli, ["eval", "reply-feedback", "--data", str(bad)])
    assert result.exit_code != 0 and "line 1: missing acknowledges" in result.output


def test_the_shipped_sets_are_large_enough_and_meet_the_goal() -> None:
    for name, least in (("reply_feedback_dev.jsonl", 120), ("reply_feedback_holdout.jsonl", 60)):
        data = FIXTURES / name
        assert len(data.read_text().splitlines()) >= least
        result = CliRunner().invoke(cli, ["eval", "reply-feedback", "--data", str(data), "--json"])
        assert json.loads(result.output)["macro_f1"] >= 0.8, name
