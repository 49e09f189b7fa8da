"""Drift: do the customer's later turns wander from the conversation's purpose?

Each later customer turn is embedded and compared with the purpose by cosine similarity;
``1 - cosine`` is mapped through a logistic calibration fitted on CLINC150 validation pairs,
so a score of 0.5 is the decision point. Very short turns ("ok", "thanks!") carry no topic
and are skipped rather than counted as drift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from poise.signals.encoder import OnnxEncoder
from poise.signals.lexical import LexicalModel
from poise.signals.text import normalize, words
from poise.signals.types import DriftResult

MIN_WORDS = 4


class DriftScorer:
    """Embeds texts with the student encoder, or with TF-IDF when no encoder is shipped."""

    name = "drift"

    def __init__(
        self,
        folder: Path,
        spec: dict[str, Any],
        encoder: OnnxEncoder | None,
        lexical: LexicalModel,
    ) -> None:
        self.version: str = spec["version"]
        self._a = float(spec["a"])
        self._b = float(spec["b"])
        self._encoder = encoder if spec.get("embedding") == "encoder" else None
        self._lexical = lexical

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text."""
        clean = [normalize(t) or "." for t in texts]
        if self._encoder is not None:
            return self._encoder.encode(clean).embedding
        rows = np.zeros((len(clean), len(self._lexical.vocab)), np.float32)
        for r, text in enumerate(clean):
            ids, vals = self._lexical.features(text)
            rows[r, ids] = vals
        return rows

    def calibrate(self, distance: float) -> float:
        """Map ``1 - cosine`` to a drift probability."""
        return 1.0 / (1.0 + math.exp(-(self._a * distance + self._b)))

    def pair_scores(self, purposes: Sequence[str], followups: Sequence[str]) -> list[float]:
        """Drift score of each follow-up against its purpose (each distinct text embedded once:
        a conversation compares many turns with one purpose)."""
        unique = list(dict.fromkeys([*purposes, *followups]))
        vectors = dict(zip(unique, self.embed(unique), strict=True))
        return [
            self.calibrate(1.0 - float(vectors[p] @ vectors[f]))
            for p, f in zip(purposes, followups, strict=True)
        ]

    def drift(
        self,
        purpose: str,
        turns: Sequence[tuple[int, str]],
        replies_to: dict[int, str] | None = None,
    ) -> DriftResult:
        """Score ``(index, text)`` customer turns against ``purpose``; report the first drift.

        ``replies_to`` maps a turn's index to the agent turn it answers. An answer to the
        agent's question ("the light stays white") is far from the purpose in words but on
        topic, so a turn drifts only when it is far from the purpose *and* from that question.
        """
        usable = [(i, t) for i, t in turns if len(words(normalize(t))) >= MIN_WORDS]
        if not usable or not purpose.strip():
            return DriftResult(drifted=False, score=0.0, purpose=purpose, turn_index=None)
        texts = [t for _, t in usable]
        context = replies_to or {}
        asked = [(k, context[i]) for k, (i, _) in enumerate(usable) if context.get(i, "").strip()]
        # One call for both comparisons, so every text is embedded once.
        pairs = self.pair_scores(
            [purpose] * len(usable) + [q for _, q in asked],
            texts + [texts[k] for k, _ in asked],
        )
        scores = pairs[: len(usable)]
        for (k, _), answer in zip(asked, pairs[len(usable) :], strict=True):
            scores[k] = min(scores[k], answer)
        first = next((i for (i, _), s in zip(usable, scores, strict=True) if s >= 0.5), None)
        return DriftResult(
            drifted=first is not None, score=max(scores), purpose=purpose, turn_index=first
        )
