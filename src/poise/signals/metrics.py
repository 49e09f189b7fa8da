"""Binary and multi-class metrics in NumPy, so evaluation needs no scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties averaged (what the Mann–Whitney U statistic needs)."""
    order = np.argsort(values, kind="mergesort")
    sorted_vals = values[order]
    ranks = np.empty(len(values), np.float64)
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or sorted_vals[end] != sorted_vals[start]:
            ranks[order[start:end]] = (start + end + 1) / 2.0
            start = end
    return ranks


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """ROC-AUC; NaN when only one class is present."""
    y = np.asarray(labels, bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = _ranks(np.asarray(scores, np.float64))
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def binary_report(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> dict[str, float]:
    """Precision, recall and F1 at ``score >= threshold``, plus ROC-AUC."""
    y = np.asarray(labels, bool)
    pred = np.asarray(scores, np.float64) >= threshold
    tp = int((pred & y).sum())
    precision = tp / int(pred.sum()) if pred.any() else 0.0
    recall = tp / int(y.sum()) if y.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "auc": roc_auc(labels, scores)}


def macro_f1(truth: Sequence[int], predicted: Sequence[int], classes: int) -> float:
    """Unweighted mean of per-class F1 over classes present in truth or predictions."""
    t, p = np.asarray(truth), np.asarray(predicted)
    scores = []
    for k in range(classes):
        tp = int(((t == k) & (p == k)).sum())
        support, guessed = int((t == k).sum()), int((p == k).sum())
        if support == 0 and guessed == 0:
            continue
        scores.append(2 * tp / (support + guessed))
    return float(np.mean(scores)) if scores else 0.0
