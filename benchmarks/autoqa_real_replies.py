"""AutoQA on real agents' replies: how often it calls a real reply dismissive or blaming.

Practice feedback reads replies written to hard messages; AutoQA reads every reply agents
really sent: greetings, questions, holding messages, thanks. A reply there is rarely a brush-off,
so a false alarm on "Hi Sakura, thanks for waiting." is what agents would meet most. Two
hand-labelled sets of real replies (ids and labels in ``tests/fixtures/labels``, the text read
from ``../shared/data``):

- ``autoqa_twcs.jsonl``: 160 company tweets of ``twcs_first5000.csv`` from past the slice the
  heads' weak twcs negatives are drawn from (its first 2,500 sentences), de-duplicated, shuffled
  with ``random.Random(2026)``: development.
- ``autoqa_stc3.jsonl``: 130 helpdesk turns of ``stc3-dev`` (Chinese helpdesks in English
  translation; evaluation only), shuffled with ``random.Random(99)``: a test set.
- ``autoqa_tweetsumm.jsonl``: 200 agent turns of TweetSumm's dialogues (other threads of the
  same Twitter corpus, 3,974 agent turns whose text is not in ``twcs_first5000.csv``), shuffled
  with ``random.Random(606)``: a test set, labelled by a second labeller.

Labelled 2026-12-06 for the two labels a reply should avoid, by the definitions of issue 13,
each reply read alone, blind to Poise's verdicts: *dismissive* is a brush-off (a policy wall,
"nothing we can do", minimising, sending the customer elsewhere without help, a canned "sorry
for any inconvenience, we will keep improving" with nothing done), *blames the customer* says
or implies the customer caused it. Asking for details, troubleshooting, telling a limit beside
an alternative, greetings and thanks are neither. twcs and STC-3 by the author of this change;
TweetSumm by a separate labeller given only these definitions and the replies (no code, no
model, no other data).

Usage::

    python benchmarks/autoqa_real_replies.py [--data-dir ../shared/data] [--heads A.npz ...]

Practice's heads (which AutoQA read replies with until 2026-12-06) and AutoQA's own heads for
real replies are scored in the same run, and each ``--heads`` artifact beside them.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterable
from pathlib import Path

from poise.training.feedback import LABELS, NEGATIVE, label_replies
from poise.training.feedback_model import ARTIFACT, REAL_ARTIFACT, FeedbackHeads

LABELS_DIR = Path(__file__).parents[1] / "tests" / "fixtures" / "labels"


def twcs_rows(data_dir: Path) -> list[tuple[str, dict[str, int]]]:
    """(reply text, labels) of the twcs set."""
    path = data_dir / "twcs-sample" / "twcs_first5000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        texts = {r["tweet_id"]: r["text"] for r in csv.DictReader(handle)}
    return [(texts[row["tweet_id"]], row) for row in _labels("autoqa_twcs.jsonl")]


def stc3_rows(data_dir: Path) -> list[tuple[str, dict[str, int]]]:
    """(reply text, labels) of the STC-3 set."""
    path = data_dir / "stc3-dev" / "stc3-dev.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    dialogues = {d["id"]: d for d in map(json.loads, lines)}
    return [
        (dialogues[row["dialogue"]]["turns"][row["turn"]]["text"], row)
        for row in _labels("autoqa_stc3.jsonl")
    ]


def tweetsumm_rows(data_dir: Path) -> list[tuple[str, dict[str, int]]]:
    """(reply text, labels) of the TweetSumm set: a row names a dialogue and a line of it."""
    path = data_dir / "tweetsumm" / "dialog_text" / "twitter.json"
    dialogues = {}
    for document in json.loads(path.read_text(encoding="utf-8"))["document"]:
        dialogue_id, *lines = document.split("\n")
        dialogues[dialogue_id.strip()] = lines
    return [
        (_agent_text(dialogues[row["dialogue"]][row["line"]]), row)
        for row in _labels("autoqa_tweetsumm.jsonl")
    ]


def _agent_text(line: str) -> str:
    """A TweetSumm line is ``\tAgent:\ttext``."""
    return line.strip().split("\t", 1)[1].strip()


def _labels(name: str) -> list[dict[str, int]]:
    lines = (LABELS_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score(rows: list[tuple[str, dict[str, int]]], heads: FeedbackHeads) -> dict[str, object]:
    """Per label a reply should avoid: flagged, precision, recall and the share of clean
    replies flagged; per good label, the share flagged."""
    verdicts = label_replies([text for text, _ in rows], heads=heads)
    out: dict[str, object] = {"n": len(rows)}
    for label in NEGATIVE:
        said = [v[label].present for v in verdicts]
        truth = [bool(labels[label]) for _, labels in rows]
        out[label] = _counts(said, truth)
    for label in LABELS:
        if label not in NEGATIVE:
            out[f"{label}_rate"] = round(sum(v[label].present for v in verdicts) / len(rows), 3)
    return out


def _counts(said: Iterable[bool], truth: Iterable[bool]) -> dict[str, float | int]:
    pairs = list(zip(said, truth, strict=True))
    tp = sum(s and t for s, t in pairs)
    fp = sum(s and not t for s, t in pairs)
    fn = sum(t and not s for s, t in pairs)
    clean = sum(not t for _, t in pairs)
    return {
        "true": tp + fn,
        "flagged": tp + fp,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        "false_alarm_rate": round(fp / clean, 3) if clean else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(__file__).parents[2] / "shared" / "data"
    )
    parser.add_argument("--heads", type=Path, nargs="*", default=[])
    readers = {"twcs": twcs_rows, "stc3": stc3_rows, "tweetsumm": tweetsumm_rows}
    parser.add_argument("--sets", nargs="*", default=list(readers), choices=list(readers))
    args = parser.parse_args()
    artifacts = [ARTIFACT, REAL_ARTIFACT, *args.heads]
    for name in args.sets:
        rows = readers[name](args.data_dir)
        for path in artifacts:
            result = score(rows, FeedbackHeads.load(path))
            print(json.dumps({"set": name, "heads": path.name} | result))


if __name__ == "__main__":
    main()
