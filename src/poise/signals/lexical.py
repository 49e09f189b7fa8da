"""A TF-IDF bag of words scored with linear heads, in plain NumPy.

It is the cheap half of the negativity model: ~20,000 messages/s, and its per-word
contributions are the evidence we show beside a score. Training fits the weights with
scikit-learn; serving needs only the vocabulary (JSON) and the arrays (``.npz``).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from poise.signals.text import normalize, words

FloatArray = npt.NDArray[np.float32]
Features = tuple[list[int], list[float]]


def terms(text: str) -> list[str]:
    """Unigrams and bigrams of normalised text; the single definition of a 'term'."""
    toks = words(normalize(text))
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


# Words that can carry weight in a model but explain nothing to a reader.
_FILLER_WORDS = (
    "a am an and are as at be been but by for from had has have i i'm in is it it's me my of on "
    "or so that the their them they this to was we were with you your"
)
_FILLER = frozenset(_FILLER_WORDS.split())


def explains(term: str) -> bool:
    """Whether a term tells a reader why: not only stop words, and no bare punctuation. The
    model weighs a "?" or a "!", but agents read "why: is anyone, this ?, hello ?, ? is"."""
    tokens = term.split()
    readable = all(any(ch.isalnum() for ch in w) for w in tokens)
    return bool(tokens) and readable and not all(w in _FILLER for w in tokens)


def shown_evidence(ranked: Iterable[str]) -> list[str]:
    """The terms, strongest first, that a reader is shown: those that explain, less those
    whose telling words a stronger one already shows ("third time, the third, third" said
    "third" three times to the agent reading it)."""
    shown: list[str] = []
    seen: set[str] = set()
    for term in (t for t in ranked if explains(t)):
        telling = {w for w in term.split() if w not in _FILLER}
        if telling and telling <= seen:
            continue
        shown.append(term)
        seen |= telling
    return shown


@dataclass
class LexicalModel:
    """Vocabulary, IDF weights and two linear heads (negativity, emotion)."""

    vocab: dict[str, int]
    idf: FloatArray
    neg_coef: FloatArray
    neg_bias: float
    emo_coef: FloatArray  # (vocab, emotions)
    emo_bias: FloatArray

    def features(self, text: str) -> Features:
        """Sparse, L2-normalised sublinear TF-IDF vector of ``text``."""
        counts = Counter(i for t in terms(text) if (i := self.vocab.get(t)) is not None)
        ids = list(counts)
        vals = [(1.0 + math.log(c)) * float(self.idf[i]) for i, c in counts.items()]
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return ids, [v / norm for v in vals]

    def negativity_logit(self, feats: Features) -> float:
        ids, vals = feats
        return self.neg_bias + float(np.dot(self.neg_coef[ids], vals)) if ids else self.neg_bias

    def emotion_logits(self, feats: Features) -> FloatArray:
        ids, vals = feats
        if not ids:
            return self.emo_bias.copy()
        out: FloatArray = self.emo_bias + np.asarray(vals, np.float32) @ self.emo_coef[ids]
        return out

    def evidence(self, feats: Features, sign: bool = True, limit: int = 5) -> list[str]:
        """Terms that pushed the score toward negative (``sign``) or away, strongest first."""
        ids, vals = feats
        names = self._names()
        direction = 1.0 if sign else -1.0
        pushes = sorted(
            (
                (direction * float(self.neg_coef[i]) * v, names[i])
                for i, v in zip(ids, vals, strict=True)
            ),
            reverse=True,
        )
        return shown_evidence(name for push, name in pushes if push > 0.05)[:limit]

    def _names(self) -> list[str]:
        cached: list[str] | None = getattr(self, "_name_list", None)
        if cached is None:
            cached = [""] * len(self.vocab)
            for name, i in self.vocab.items():
                cached[i] = name
            self._name_list = cached
        return cached

    def save(self, folder: Path, stem: str) -> list[Path]:
        """Write ``stem.vocab.json`` and ``stem.npz``; returns the files written."""
        vocab_path = folder / f"{stem}.vocab.json"
        arrays_path = folder / f"{stem}.npz"
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        vocab_path.write_text(json.dumps(names, separators=(",", ":")))
        np.savez_compressed(
            arrays_path,
            idf=self.idf.astype(np.float32),
            neg_coef=self.neg_coef.astype(np.float32),
            neg_bias=np.float32(self.neg_bias),
            emo_coef=self.emo_coef.astype(np.float16),
            emo_bias=self.emo_bias.astype(np.float32),
        )
        return [vocab_path, arrays_path]

    @classmethod
    def load(cls, folder: Path, stem: str) -> LexicalModel:
        names: list[str] = json.loads((folder / f"{stem}.vocab.json").read_text())
        with np.load(folder / f"{stem}.npz", allow_pickle=False) as arrays:
            return cls(
                vocab={name: i for i, name in enumerate(names)},
                idf=arrays["idf"].astype(np.float32),
                neg_coef=arrays["neg_coef"].astype(np.float32),
                neg_bias=float(arrays["neg_bias"]),
                emo_coef=arrays["emo_coef"].astype(np.float32),
                emo_bias=arrays["emo_bias"].astype(np.float32),
            )
