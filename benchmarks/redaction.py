"""How well the wall's redaction removes customer identity, on the annotated praise set.

Prints recall of the planted personal data per kind (emails, phones, order/account numbers,
addresses, names, handles) and how much other text was removed by mistake, against the
baseline of the simplest rule set (emails and long digit runs only) in the same run.

    python benchmarks/redaction.py [--misses] [--long]

``--long`` also times redaction of long texts (a message of names, signatures with an address,
digits, e-mails written in words, one long word): time should grow with the length, not its
square. It prints seconds at n and 4n
characters and their ratio (about 4 when linear, about 16 when quadratic).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from poise.redaction import Measurement, measure, redact

FIXTURE = Path(__file__).resolve().parents[1] / "tests/morale/fixtures/redaction_praise.jsonl"
NAIVE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d{5,}")


def _naive(rows: list[dict[str, object]]) -> dict[str, float]:
    planted: dict[str, int] = {}
    found: dict[str, int] = {}
    for row in rows:
        text = str(row["text"])
        gone = [False] * len(text)
        for m in NAIVE.finditer(text):
            gone[m.start() : m.end()] = [True] * (m.end() - m.start())
        for item in row["pii"]:  # type: ignore[attr-defined]
            kind = item["kind"]
            planted[kind] = planted.get(kind, 0) + 1
            span = range(item["start"], item["end"])
            found[kind] = found.get(kind, 0) + all(gone[i] for i in span if not text[i].isspace())
    return {kind: found[kind] / n for kind, n in planted.items()}


def _report(result: Measurement, baseline: dict[str, float]) -> None:
    print(f"{result.comments} comments, {sum(result.planted.values())} planted items")
    print(f"{'kind':<10}{'planted':>8}{'found':>7}{'recall':>9}{'baseline':>10}")
    for kind in sorted(result.planted):
        print(
            f"{kind:<10}{result.planted[kind]:>8}{result.found.get(kind, 0):>7}"
            f"{result.recall(kind):>9.1%}{baseline.get(kind, 0.0):>10.1%}"
        )
    print(
        f"non-personal text wrongly removed: {result.wrongly_removed_chars} of "
        f"{result.kept_chars} characters ({result.false_removal_rate:.2%}); "
        f"{result.comments_with_false_removal} of {result.comments} comments touched"
    )


LONG_TEXTS = {
    "names": ". Jean Pierre, ",
    "signed with an address": "Thanks Maria! Jean-Pierre Dubois, 75011 Paris. ",
    "five-digit numbers": "12345 ",
    "sign-offs": "Cheers, Sam. ",
    "e-mails broken up": "jane dot doe at example dot com, jo @ example .com. ",
    "one long word": "a",  # 100 s at 80,000 letters when an address began at every letter
    "runs of dots": "dot ",
    "dotted words": "jane.",
    "addresses in brackets": "x(at)y(dot)z",
    "@ and dots": "@a.b...c ",
    "e-mails in words": "john at gmail dot com ",
    "words before at": "up at gmail dot ",
    "sign-up at": "signed up at ",
    **{
        f"login cue {cue!r}": cue
        for cue in (
            "logged in as ",
            "I logged into my account as jsmith ",
            "username ",
            "username jsmith ",
            "user: ",
            "my login's ",
            "logged in under ",
            "log in with my ",
            "my user is ",
            "acct name ",
            "my login ",
            "my login jsmith ",
            "log in with JSmith ",
        )
    },
}


def _time_long_texts(chars: int = 20_000) -> None:
    """Seconds to redact each repeated unit at ``chars`` and 4 × ``chars`` characters."""
    print(f"\n== long texts: seconds at {chars:,} and {4 * chars:,} characters, and the ratio ==")
    for name, unit in LONG_TEXTS.items():
        took = []
        for size in (chars, 4 * chars):
            text = unit * (size // len(unit))
            start = time.perf_counter()
            redact(text)
            took.append(time.perf_counter() - start)
        print(f"{name:<48}{took[0]:>8.2f}{took[1]:>8.2f}{took[1] / took[0]:>7.1f}×")


def main() -> None:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    result = measure(rows)
    print("== all comments (redaction vs naive baseline: emails and 5+ digit runs) ==")
    _report(result, _naive(rows))
    hand = [row for row in rows if row.get("set") == "hand"]
    print("\n== hand-written subset only (less regular phrasings, written after the rules) ==")
    _report(measure(hand), _naive(hand))
    if "--long" in sys.argv:
        _time_long_texts()
    if "--misses" in sys.argv:
        for miss in result.misses:
            print("MISS", miss)


if __name__ == "__main__":
    main()
