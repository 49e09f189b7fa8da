"""Mining's grouping on real consumer complaints (CFPB narratives), beside MiniLM k-means.

The other grouping checks are CLINC150's short requests, written by crowdworkers to order.
CFPB narratives are the consumers' own words, long (median about 800 characters) and about
real money: the nearest thing in ``../shared/data`` to a support team's e-mail. Each one
carries the product and the issue the consumer chose from CFPB's list, so grouping can be
scored against both. Both are coarse and noisy labels (the consumer picks them from a menu,
and one narrative often tells of several), so low figures for every method are expected:
the point is Poise beside k-means told the true count, in one run, on text no choice of
mining's was made on.

Sets (narratives de-duplicated, labels with fewer than 10 narratives dropped):

- ``payday by issue``: ``seunnna_payday_2023.csv``, one product, its issues;
- ``mixed by issue``: ``ziyuyan9_complaints_sample_2015-2020.csv``, every product, issues;
- ``mixed by product``: the same narratives by product.

    python benchmarks/kb_grouping_cfpb.py [--data-dir DIR] [--cache DIR] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from poise.knowledge.evaluation import cached_encoder  # noqa: E402
from poise.knowledge.grouping_eval import format_score, score_set  # noqa: E402
from poise.knowledge.mining import issue_of  # noqa: E402
from poise.minilm.encoder import encoder_named  # noqa: E402
from poise.signals.text import normalize  # noqa: E402

SETS = {
    "payday by issue": ("seunnna_payday_2023.csv", "Issue"),
    "mixed by issue": ("ziyuyan9_complaints_sample_2015-2020.csv", "Issue"),
    "mixed by product": ("ziyuyan9_complaints_sample_2015-2020.csv", "Product"),
}
SMALLEST_LABEL = 10


def labelled(path: Path, column: str) -> tuple[list[str], list[str]]:
    """Each distinct narrative as mining reads a first turn, with its label; rare labels out."""
    seen: set[str] = set()
    pairs = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["Consumer complaint narrative"].strip()
            if text and text not in seen:
                seen.add(text)
                pairs.append((issue_of([normalize(text)]), row[column]))
    counts = Counter(label for _, label in pairs)
    kept = [(t, label) for t, label in pairs if counts[label] >= SMALLEST_LABEL]
    return [t for t, _ in kept], [label for _, label in kept]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, help="keep embeddings here between runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = args.data_dir / "cfpb-narratives"
    cache = args.cache
    intents = cached_encoder(encoder_named("intents").encode, cache and cache / "intents")
    general = cached_encoder(encoder_named("general").encode, cache and cache / "general")
    for name, (file, column) in SETS.items():
        texts, truth = labelled(folder / file, column)
        score = score_set(name, texts, truth, intents(texts), general(texts))
        print(json.dumps(score.as_dict()) if args.json else format_score(score), flush=True)


if __name__ == "__main__":
    main()
