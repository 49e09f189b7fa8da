"""The manual's matching and mining's grouping on other writers' requests (BANKING77, HWU64).

Every other check of the manual is CLINC150 (one crowd's requests over ten domains), TweetSumm
openings, or two small manuals a language model wrote. BANKING77 (Casanueva et al., 2020;
PolyAI, CC BY 4.0) holds 13,083 online-banking customer questions in 77 fine-grained intents,
many of them near twins ("card not working" / "card swallowed" / "declined card payment").
It is not in ``../shared/data``: pass its *test* split (``banking_data/test.csv`` of
PolyAI-LDN/task-specific-datasets: ``text,category``, 3,080 rows, 40 an intent) with
``--data``. No choice of the manual's or of mining's was made on it: every set below was fixed
in this file before any score was read, and the figures are read once. Any other labelled
requests (a CSV ``text,category`` or JSON Lines ``{"text", "intent"}``) can be grouped the same
way with ``--grouping-only``: HWU64's test split (Liu et al., 2019, CC BY-SA 3.0; 64 intents of
a home assistant, 3 to 19 requests each) was, once, as a check no choice had looked at.

Matching (``poise eval kb``'s figures, BM25 beside it, mean over five folds; a fold's intents,
chosen by a hash of their names, are the gaps: their lines leave the manual and their new lines
must be said to match nothing):

- ``banking77``: each intent's first 20 questions are the manual, its last 20 the new lines;
- ``banking77-few``: only the first 4 are the manual, as in a small manual written by hand.

Grouping (the shipped grouping beside MiniLM k-means told the true count; issue 18's bar):
every question; and three sets shaped like the outside sets the issue names (18 intents of 23
questions, 22 of 40, 38 of 30: at most that many where an intent has fewer) and one uneven (38
intents, 4 to 40 each), intents drawn with a fixed seed. Each question is read as mining reads
a conversation's first customer turn.

    python benchmarks/kb_outside_intents.py --data test.csv [--cache DIR]
        [--encoder intents|general] [--grouping-only]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from kb_sets import KbSet, memo_encoder, supervised_acc1  # noqa: E402

from poise.knowledge.evaluation import Encode, Example, cached_encoder, evaluate  # noqa: E402
from poise.knowledge.grouping_eval import format_score, score_set  # noqa: E402
from poise.knowledge.mining import issue_of  # noqa: E402
from poise.minilm.encoder import encoder_named  # noqa: E402
from poise.signals.text import normalize  # noqa: E402

FOLDS = 5
MANUAL, NEW = 20, 20
FEW = 4
SEED = 20261207
# (name, intents, questions an intent; 0 = 4 to 40 drawn per intent)
GROUPING = (("18 intents x 23", 18, 23), ("22 intents x 40", 22, 40), ("38 intents x 30", 38, 30))
UNEVEN = ("38 intents uneven", 38, 0)


def read(path: Path) -> dict[str, list[str]]:
    """Each intent's requests, in file order (CSV ``text,category`` or JSONL ``text, intent``)."""
    by_intent: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix == ".jsonl":
            rows = [(r["text"], r["intent"]) for r in map(json.loads, handle) if r]
        else:
            rows = [(r["text"], r["category"]) for r in csv.DictReader(handle)]
    for text, intent in rows:
        by_intent.setdefault(intent, []).append(text.strip())
    return by_intent


def fold_of(intent: str) -> int:
    return int(hashlib.sha256(intent.encode()).hexdigest(), 16) % FOLDS


def matching_sets(by_intent: dict[str, list[str]], phrasings: int, name: str) -> list[KbSet]:
    """Five folds: the manual without the fold's intents, every intent's new lines."""
    sets = []
    for fold in range(FOLDS):
        past = [
            Example(text, intent)
            for intent, texts in sorted(by_intent.items())
            if fold_of(intent) != fold
            for text in texts[:phrasings]
        ]
        new = [
            Example(text, intent)
            for intent, texts in sorted(by_intent.items())
            for text in texts[-NEW:]
        ]
        sets.append(KbSet(name, "outside", fold, past, new))
    return sets


def grouping_sets(by_intent: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """(text, intent) rows of each grouping set."""
    rng = np.random.default_rng(SEED)
    names = sorted(by_intent)
    sets = {f"all {len(names)} intents": [(t, i) for i in names for t in by_intent[i]]}
    for name, count, each in (*GROUPING, UNEVEN):
        chosen = sorted(rng.choice(names, size=count, replace=False).tolist())
        sets[name] = [
            (t, i) for i in chosen for t in by_intent[i][: each or int(rng.integers(4, 41))]
        ]
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="BANKING77's test.csv")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--encoder", choices=("intents", "general"), default="intents")
    parser.add_argument("--grouping-only", action="store_true", help="no matching folds")
    args = parser.parse_args()
    by_intent = read(args.data)
    cache = args.cache
    encode = cached_encoder(encoder_named(args.encoder).encode, cache and cache / args.encoder)
    general = cached_encoder(encoder_named("general").encode, cache and cache / "general")
    if not args.grouping_only:
        name = args.data.stem
        report_matching(
            {
                name: matching_sets(by_intent, MANUAL, name),
                f"{name}-few": matching_sets(by_intent, FEW, f"{name}-few"),
            },
            encode,
        )
    for name, rows in grouping_sets(by_intent).items():
        texts = [issue_of([normalize(t)]) for t, _ in rows]  # as mining reads a first turn
        truth = [i for _, i in rows]
        score = score_set(name, texts, truth, encode(texts), general(texts))
        print(format_score(score), flush=True)


def report_matching(sets: dict[str, list[KbSet]], encode: Encode) -> None:
    """``poise eval kb``'s figures, mean over the folds, with the supervised reference."""
    memo = memo_encoder(encode, sets)
    for name, folds in sets.items():
        figures = [evaluate(s.past, s.new, encode=memo) for s in folds]
        mean = {
            system: {
                key: round(float(np.mean([f[system][key] for f in figures])), 4)  # type: ignore[index]
                for key in ("acc1", "mrr", "recall5", "gap_auc")
            }
            for system in ("poise", "bm25")
        }
        supervised = round(float(np.mean([supervised_acc1(s, memo) for s in folds])), 4)
        print(json.dumps({"set": name, "mean": mean, "supervised_acc1": supervised}), flush=True)


if __name__ == "__main__":
    main()
