"""Can gap detection gain from more than the best hybrid score? A study on the *tuning* parts.

The search calls a message a gap when the best article's match probability (a logistic of the
best hybrid score) is low. This script computes, for each new line of every tuning fold of
``benchmarks/kb_sets.py``, that score and candidate extra features:

- ``margin``: best minus second-best hybrid score; ``sem_margin``: the same on meaning alone;
- ``semantic``, ``classifier``, ``lexical``: the best article's parts (words scaled per query);
- ``nearest``: cosine to the single nearest phrasing of the manual;
- ``centre``: cosine to the mean of the whole manual (is the message about this business?);
- ``mahalanobis``: minus the smallest Mahalanobis distance to an issue's mean, with a shared,
  shrunk covariance (Podolskiy et al., AAAI 2021, for out-of-scope intents);
- ``energy``: log-sum-exp of the issue classifier's logits (Liu et al., NeurIPS 2020).

It prints each feature's gap ROC-AUC alone, then logistic combinations fitted on two sets and
scored on the third (so a combination must carry over to a set it never saw), then a ceiling:
every feature, fitted on the other folds of the same set. The holdout parts are never read.

    python benchmarks/kb_gap_features.py [--data-dir DIR] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import kb_sets
import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from poise.knowledge.classifier import fit_classifier
from poise.knowledge.evaluation import Encode, cached_encoder, match_lines, roc_auc
from poise.knowledge.search import clean_query
from poise.minilm.encoder import get_encoder

Features = dict[str, np.ndarray]
COMBINATIONS = (
    ("best",),
    ("best", "margin"),
    ("best", "nearest"),
    ("best", "centre"),
    ("best", "lexical"),
    ("best", "sem_margin"),
    ("best", "mahalanobis"),
    ("best", "energy"),
    ("best", "nearest", "energy"),
    ("best", "margin", "semantic", "classifier", "lexical", "nearest", "centre"),
)


def features(kb_set: kb_sets.KbSet, encode: Encode) -> tuple[Features, np.ndarray]:
    """Per new line: the candidate gap features, and whether its issue is in the manual."""
    m = match_lines(kb_set.past, kb_set.new, encode=encode)
    assert m.classifier is not None, "these sets' manuals have many issues, so a classifier"
    rows = np.arange(len(m.fused))
    order = np.argsort(-m.fused, axis=1)
    top, second = order[:, 0], order[:, 1]
    top_lex = m.lexical.max(1)
    sem = np.sort(m.semantic, axis=1)
    past = encode([e.text for e in kb_set.past]).astype(np.float64)
    new = encode([clean_query(e.text) for e in kb_set.new]).astype(np.float64)
    centre = past.mean(0) / np.linalg.norm(past.mean(0))
    out = {
        "best": m.fused[rows, top],
        "margin": m.fused[rows, top] - m.fused[rows, second],
        "sem_margin": sem[:, -1] - sem[:, -2],
        "semantic": m.semantic[rows, top],
        "classifier": m.classifier[rows, top],
        "lexical": np.where(top_lex > 0, m.lexical[rows, top] / np.maximum(top_lex, 1e-9), 0.0),
        "nearest": (new @ past.T).max(1),
        "centre": new @ centre,
        **_density(kb_set, past, new),
    }
    return out, m.known


def _density(kb_set: kb_sets.KbSet, past: np.ndarray, new: np.ndarray) -> Features:
    names = sorted({e.issue for e in kb_set.past})
    index = {n: i for i, n in enumerate(names)}
    owner = np.asarray([index[e.issue] for e in kb_set.past], np.int64)
    means = np.zeros((len(names), past.shape[1]))
    np.add.at(means, owner, past)
    means /= np.bincount(owner)[:, None]
    residual = past - means[owner]
    cov = residual.T @ residual / len(past)
    cov = 0.4 * cov + 0.6 * np.trace(cov) / len(cov) * np.eye(len(cov))
    precision = np.linalg.inv(cov)
    qp = new @ precision
    dist = (qp * new).sum(1)[:, None] - 2 * qp @ means.T + ((means @ precision) * means).sum(1)
    clf = fit_classifier(past.astype(np.float32), owner, len(names), rounds=200)
    logits = new.astype(np.float32) @ clf.weights + clf.bias
    peak = logits.max(1)
    energy = peak + np.log(np.exp(logits - peak[:, None]).sum(1))
    return {"mahalanobis": -dist.min(1), "energy": energy}


def _auc(score: np.ndarray, known: np.ndarray) -> float:
    return roc_auc(score[known], score[~known]) or 0.0


def _matrix(folds: list[tuple[Features, np.ndarray]], names: tuple[str, ...]) -> np.ndarray:
    return np.vstack([np.column_stack([f[n] for n in names]) for f, _ in folds])


def _fit(folds: list[tuple[Features, np.ndarray]], names: tuple[str, ...]) -> LogisticRegression:
    """Logistic regression of "covered" on the features; every fold weighs the same."""
    weights = np.concatenate([np.full(len(k), 1.0 / len(k)) for _, k in folds])
    known = np.concatenate([k for _, k in folds])
    model = LogisticRegression(C=100.0, max_iter=5000)
    return model.fit(_matrix(folds, names), known, sample_weight=weights * len(weights))


def _mean_auc(
    model: LogisticRegression, folds: list[tuple[Features, np.ndarray]], names: tuple[str, ...]
) -> float:
    aucs = [_auc(model.decision_function(_matrix([fold], names)), fold[1]) for fold in folds]
    return round(float(np.mean(aucs)), 4)


def study(sets: dict[str, list[tuple[Features, np.ndarray]]]) -> dict[str, object]:
    """Single features, combinations carried over to an unseen set, and the in-set ceiling."""
    names = list(next(iter(sets.values()))[0][0])
    single = {
        n: {
            s: round(float(np.mean([_auc(f[n], k) for f, k in folds])), 4)
            for s, folds in sets.items()
        }
        for n in names
    }
    carried: dict[str, dict[str, float]] = {}
    for combination in COMBINATIONS:
        row = {}
        for held, folds in sets.items():
            others = [fold for s, fs in sets.items() if s != held for fold in fs]
            row[held] = _mean_auc(_fit(others, combination), folds, combination)
        carried["+".join(combination)] = row
    every = tuple(names)
    ceiling = {}
    for name, folds in sets.items():
        aucs = []
        for i, fold in enumerate(folds):
            rest = [f for j, f in enumerate(folds) if j != i] or folds
            aucs.append(_mean_auc(_fit(rest, every), [fold], every))
        ceiling[name] = round(float(np.mean(aucs)), 4)
    return {"single": single, "carried_over": carried, "ceiling_in_set": ceiling}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=kb_sets.SHARED)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    sets = {name: build(args.data_dir, "tuning") for name, build in kb_sets.BUILDERS.items()}
    encode = kb_sets.memo_encoder(cached_encoder(get_encoder().encode, args.cache), sets)
    computed = {name: [features(s, encode) for s in folds] for name, folds in sets.items()}
    print(json.dumps(study(computed), indent=1))


if __name__ == "__main__":
    main()
