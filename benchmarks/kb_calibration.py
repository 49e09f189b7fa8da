"""Fit the manual's match probability on CLINC150 *val* and measure gap detection.

The search shows one number everywhere: P(this article is the customer's issue), a logistic
of the hybrid score (semantic pooling + words + issue classifier). This script fits its two
numbers on CLINC150's validation split (each query against its top five articles: the right
intent is a positive, every other is a negative; out-of-scope queries give negatives only)
and reports gap-detection ROC-AUC on the test split with the old gap score (best semantic
score) beside the new one (best match probability), plus a cross-domain check: the manual
built from one set of CLINC domains, queried with another's questions as gaps.

    python benchmarks/kb_calibration.py [--data-dir DIR] [--cache DIR] [--encoder general|intents]

The manual's encoder (``intents``, the default) was tuned on the six development domains'
train questions, so its fit uses only the four report domains' intents (train as the manual,
val and out-of-scope val as new lines), which it never saw; ``general`` fits on all 150
intents, as the shipped numbers before it were fitted.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from poise.knowledge.classifier import fit_classifier
from poise.knowledge.evaluation import (
    Encode,
    Example,
    _lexical_scores,
    cached_encoder,
    roc_auc,
)
from poise.knowledge.grouping_eval import DOMAINS, REPORT
from poise.knowledge.matching import Matcher, MatchParams, confidence, fuse, match_probability
from poise.minilm.encoder import encoder_named

BANKING = ["banking", "credit_cards"]


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def scores(
    past: list[Example], new: list[Example], encode: Encode, *, classifier: bool = True
) -> Arrays:
    """(fused, semantic, truth, known) for ``new`` against a manual of ``past``; without the
    issue classifier's term when ``classifier`` is false (as the search scores a manual of one
    issue, or one too large to fit it)."""
    params = MatchParams()
    names = sorted({e.issue for e in past})
    index = {n: i for i, n in enumerate(names)}
    owner = np.asarray([index[e.issue] for e in past], np.int64)
    pv = encode([e.text for e in past])
    matcher = Matcher(pv, owner, len(names), params)
    clf = fit_classifier(pv, owner, len(names), rounds=params.classifier_rounds)
    qv = encode([e.text for e in new])
    sem = np.vstack([matcher.semantic(qv[s : s + 512]) for s in range(0, len(new), 512)])
    lex = _lexical_scores(past, owner, [e.text for e in new], len(names))
    fused = fuse(sem, lex, params, clf.probabilities(qv) if classifier else None)
    known = np.asarray([e.issue in index for e in new])
    truth = np.asarray([index.get(e.issue, -1) for e in new])
    return fused, sem, truth, known


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Two-parameter logistic regression by Newton's method."""
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([((p - y) * x).sum(), (p - y).sum()])
        w = p * (1 - p)
        h = np.array([[(w * x * x).sum(), (w * x).sum()], [(w * x).sum(), w.sum()]]) + 1e-9
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
    return float(a), float(b)


def pairs(fused: np.ndarray, truth: np.ndarray, top: int = 5) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-fused, axis=1)[:, :top]
    x = np.take_along_axis(fused, order, axis=1)
    y = (order == truth[:, None]).astype(np.float64)
    return x.ravel(), y.ravel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--encoder", choices=("intents", "general"), default="intents")
    args = parser.parse_args()
    data = json.loads((args.data_dir / "clinc150" / "data_full.json").read_text())
    encode = cached_encoder(
        encoder_named(args.encoder).encode, args.cache / args.encoder if args.cache else None
    )
    if args.encoder == "intents":
        data = _report_domains(data)
    ex = lambda rows: [Example(t, i) for t, i in rows]  # noqa: E731
    train = ex(data["train"])
    report: dict[str, object] = {}
    val = ex(data["val"]) + ex(data["oos_val"])
    fused, sem, truth, known = scores(train, val, encode)
    x, y = pairs(fused, truth)
    a, b = fit_logistic(x, y)
    report["fit_on_val"] = {"a": round(a, 4), "b": round(b, 4), "pairs": len(x)}
    pooled, _, truth_p, known_p = scores(train, val, encode, classifier=False)
    xp, yp = pairs(pooled, truth_p)
    ap, bp = fit_logistic(xp, yp)
    report["fit_on_val_without_classifier"] = {"a": round(ap, 4), "b": round(bp, 4)}
    sure = match_probability(pooled.max(1), classifier=False)
    report["val_without_classifier"] = {
        "gap_auc": round(roc_auc(sure[known_p], sure[~known_p]) or 0, 4),
        "threshold_keeping_95pct_covered": round(float(np.quantile(sure[known_p], 0.05)), 4),
    }
    best = match_probability(fused.max(1))
    report["val_threshold_keeping_95pct_covered"] = round(float(np.quantile(best[known], 0.05)), 4)
    report["val"] = _figures(fused, sem, truth, known)
    test = ex(data["test"]) + ex(data["oos_test"])
    fused, sem, truth, known = scores(train, test, encode)
    report["clinc150_test"] = _figures(fused, sem, truth, known)
    report["cross_domain"] = cross_domain(data, encode)
    print(json.dumps(report, indent=2))


def _report_domains(data: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """Only the four report domains' intents (out-of-scope questions kept as gaps)."""
    keep = {i for d in REPORT for i in DOMAINS[d]}
    return {
        split: rows if split.startswith("oos") else [r for r in rows if r[1] in keep]
        for split, rows in data.items()
    }


def _figures(
    fused: np.ndarray, sem: np.ndarray, truth: np.ndarray, known: np.ndarray
) -> dict[str, object]:
    top = fused.argmax(1)
    old, new = confidence(sem), match_probability(fused.max(1))
    prob = match_probability(fused[np.arange(len(top)), top])
    right = (top == truth)[known]
    return {
        "acc1": round(float(right.mean()), 4),
        "gap_auc_old": round(roc_auc(old[known], old[~known]) or 0, 4),
        "gap_auc_new": round(roc_auc(new[known], new[~known]) or 0, 4),
        "mean_probability_right": round(float(prob[known][right].mean()), 4),
        "share_right_given_top": round(float(right.mean()), 4),
        "calibration_bins": _bins(prob, np.where(known, top == truth, False)),
    }


def _bins(prob: np.ndarray, right: np.ndarray) -> list[list[float]]:
    out = []
    for lo in np.arange(0, 1, 0.2):
        inside = (prob >= lo) & (prob < lo + 0.2 + (1e-9 if lo >= 0.8 else 0))
        if inside.any():
            share = round(float(right[inside].mean()), 3)
            out.append([round(float(lo), 1), int(inside.sum()), share])
    return out


def cross_domain(data: dict[str, list[list[str]]], encode: Encode) -> dict[str, object]:
    """Manual from the banking + credit-card intents' train questions; new lines: their test
    questions (covered) and the travel and work domains' test questions (gaps, another
    company's customers)."""
    inside = {i for d in BANKING for i in DOMAINS[d]}
    gaps = {i for d in ("travel", "work") for i in DOMAINS[d]}
    past = [Example(t, i) for t, i in data["train"] if i in inside]
    new = [Example(t, i) for t, i in data["test"] if i in inside or i in gaps]
    new += [Example(t, "oos") for t, _ in data["oos_test"]]
    fused, sem, truth, known = scores(past, new, encode)
    return _figures(fused, sem, truth, known)


if __name__ == "__main__":
    main()
