"""What a change to the redaction rules changes on text written by others, for reading by hand.

Redacts every text of six outside sets in ``../shared/data`` (twcs-sample's tweets, TweetSumm's
turns, the airline tweets, CLINC150's queries, the CFPB narratives, STC-3's turns), none of
which the rules were written from, and counts per set the texts it changed and those where a
user name was taken (a ``[handle]`` span that is no @mention). The baseline is the rule set
before the change, on the same data: save its output first, then compare, and every text whose
spans changed is printed with the spans that came and went, to be read and judged one by
one (an identifier redacted, or prose taken by mistake).

    python benchmarks/redaction_outside.py [--data-dir ../shared/data] [--save OUT.jsonl]
    python benchmarks/redaction_outside.py --against OUT.jsonl [--kind handle]

Run it with ``--save`` on the code before the change (``git worktree add`` of the commit
before, with this script's copy), then with ``--against`` on the code after.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from poise.redaction import redact
from poise.signals.training.data import cfpb_narratives, clinc_rows, default_data_dir


def _twcs(data_dir: Path) -> Iterator[str]:
    for name in ("twcs_first5000.csv", "kaggle_sample.csv"):
        with (data_dir / "twcs-sample" / name).open(encoding="utf-8", newline="") as handle:
            yield from (row["text"] for row in csv.DictReader(handle) if row["text"])


def _tweetsumm(data_dir: Path) -> Iterator[str]:
    """A turn is ``\\tCustomer:\\ttext``; a line without a role goes on the turn before."""
    path = data_dir / "tweetsumm" / "dialog_text" / "twitter.json"
    for document in json.loads(path.read_text(encoding="utf-8"))["document"]:
        turns: list[str] = []
        for line in document.split("\n")[1:]:
            role, sep, text = line.strip().partition("\t")
            if sep and role in ("Customer:", "Agent:"):
                turns.append(text.strip())
            elif turns:
                turns[-1] += "\n" + line
        yield from turns


def _airline(data_dir: Path) -> Iterator[str]:
    path = data_dir / "twitter-airline-sentiment" / "Tweets.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        yield from (row["text"] for row in csv.DictReader(handle))


def _clinc(data_dir: Path) -> Iterator[str]:
    for rows in clinc_rows(data_dir).values():
        yield from (text for text, _intent in rows)


def _stc3(data_dir: Path) -> Iterator[str]:
    lines = (data_dir / "stc3-dev" / "stc3-dev.jsonl").read_text(encoding="utf-8").splitlines()
    for dialogue in map(json.loads, lines):
        yield from (turn["text"] for turn in dialogue["turns"])


SETS = {
    "twcs": _twcs,
    "tweetsumm": _tweetsumm,
    "airline": _airline,
    "clinc150": _clinc,
    "cfpb": lambda data_dir: iter(cfpb_narratives(data_dir)),
    "stc3": _stc3,
}


def _spans(row: dict[str, object]) -> set[tuple[str, int, str]]:
    return {(kind, start, text) for kind, start, text in row["spans"]}  # type: ignore[attr-defined]


def run(data_dir: Path) -> list[dict[str, object]]:
    """Every text redacted, with its spans, in a fixed order; counts and time printed."""
    rows: list[dict[str, object]] = []
    print(f"{'set':<11}{'texts':>8}{'changed':>9}{'handle':>8}{'seconds':>9}")
    for name, read in SETS.items():
        start = time.process_time()
        texts = list(read(data_dir))
        changed = handles = 0
        for index, text in enumerate(texts):
            result = redact(text)
            spans = [(span.kind, span.start, span.text) for span in result.spans]
            changed += result.text != text
            handles += any(kind == "handle" and text[:1] != "@" for kind, _, text in spans)
            rows.append({"set": name, "i": index, "text": text, "spans": spans})
        took = time.process_time() - start
        print(f"{name:<11}{len(texts):>8}{changed:>9}{handles:>8}{took:>9.1f}")
    return rows


def compare(rows: list[dict[str, object]], before: Path, kind: str | None) -> None:
    """Print each text whose spans differ from the saved run's, with what came and went."""
    old = {(r["set"], r["i"]): r for r in map(json.loads, before.read_text().splitlines())}
    differ: Counter[str] = Counter()
    for row in rows:
        was = old[(row["set"], row["i"])]
        if was["text"] != row["text"]:
            sys.exit("the saved run read other texts: save it again from the same data")
        came, went = _spans(row) - _spans(was), _spans(was) - _spans(row)
        if kind:
            came = {s for s in came if s[0] == kind}
            went = {s for s in went if s[0] == kind}
        if came or went:
            differ[str(row["set"])] += 1
            print(f"\n[{row['set']} {row['i']}] +{sorted(came)} -{sorted(went)}")
            print("   ", str(row["text"])[:600].replace("\n", " "))
    print("\ntexts whose redaction changed:", dict(differ) or "none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--save", type=Path, help="write every text's spans as JSONL")
    parser.add_argument("--against", type=Path, help="a saved run to compare with")
    parser.add_argument("--kind", help="compare only spans of this kind (handle, name…)")
    args = parser.parse_args()
    rows = run(args.data_dir)
    if args.save:
        args.save.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    if args.against:
        compare(rows, args.against, args.kind)


if __name__ == "__main__":
    main()
