"""Fit the TF-IDF heads of :class:`LexicalModel` with scikit-learn (training only)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse  # type: ignore[import-untyped,unused-ignore]
from sklearn.linear_model import LogisticRegression

from poise.signals.labels import EMOTIONS
from poise.signals.lexical import LexicalModel, terms
from poise.signals.training.data import Example


def build_vocab(texts: Sequence[str], min_df: int = 2, max_terms: int = 60000) -> dict[str, int]:
    """Terms seen in at least ``min_df`` texts, the most frequent ``max_terms`` kept."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(terms(text)))
    kept = [t for t, n in df.most_common(max_terms) if n >= min_df]
    return {t: i for i, t in enumerate(sorted(kept))}


def idf_weights(texts: Sequence[str], vocab: dict[str, int]) -> np.ndarray:
    """Smoothed IDF, as scikit-learn computes it."""
    df = np.zeros(len(vocab), np.float64)
    for text in texts:
        for i in {vocab[t] for t in terms(text) if t in vocab}:
            df[i] += 1
    return np.log((1 + len(texts)) / (1 + df)) + 1.0


def matrix(model: LexicalModel, texts: Sequence[str]) -> sparse.csr_matrix:
    """Rows of ``model.features`` stacked as a CSR matrix."""
    indptr, indices, data = [0], [], []
    for text in texts:
        ids, vals = model.features(text)
        indices.extend(ids)
        data.extend(vals)
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), len(model.vocab)))


def fit_lexical(
    train: Sequence[Example], weights: Sequence[float], c_neg: float = 4.0, c_emo: float = 2.0
) -> LexicalModel:
    """Fit vocabulary, IDF and both heads on ``train`` with per-example ``weights``."""
    texts = [e.text for e in train]
    vocab = build_vocab(texts)
    idf = idf_weights(texts, vocab).astype(np.float32)
    empty = np.zeros(len(vocab), np.float32)
    model = LexicalModel(
        vocab,
        idf,
        empty,
        0.0,
        np.zeros((len(vocab), len(EMOTIONS)), np.float32),
        np.zeros(len(EMOTIONS), np.float32),
    )
    x = matrix(model, texts)
    y = np.array([e.negative for e in train])
    neg = LogisticRegression(C=c_neg, max_iter=2000)
    neg.fit(x, y, sample_weight=np.asarray(weights))
    model.neg_coef = neg.coef_[0].astype(np.float32)
    model.neg_bias = float(neg.intercept_[0])
    rows = [i for i, e in enumerate(train) if e.emotion >= 0]
    emo = LogisticRegression(C=c_emo, max_iter=2000, class_weight="balanced")
    emo.fit(x[rows], np.array([train[i].emotion for i in rows]))
    coef = np.zeros((len(vocab), len(EMOTIONS)), np.float32)
    bias = np.full(len(EMOTIONS), -math.inf, np.float32)
    for k, cls in enumerate(emo.classes_):
        coef[:, cls] = emo.coef_[k]
        bias[cls] = emo.intercept_[k]
    model.emo_coef, model.emo_bias = coef, bias
    return model
