"""The negativity scorer: lexical model + distilled encoder, stacked and calibrated.

Serving only loads: the artifact folder holds the vocabulary (JSON), arrays (``.npz``), the
encoder (ONNX) and ``manifest.json``, which names the files, the stacking weights and the
version stored beside every score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from poise.signals.abuse import abuse_evidence, leaving_evidence
from poise.signals.encoder import OnnxEncoder
from poise.signals.feeling import DECIDE, FeelingHead, feeling_features, level_of
from poise.signals.labels import EMOTIONS, NEGATIVE_EMOTIONS
from poise.signals.lexical import LexicalModel, said_words
from poise.signals.text import normalize
from poise.signals.types import NegativityResult
from poise.signals.vader import compound, negative_words
from poise.textcache import TextCache

CACHE_SIZE = 4096
_NEG_IDX = [i for i, e in enumerate(EMOTIONS) if e in NEGATIVE_EMOTIONS]
_CALM_IDX = [i for i, e in enumerate(EMOTIONS) if e not in NEGATIVE_EMOTIONS]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass
class MessageParts:
    """What the scorer computes per text before the heads: one row each."""

    lexical_features: list[tuple[list[int], list[float]]]
    lexical: np.ndarray
    lexical_emotion: np.ndarray
    vader: np.ndarray
    encoder: np.ndarray
    encoder_emotion: np.ndarray
    embedding: np.ndarray

    def feeling_features(self) -> np.ndarray:
        return feeling_features(
            self.embedding,
            self.encoder_emotion,
            self.encoder,
            self.vader,
        )


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
        feeling = spec.get("feeling")
        self.feeling = FeelingHead.load(folder, feeling) if feeling else None

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

    def parts(self, texts: Sequence[str]) -> MessageParts:
        """Everything the heads read for each text: both models' complaint logits and emotion
        logits, the sentence embedding and VADER; the encoder runs while the rest is computed."""
        clean = [normalize(t) for t in texts]
        encoded = None
        if self.encoder is not None:  # runs while the lexical work below goes on
            encoded = self.encoder.encode_meanwhile([c or "." for c in clean])
        feats = [self.lexical.features(t) for t in clean]
        n = len(clean)
        parts = MessageParts(
            lexical_features=feats,
            lexical=np.array([self.lexical.negativity_logit(f) for f in feats], np.float64),
            lexical_emotion=np.stack([self.lexical.emotion_logits(f) for f in feats]).astype(
                np.float64
            )
            if feats
            else np.zeros((0, len(EMOTIONS))),
            vader=np.array([compound(t) for t in clean], np.float64),
            encoder=np.zeros(n),
            encoder_emotion=np.zeros((n, len(EMOTIONS))),
            embedding=np.zeros((n, 384)),
        )
        if encoded is not None:
            out = encoded()
            parts.encoder = out.negativity.astype(np.float64)
            parts.encoder_emotion = out.emotion.astype(np.float64)
            parts.embedding = out.embedding.astype(np.float64)
        return parts

    def _compute(self, texts: list[str]) -> list[NegativityResult]:
        p = self.parts(texts)
        columns = {"lexical": p.lexical, "vader": p.vader, "encoder": p.encoder}
        emo = self._emo_weights.get("lexical", 0.0) * _log_softmax(p.lexical_emotion)
        if self.encoder is not None:
            emo = emo + self._emo_weights.get("encoder", 0.0) * _log_softmax(p.encoder_emotion)
        z = self._bias + np.column_stack([columns[f] for f in self._features]) @ self._weights
        complaint = [_sigmoid(float(v)) for v in z]
        if self.feeling is not None:
            probs = self.feeling.probabilities(p.feeling_features())
        else:  # an artifact without a feeling head: the complaint score stands in for it
            probs = np.array([[c, 1 - c, 0.0] for c in complaint]).reshape(-1, 3)
        return [
            self._result(texts[i], complaint[i], probs[i], emo[i], p.lexical_features[i])
            for i in range(len(texts))
        ]

    def _result(
        self,
        text: str,
        complaint: float,
        probs: np.ndarray,
        emo: np.ndarray,
        feats: tuple[list[int], list[float]],
    ) -> NegativityResult:
        negative, positive = float(probs[0]), float(probs[2])
        allowed = _NEG_IDX if negative >= DECIDE else _CALM_IDX
        emotion = EMOTIONS[max(allowed, key=lambda k: float(emo[k]))]
        abuse = abuse_evidence(text)
        said = said_words(text)
        unhappy = negative >= DECIDE
        # Under an unhappy message the feeling words come first ("fuming", "useless"): the
        # lexical model's terms also carry what is reported ("email", "log in"), not felt.
        felt = negative_words(normalize(text)) if unhappy else []
        evidence = abuse + [
            w
            for w in (*felt, *self.lexical.evidence(feats, sign=unhappy, said=said))
            if w not in abuse
        ]
        evidence = list(dict.fromkeys(evidence))
        return NegativityResult(
            score=negative,
            emotion=emotion,
            abusive=bool(abuse),
            evidence=evidence[:6],
            version=self.version,
            complaint=complaint,
            positive=positive,
            level=level_of(negative, positive),
            leaving=leaving_evidence(text),
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
