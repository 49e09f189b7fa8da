"""The negativity scorer: lexical model + distilled encoder, stacked and calibrated.

Serving only loads: the artifact folder holds the vocabulary (JSON), arrays (``.npz``), the
encoder (ONNX) and ``manifest.json``, which names the files, the stacking weights and the
version stored beside every score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from poise.signals.abuse import abuse_evidence
from poise.signals.cache import TextCache
from poise.signals.encoder import OnnxEncoder
from poise.signals.labels import EMOTIONS, NEGATIVE_EMOTIONS
from poise.signals.lexical import LexicalModel
from poise.signals.text import normalize
from poise.signals.types import NegativityResult
from poise.signals.vader import compound

CACHE_SIZE = 4096
_NEG_IDX = [i for i, e in enumerate(EMOTIONS) if e in NEGATIVE_EMOTIONS]
_CALM_IDX = [i for i, e in enumerate(EMOTIONS) if e not in NEGATIVE_EMOTIONS]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    out: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return out


class NegativityScorer:
    """Scores customer messages; thread-safe for reads, with a small LRU cache."""

    name = "negativity"

    def __init__(self, folder: Path, spec: dict[str, Any], encoder: OnnxEncoder | None) -> None:
        self.version: str = spec["version"]
        self.lexical = LexicalModel.load(folder, spec["lexical"])
        self.encoder = encoder
        self._features: list[str] = spec["stack"]["features"]
        self._weights = np.asarray(spec["stack"]["weights"], np.float64)
        self._bias = float(spec["stack"]["bias"])
        self._emo_weights: dict[str, float] = spec.get("emotion_weights", {"lexical": 1.0})
        self._cache: TextCache[NegativityResult] = TextCache(CACHE_SIZE)

    def score(self, text: str) -> NegativityResult:
        """Score one message (cached: repeated texts cost a dictionary lookup)."""
        return self.score_batch([text])[0]

    def score_batch(self, texts: Sequence[str]) -> list[NegativityResult]:
        """Score many messages at once; the encoder runs once over the uncached ones."""
        return self._cache.fetch(texts, self._compute)

    def clear_cache(self) -> None:
        """Forget remembered texts (benchmarks measure the model, not the cache)."""
        self._cache.clear()
        if self.encoder is not None:
            self.encoder.clear_cache()

    def _compute(self, texts: list[str]) -> list[NegativityResult]:
        clean = [normalize(t) for t in texts]
        encoded = None
        if self.encoder is not None:  # runs while the lexical work below goes on
            encoded = self.encoder.encode_meanwhile([c or "." for c in clean])
        feats = [self.lexical.features(t) for t in clean]
        columns: dict[str, np.ndarray] = {
            "lexical": np.array([self.lexical.negativity_logit(f) for f in feats])
        }
        emo = self._emo_weights.get("lexical", 0.0) * _log_softmax(
            np.stack([self.lexical.emotion_logits(f) for f in feats]).astype(np.float64)
        )
        if "vader" in self._features:
            columns["vader"] = np.array([compound(t) for t in clean])
        if encoded is not None:
            out = encoded()
            columns["encoder"] = out.negativity.astype(np.float64)
            emo = emo + self._emo_weights.get("encoder", 0.0) * _log_softmax(
                out.emotion.astype(np.float64)
            )
        z = self._bias + np.column_stack([columns[f] for f in self._features]) @ self._weights
        return [self._result(texts[i], float(z[i]), emo[i], feats[i]) for i in range(len(texts))]

    def _result(
        self, text: str, z: float, emo: np.ndarray, feats: tuple[list[int], list[float]]
    ) -> NegativityResult:
        score = _sigmoid(z)
        allowed = _NEG_IDX if score >= 0.5 else _CALM_IDX
        emotion = EMOTIONS[max(allowed, key=lambda k: float(emo[k]))]
        abuse = abuse_evidence(text)
        evidence = abuse + [
            w for w in self.lexical.evidence(feats, sign=score >= 0.5) if w not in abuse
        ]
        return NegativityResult(
            score=score,
            emotion=emotion,
            abusive=bool(abuse),
            evidence=evidence[:6],
            version=self.version,
        )

    def raw_emotions(self, texts: Sequence[str]) -> list[str]:
        """Emotion head without the negativity gate (what the GoEmotions eval measures)."""
        clean = [normalize(t) for t in texts]
        emo = self._emo_weights.get("lexical", 0.0) * _log_softmax(
            np.stack([self.lexical.emotion_logits(self.lexical.features(t)) for t in clean]).astype(
                np.float64
            )
        )
        if self.encoder is not None:
            out = self.encoder.encode([c or "." for c in clean])
            emo = emo + self._emo_weights.get("encoder", 0.0) * _log_softmax(
                out.emotion.astype(np.float64)
            )
        return [EMOTIONS[int(k)] for k in emo.argmax(axis=1)]
