"""An issue classifier fitted on the manual's own phrasings: multinomial logistic regression.

Why: pooling similarities treats every embedding direction alike; a linear classifier learns
which directions separate *these* issues. On CLINC150 val it lifted accuracy@1 from 0.931 to
about 0.96 when blended with the pooled score (fitted on train only). It is fitted in NumPy
(Adam on the full batch, float32), so serving needs no torch and no training artifact: the
weights live in memory beside the phrasing vectors and are refitted when the manual changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poise.knowledge.matching import FloatArray, IntArray


@dataclass(frozen=True)
class IssueClassifier:
    weights: FloatArray  # (dim, issues)
    bias: FloatArray  # (issues,)

    def probabilities(self, queries: FloatArray) -> FloatArray:
        logits = queries @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits


def fit_classifier(
    vectors: FloatArray,
    owner: IntArray,
    issues: int,
    *,
    rounds: int = 300,
    rate: float = 0.05,
    l2: float = 1e-5,
    seed: int = 0,
) -> IssueClassifier:
    """Multinomial logistic regression of issue on phrasing vector (Adam, full batch)."""
    rng = np.random.default_rng(seed)
    n, dim = vectors.shape
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    w = (rng.standard_normal((dim, issues)) * 0.01).astype(np.float32)
    b = np.zeros(issues, np.float32)
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    rows = np.arange(n)
    for step in range(1, rounds + 1):
        probs = IssueClassifier(w, b).probabilities(x)
        probs[rows, owner] -= 1.0
        probs /= n
        grads = (x.T @ probs + l2 * w, probs.sum(axis=0))
        for i, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
            m, v = moments[2 * i], moments[2 * i + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            m_hat = m / (1 - 0.9**step)
            v_hat = v / (1 - 0.999**step)
            param -= (rate * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
    return IssueClassifier(w, b)
