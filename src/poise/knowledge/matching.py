"""Issue matching in NumPy: customer words → the issues of the manual, with a gap score.

One algorithm serves the search page, the assist panel and ``poise eval kb``, so what is
evaluated is what agents get. Each issue (article) has several phrasings; a query is scored
against every phrasing and the scores are pooled per issue, then blended with the lexical
(full-text) score. Choices were made on CLINC150's validation split only; see docs/knowledge.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from poise.minilm.blas import one_blas_thread

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MatchParams:
    """How phrasing scores become an issue score; chosen on CLINC150 val (see docs/knowledge.md).

    On val, pooling beat nearest-neighbour alone: best phrasing 0.883 accuracy@1, mean of the
    top five 0.907, the issue's mean vector 0.918, this blend 0.927, plus words 0.935.
    """

    top_k: int = 5
    max_weight: float = 0.2  # the single most similar phrasing
    top_weight: float = 0.3  # the mean of the issue's top_k most similar phrasings
    centroid_weight: float = 0.5  # the issue's mean phrasing vector
    lexical_weight: float = 0.2  # the full-text score, scaled to [0, 1] per query
    classifier_weight: float = 0.5  # the issue classifier's probability (when one is fitted)
    classifier_rounds: int = 200
    gap_threshold: float = 0.25  # best match probability below: a gap (val: keeps 95% covered)


class Matcher:
    """Scores queries against the phrasings of ``issues`` issues (owner[i] = phrasing's issue)."""

    def __init__(
        self, vectors: FloatArray, owner: IntArray, issues: int, params: MatchParams | None = None
    ) -> None:
        self.params = params or MatchParams()
        self.issues = issues
        order = np.argsort(owner, kind="stable")
        self.order = order  # sorted position → the caller's phrasing index
        self.vectors = np.ascontiguousarray(vectors[order], dtype=np.float32)
        self.owner = owner[order]
        self.starts = np.searchsorted(self.owner, np.arange(issues + 1))
        self.counts = np.diff(self.starts)
        sums = np.zeros((issues, vectors.shape[1] if vectors.ndim == 2 else 0), np.float32)
        np.add.at(sums, self.owner, self.vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        self.centroids = sums / np.maximum(norms, 1e-9)

    def semantic(self, queries: FloatArray) -> FloatArray:
        """Issue scores (q, issues) from the cosine similarities to every phrasing."""
        if not self.issues:
            return np.zeros((len(queries), 0), np.float32)
        with one_blas_thread():
            return self._semantic(queries)

    def _semantic(self, queries: FloatArray) -> FloatArray:
        p = self.params
        sims = queries @ self.vectors.T
        best = np.full((len(queries), self.issues), -1.0, np.float32)
        has = self.counts > 0
        best[:, has] = np.maximum.reduceat(sims, self.starts[:-1][has], axis=1)
        score = p.max_weight * best + p.top_weight * self._top_k_mean(sims)
        score += p.centroid_weight * (queries @ self.centroids.T)
        result: FloatArray = score.astype(np.float32)
        return result

    def _top_k_mean(self, sims: FloatArray) -> FloatArray:
        """Mean of each issue's ``top_k`` best similarities (fewer phrasings: mean of all)."""
        k = self.params.top_k
        out = np.empty((sims.shape[0], self.issues), np.float32)
        # Group issues by phrasing count so each group is one vectorised partial sort.
        for count in np.unique(self.counts):
            members = np.flatnonzero(self.counts == count)
            if count == 0:
                out[:, members] = -1.0
                continue
            cols = self.starts[members][:, None] + np.arange(count)[None, :]
            block = sims[:, cols]  # (q, members, count)
            kk = min(k, int(count))
            part = np.partition(block, count - kk, axis=2)[:, :, count - kk :]
            out[:, members] = part.mean(axis=2)
        return out


def fuse(
    semantic: FloatArray,
    lexical: FloatArray,
    params: MatchParams,
    probabilities: FloatArray | None = None,
) -> FloatArray:
    """Blend semantic issue scores with lexical ones scaled to [0, 1] per query, and with the
    issue classifier's probabilities when the manual has one."""
    top = lexical.max(axis=-1, keepdims=True)
    scaled = np.where(top > 0, lexical / np.where(top > 0, top, 1.0), 0.0)
    fused = semantic + params.lexical_weight * scaled
    if probabilities is not None:
        fused = fused + params.classifier_weight * probabilities
    result: FloatArray = fused.astype(np.float32)
    return result


def confidence(semantic: FloatArray) -> FloatArray:
    """How sure the best match is: its semantic score (lexical scores are relative, so they
    cannot tell a covered issue from an uncovered one)."""
    result: FloatArray = semantic.max(axis=-1)
    return result


# P(article is the customer's issue) = 1 / (1 + exp(-(A * hybrid + B))), fitted on CLINC150
# val by benchmarks/kb_calibration.py (each query against its five best articles): with the
# general MiniLM on all 150 intents (12.2578, -12.2409), plus the change the manual's tuned
# encoder makes to the same fit on the four report domains, which it never saw (general
# 13.634 / -14.281, tuned 13.545 / -14.570). A fit of the tuned encoder on all 150 intents
# would read the 90 it was tuned on as surer than a team's own issues will be.
CALIBRATION_A = 12.169
CALIBRATION_B = -12.530
# The same for a hybrid score without the classifier's term: the search has no classifier
# for a manual of one issue, or one too large to fit it (or while it is fitted in the
# background), and the term adds up to 0.5, so the first pair would call every match a gap.
# General on 150 intents 15.0264 / -12.4025; report domains general 17.368 / -14.769, tuned
# 21.003 / -18.183.
POOLED_A = 18.661
POOLED_B = -15.817


def match_probability(hybrid: FloatArray | float, *, classifier: bool = True) -> FloatArray:
    """The one score people see: a calibrated match probability from the hybrid score, on the
    scale of a score with the issue classifier's term or (``classifier`` false) without it."""
    a, b = (CALIBRATION_A, CALIBRATION_B) if classifier else (POOLED_A, POOLED_B)
    x = np.asarray(hybrid, dtype=np.float64)
    result: FloatArray = (1.0 / (1.0 + np.exp(-(a * x + b)))).astype(np.float32)
    return result
