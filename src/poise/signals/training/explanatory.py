"""``poise train explanatory-style``: fit the learned explanatory-style heads from authored data.

Training rows, each a reflection with a 0/1 per dimension (1 = the pessimistic side):

- The authored corpus (``explanatory_data/*.tsv``): reflections in many industries and
  registers (chat with typos, formal, rambling, English as a second language, negations,
  hedges, questions, sarcasm, mixed causes) and contrastive pairs that flip one dimension.
  ``fresh.tsv`` was written last and apart: never trained on nor used to choose the design.
- The development set ``tests/fixtures/explanatory_style/dev.jsonl`` when present (a source
  checkout).
- A texting-style variant of each (lower case, no punctuation or apostrophes), weighted half.

The benchmark sets under ``benchmarks/data`` are never read here.

The design (inputs, C, threshold) is chosen by grouped cross-validation on these rows only:
a text and its variant, and each block of contrastive pairs, stay in one fold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from poise.signals.explanatory import DIMENSIONS, ExplanatoryScorer
from poise.signals.explanatory_model import ExplanatoryHeads, minilm_embed, rule_features
from poise.textcache import TextCache

Log = Callable[[str], None]
Embed = Callable[[list[str]], npt.NDArray[np.float32]]
CORPUS = Path(__file__).parent / "explanatory_data"
FRESH = "fresh"
CONTRAST_BLOCK = 4  # contrastive lines are kept together in blocks of this many
VARIANT_SHARE = 0.5


def cached_embed(size: int = 8192) -> Embed:
    """The bundled MiniLM with a per-run cache: cross-validation embeds each text once."""
    cache: TextCache[npt.NDArray[np.float32]] = TextCache(size)

    def embed(texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack(cache.fetch(texts, lambda missing: list(minilm_embed(missing))))

    return embed


@dataclass(frozen=True)
class Row:
    """One reflection, its labels in ``DIMENSIONS`` order, where it came from and its fold group."""

    text: str
    labels: tuple[int, int, int]
    source: str
    group: str


def read_tsv(path: Path) -> list[Row]:
    """``ppp<TAB>text`` lines (three 0/1 digits), ``#`` comments skipped."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        code, _, text = line.partition("\t")
        if not re.fullmatch(r"[01]{3}", code) or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected three 0/1 digits<TAB>text")
        labels = (int(code[0]), int(code[1]), int(code[2]))
        rows.append(Row(text.strip(), labels, path.stem, text.strip()))
    if path.stem == "contrastive":
        rows = [
            Row(r.text, r.labels, r.source, f"contrastive-{i // CONTRAST_BLOCK}")
            for i, r in enumerate(rows)
        ]
    return rows


def read_corpus(folder: Path = CORPUS) -> tuple[list[Row], list[Row]]:
    """(training rows, fresh rows) of the authored corpus."""
    train: list[Row] = []
    fresh: list[Row] = []
    for path in sorted(folder.glob("*.tsv")):
        (fresh if path.stem == FRESH else train).extend(read_tsv(path))
    return train, fresh


def read_jsonl(path: Path, source: str) -> list[Row]:
    """A labelled JSONL set (``{text, permanent, pervasive, personal}``) as rows."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels = (int(row[DIMENSIONS[0]]), int(row[DIMENSIONS[1]]), int(row[DIMENSIONS[2]]))
            rows.append(Row(row["text"], labels, source, row["text"]))
    return rows


def plain(text: str) -> str:
    """Texting style: lower case, no apostrophes, no punctuation but commas."""
    return re.sub(r"\s+", " ", re.sub(r"[.'!?;:\"]", "", text.lower())).strip()


def with_variants(rows: Sequence[Row]) -> list[Row]:
    """The rows and a texting-style variant of each (same group, so same fold)."""
    variants = [Row(plain(r.text), r.labels, "variant", r.group) for r in rows]
    return [*rows, *(v for v, r in zip(variants, rows, strict=True) if v.text != r.text)]


@dataclass(frozen=True)
class Design:
    """What the heads see and how they are fitted."""

    rules: str = "own"  # "none", "own" (the dimension's rule score) or "all" (all three)
    c: float = 1.0
    rule_scale: float = 1.0


def features(
    texts: list[str], embed: Embed, design: Design, scorer: ExplanatoryScorer
) -> list[npt.NDArray[np.float64]]:
    """Per dimension, the (n, d) inputs: the embedding plus the chosen rule scores."""
    x = np.asarray(embed(texts), np.float64)
    rules = rule_features([scorer.score(t) for t in texts]) * design.rule_scale
    out = []
    for j in range(len(DIMENSIONS)):
        if design.rules == "none":
            out.append(x)
        elif design.rules == "own":
            out.append(np.hstack([x, rules[:, [j]]]))
        else:
            out.append(np.hstack([x, rules]))
    return out


def fit(rows: Sequence[Row], embed: Embed, design: Design) -> ExplanatoryHeads:
    """One logistic regression per dimension (threshold 0.5; see :func:`choose_thresholds`)."""
    from sklearn.linear_model import LogisticRegression

    scorer = ExplanatoryScorer(learned=False)
    xs = features([r.text for r in rows], embed, design, scorer)
    y = np.array([r.labels for r in rows])
    share = np.array([VARIANT_SHARE if r.source == "variant" else 1.0 for r in rows])
    weights, bias = [], []
    for j in range(len(DIMENSIONS)):
        model = LogisticRegression(C=design.c, class_weight="balanced", max_iter=5000)
        model.fit(xs[j], y[:, j], sample_weight=share)
        weights.append(model.coef_[0])
        bias.append(float(model.intercept_[0]))
    return ExplanatoryHeads(
        np.array(weights), np.array(bias), np.full(3, 0.5), design.rules, design.rule_scale
    )


def out_of_fold(
    rows: Sequence[Row], embed: Embed, design: Design, folds: int = 5
) -> tuple[npt.NDArray[np.float64], list[int]]:
    """Out-of-fold probabilities (n_scored, 3) on the rows that are not variants."""
    from poise.signals.training.data import _stable_bucket

    fold = np.array([_stable_bucket(r.group, folds) for r in rows])
    scored = [i for i, r in enumerate(rows) if r.source != "variant"]
    probs = np.zeros((len(rows), 3))
    for k in range(folds):
        heads = fit([r for r, f in zip(rows, fold, strict=True) if f != k], embed, design)
        test = [i for i in scored if fold[i] == k]
        probs[test] = heads.probabilities([rows[i].text for i in test], embed)
    return probs[scored], scored


def accuracy(truth: npt.NDArray[np.int_], predicted: npt.NDArray[np.int_]) -> list[float]:
    """Accuracy per dimension."""
    return [float((truth[:, j] == predicted[:, j]).mean()) for j in range(truth.shape[1])]


def rule_calls(texts: Sequence[str]) -> npt.NDArray[np.int_]:
    """The rules' binary calls (rating 5 or more) per dimension."""
    scorer = ExplanatoryScorer(learned=False)
    return np.array([[int(d.pessimistic) for d in scorer.score(t).dimensions] for t in texts])


def compare(rows: Sequence[Row], heads: ExplanatoryHeads, embed: Embed) -> dict[str, Any]:
    """Learned, rules alone and "never pessimistic" on ``rows``, in one run."""
    truth = np.array([r.labels for r in rows])
    texts = [r.text for r in rows]
    learned = (heads.probabilities(texts, embed) >= heads.thresholds).astype(int)
    out: dict[str, Any] = {"n": len(rows)}
    for name, predicted in (
        ("learned", learned),
        ("rules", rule_calls(texts)),
        ("never_pessimistic", np.zeros_like(truth)),
    ):
        acc = accuracy(truth, predicted)
        out[name] = {d: round(a, 4) for d, a in zip(DIMENSIONS, acc, strict=True)} | {
            "mean": round(float(np.mean(acc)), 4)
        }
    return out


def training_rows(dev: Path | None) -> tuple[list[Row], list[Row]]:
    """(training rows with variants, fresh rows) from the corpus and the dev set if given."""
    train, fresh = read_corpus()
    if dev is not None and dev.is_file():
        train += read_jsonl(dev, "dev")
    return with_variants(train), fresh


GRID = [
    Design(rules, c, scale)
    for rules in ("none", "own", "all")
    for c in (0.3, 1.0, 3.0, 10.0)
    for scale in ((1.0,) if rules == "none" else (0.5, 2.0))
]
THRESHOLDS = np.round(np.arange(0.3, 0.71, 0.05), 2)


def choose(rows: list[Row], embed: Embed, log: Log) -> tuple[Design, npt.NDArray[np.float64]]:
    """The design and per-dimension thresholds with the best out-of-fold mean accuracy."""
    best: tuple[float, Design, npt.NDArray[np.float64]] | None = None
    for design in GRID:
        probs, scored = out_of_fold(rows, embed, design)
        truth = np.array([rows[i].labels for i in scored])
        thresholds = np.array(
            [
                max(THRESHOLDS, key=lambda t: float(((probs[:, j] >= t) == truth[:, j]).mean()))
                for j in range(3)
            ]
        )
        acc = accuracy(truth, (probs >= thresholds).astype(int))
        at_half = float(np.mean(accuracy(truth, (probs >= 0.5).astype(int))))
        log(f"{design}: cv mean {np.mean(acc):.4f} (at 0.5: {at_half:.4f}) {np.round(acc, 3)}")
        if best is None or np.mean(acc) > best[0]:
            best = (float(np.mean(acc)), design, thresholds)
    assert best is not None
    return best[1], best[2]


def train_explanatory_style(
    dev: Path | None, artifact: Path, embed: Embed, log: Log = print
) -> dict[str, Any]:
    """Choose the design by cross-validation, fit on all training rows, save, score fresh."""
    rows, fresh = training_rows(dev)
    log(f"training rows (with variants): {len(rows)}; fresh held out: {len(fresh)}")
    design, thresholds = choose(rows, embed, log)
    heads = fit(rows, embed, design)
    heads.thresholds = thresholds
    heads.save(artifact)
    scored = [r for r in rows if r.source != "variant"]
    return {
        "design": {"rules": design.rules, "c": design.c, "rule_scale": design.rule_scale},
        "thresholds": dict(zip(DIMENSIONS, thresholds.round(2).tolist(), strict=True)),
        "training_fit": compare(scored, heads, embed),
        "fresh": compare(fresh, heads, embed),
    }
