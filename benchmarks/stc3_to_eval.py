"""Turn the STC-3 development dialogues into ``poise eval conversations`` input.

Usage::

    python benchmarks/stc3_to_eval.py --out STC3_EVAL.jsonl [--stc3 PATH]
        [--outcome satisfaction|accomplishment]
    poise eval conversations --data STC3_EVAL.jsonl

STC-3 labels each dialogue once, at its end: the mean of 19 annotators' customer satisfaction,
task accomplishment and effectiveness, each in -2..2 (see ``../shared/data/README.md``). So the
only honest conversation label is the outcome: ``bad_outcome`` = satisfaction < -0.5 (about 30%
of the dialogues), or accomplishment < 0 with ``--outcome accomplishment`` (about 68%: most
helpdesk replies on Weibo do not finish the task). ``unhappy_start`` stays null: an end-of-
dialogue satisfaction says nothing reliable about how the first turns read, and using it would
score early warning against the outcome. ``drift`` stays null: the nugget ``CNaN`` marks a
customer turn that does not move the task on (thanks, chasers, venting), not a new request.
There is no per-turn interaction quality, so ``iq`` is absent. Evaluation only: STC-3
dialogues are licensed for non-commercial research, and nothing here is committed.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

from poise.signals.training.data import default_data_dir

BAD_SATISFACTION = -0.5


def bad_outcome(dialogue: dict[str, object], outcome: str) -> bool:
    """Whether the dialogue ended badly by the chosen dialogue-level label."""
    value = dialogue[outcome]
    assert isinstance(value, int | float), f"{dialogue['id']}: {outcome} is not a number"
    return value < (BAD_SATISFACTION if outcome == "satisfaction" else 0.0)


def convert(path: Path, outcome: str = "satisfaction") -> Iterator[dict[str, object]]:
    """One eval row per STC-3 dialogue, turns kept in order with their roles."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            dialogue = json.loads(line)
            yield {
                "id": str(dialogue["id"]),
                "turns": [{"role": t["role"], "text": t["text"]} for t in dialogue["turns"]],
                "unhappy_start": None,
                "bad_outcome": bad_outcome(dialogue, outcome),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stc3", type=Path, help="stc3-dev.jsonl (default: under ../shared/data)")
    parser.add_argument("--out", type=Path, required=True, help="JSONL to write")
    parser.add_argument(
        "--outcome", choices=("satisfaction", "accomplishment"), default="satisfaction"
    )
    args = parser.parse_args()
    source = args.stc3 or default_data_dir() / "stc3-dev" / "stc3-dev.jsonl"
    rows = list(convert(source, args.outcome))
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    bad = sum(bool(row["bad_outcome"]) for row in rows)
    print(f"{len(rows)} dialogues, {bad} with a bad outcome ({args.outcome}) -> {args.out}")


if __name__ == "__main__":
    main()
