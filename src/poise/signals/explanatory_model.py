"""Learned explanatory-style heads: one logistic head per CAVE dimension over MiniLM.

Why beside the rules: the rules read our own phrasings well but on reflections written by
others they were hardly better than calling nothing pessimistic. A sentence embedding carries
"I'm forever leaving people on hold" and "I always forget" alike, whatever the words.

The rules stay inside: each head sees the embedding *and* the rules' summed weight, so the
rating keeps the phrases behind it. The heads are a (3, 384 + k) weight matrix, a bias and a
threshold per dimension in a small ``.npz`` (no pickle), fitted by
``poise train explanatory-style`` (:mod:`poise.signals.training.explanatory`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from poise.signals.explanatory_cues import PERM, PERS, PERV

if TYPE_CHECKING:
    from poise.signals.explanatory import ExplanatoryResult

DIMENSIONS = (PERM, PERV, PERS)
ARTIFACT = Path(__file__).parent / "artifacts" / "explanatory-heads.npz"
Embed = Callable[[list[str]], npt.NDArray[np.float32]]
MIN_WORDS = 4  # shorter than this is not an explanation ("Hello.", "ok"): the rules alone
RULE_CLIP = 4.5  # summed rule weight beyond ±4.5 says nothing more (the rating is 1 or 7 by 3)


def rule_features(results: Sequence[ExplanatoryResult]) -> npt.NDArray[np.float64]:
    """(n, 3) the rules' summed weight per dimension, clipped, in ``DIMENSIONS`` order."""
    scores = [[d.score for d in r.dimensions] for r in results]
    return np.clip(np.array(scores, np.float64).reshape(-1, 3), -RULE_CLIP, RULE_CLIP)


class ExplanatoryHeads:
    """Per-dimension ``sigmoid([embedding, rule scores] @ w + b)`` against ``thresholds``."""

    def __init__(
        self,
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
        thresholds: npt.NDArray[np.float64],
        rules: str,
        rule_scale: float,
    ) -> None:
        self.weights, self.bias, self.thresholds = weights, bias, thresholds
        self.rules, self.rule_scale = rules, rule_scale

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> ExplanatoryHeads:
        with np.load(path, allow_pickle=False) as stored:
            if [str(x) for x in stored["dimensions"]] != list(DIMENSIONS):
                raise ValueError(f"{path.name}: dimensions differ from {DIMENSIONS}")
            return cls(
                stored["weights"].astype(np.float64),
                stored["bias"],
                stored["thresholds"],
                str(stored["rules"]),
                float(stored["rule_scale"]),
            )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            dimensions=np.array(DIMENSIONS),
            weights=self.weights.astype(np.float32),
            bias=self.bias,
            thresholds=self.thresholds,
            rules=np.array(self.rules),
            rule_scale=np.array(self.rule_scale),
        )

    def _inputs(
        self, x: npt.NDArray[np.float64], rules: npt.NDArray[np.float64], j: int
    ) -> npt.NDArray[np.float64]:
        scaled = rules * self.rule_scale
        if self.rules == "none":
            return x
        if self.rules == "own":
            return np.hstack([x, scaled[:, [j]]])
        return np.hstack([x, scaled])

    def probabilities(self, texts: list[str], embed: Embed) -> npt.NDArray[np.float64]:
        """(n, 3) probabilities of the pessimistic side for ``texts``."""
        from poise.signals.explanatory import ExplanatoryScorer

        scorer = ExplanatoryScorer(learned=False)
        return self.from_parts(
            np.asarray(embed(texts), np.float64), rule_features([scorer.score(t) for t in texts])
        )

    def from_parts(
        self, x: npt.NDArray[np.float64], rules: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """(n, 3) probabilities from embeddings (n, 384) and rule scores (n, 3)."""
        out = np.zeros((x.shape[0], 3))
        for j in range(3):
            logits = self._inputs(x, rules, j) @ self.weights[j].astype(np.float64) + self.bias[j]
            out[:, j] = 1.0 / (1.0 + np.exp(-logits))
        return out


_heads: ExplanatoryHeads | None = None
_lock = threading.Lock()


def shipped_heads() -> ExplanatoryHeads | None:
    """The shipped heads, loaded once; None when the artifact is absent."""
    global _heads
    with _lock:
        if _heads is None and ARTIFACT.is_file():
            _heads = ExplanatoryHeads.load(ARTIFACT)
        return _heads


def minilm_embed(texts: list[str]) -> npt.NDArray[np.float32]:
    """The bundled MiniLM sentence embedding, the one the reply-feedback heads use.

    Imported lazily from :mod:`poise.minilm.encoder` (loading it costs ~0.5 s): the heads were
    fitted on its vectors.
    """
    from poise.minilm.encoder import get_encoder

    return get_encoder().encode(texts)


def learned_calls(
    text: str, rules: ExplanatoryResult, heads: ExplanatoryHeads | None = None
) -> tuple[bool, bool, bool] | None:
    """The heads' pessimistic call per dimension, or None when no model is available.

    A text of a few words names no cause; the heads, trained on explanations, would answer
    with their prior there, so the rules alone rate it.
    """
    heads = heads or shipped_heads()
    if heads is None or len(text.split()) < MIN_WORDS:
        return None
    try:
        x = np.asarray(minilm_embed([text]), np.float64)
    except ImportError:  # pragma: no cover - the encoder's packages are dependencies
        return None
    p = heads.from_parts(x, rule_features([rules]))[0]
    calls = p >= heads.thresholds
    return (bool(calls[0]), bool(calls[1]), bool(calls[2]))
