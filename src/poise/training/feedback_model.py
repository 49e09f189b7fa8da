"""Learned reply feedback: one small logistic head per label over the bundled MiniLM.

Why a model beside the rules: the rules in :mod:`poise.training.feedback` are precise but
learned our own phrasings; on replies written by people outside the team they missed most
acknowledgements, blame and brush-offs (recall 0.09 to 0.33). A sentence embedding knows that
"being locked out of your own account is unsettling" and "that sounds frustrating" say the same
thing, whatever the words.

How it explains itself: the reply is cut into sentences, each sentence is scored, and a label's
score is its best sentence's. The sentence that scored highest is the span shown to the agent,
just as a rule shows its phrase.

The heads are a (6, 384) weight matrix, a bias and a threshold per label (and, for blame and
brush-offs, a lower one for a reply that makes no good move) in a ~10 KB ``.npz``
shipped with the package, fitted by ``poise train reply-feedback``
(:mod:`poise.training.feedback_training`). Nothing is downloaded; if the encoder package is
missing the rules still answer alone.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from poise.training.feedback import LABELS

ARTIFACT = Path(__file__).parent / "artifacts" / "reply-feedback-heads.npz"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*|\s+[-\u2013\u2014]\s+|;\s+")
Skip = Callable[[str, str], bool]
_HANDLE = re.compile(r"(?:^|\s)[@^*][\w]+|https?://\S+")


@dataclass(frozen=True)
class LabelScore:
    """A label's probability on a reply and the sentence that carried it."""

    probability: float
    present: bool
    span: str
    # For blame and brush-offs: the verdict when the reply makes no good move at all (a lower
    # bar: a policy line beside a fix is information, alone it is the whole answer).
    present_alone: bool = False


def sentences(reply: str) -> list[str]:
    """The reply's sentences, without @handles, agent initials or links (they carry no tone)."""
    text = _HANDLE.sub(" ", reply)
    parts = [p.strip(" \t\"'") for p in _SENTENCE_END.split(text)]
    return [p for p in parts if len(p) > 1 and any(c.isalpha() for c in p)]


def units(reply: str) -> list[str]:
    """What is scored: each sentence (scoring the whole reply as well added false alarms)."""
    return sentences(reply) or [reply.strip() or " "]


class FeedbackHeads:
    """Per-label logistic heads: ``sigmoid(x @ weights.T + bias)`` against ``thresholds``.

    ``alone`` is each label's threshold for a reply with no good move (no acknowledgement,
    apology, ownership or next step); it differs from ``thresholds`` only for the two labels a
    reply should avoid. Without it (older artifacts) both are the same.
    """

    def __init__(
        self,
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
        thresholds: npt.NDArray[np.float64],
        alone: npt.NDArray[np.float64] | None = None,
    ) -> None:
        self.weights, self.bias, self.thresholds = weights, bias, thresholds
        self.alone = thresholds.copy() if alone is None else alone

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> FeedbackHeads:
        with np.load(path, allow_pickle=False) as stored:
            if [str(x) for x in stored["labels"]] != list(LABELS):
                raise ValueError(f"{path.name}: labels differ from {LABELS}")
            alone = stored["alone"] if "alone" in stored.files else None
            return cls(stored["weights"], stored["bias"], stored["thresholds"], alone)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            labels=np.array(LABELS),
            weights=self.weights.astype(np.float32),
            bias=self.bias,
            thresholds=self.thresholds,
            alone=self.alone,
        )

    def probabilities(self, x: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """(n, 6) probabilities for (n, 384) embeddings."""
        logits = np.asarray(x, np.float64) @ self.weights.T.astype(np.float64) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), np.float64)

    def score_units(
        self, pieces: list[str], x: npt.NDArray[np.floating], skip: Skip | None = None
    ) -> dict[str, LabelScore]:
        """Each label's best unit among ``pieces`` (embedded as ``x``), minus ``skip``'s."""
        p = self.probabilities(x)
        if skip is not None:
            for i, piece in enumerate(pieces):
                for j, label in enumerate(LABELS):
                    if skip(label, piece):
                        p[i, j] = 0.0
        out = {}
        for j, label in enumerate(LABELS):
            best = int(np.argmax(p[:, j]))
            prob = float(p[best, j])
            out[label] = LabelScore(
                round(prob, 4), prob >= self.thresholds[j], pieces[best], prob >= self.alone[j]
            )
        return out


_heads: FeedbackHeads | None = None
_lock = threading.Lock()


def shipped_heads() -> FeedbackHeads | None:
    """The shipped heads, loaded once; None when the artifact is absent."""
    global _heads
    with _lock:
        if _heads is None and ARTIFACT.is_file():
            _heads = FeedbackHeads.load(ARTIFACT)
        return _heads


def score_reply(
    reply: str, heads: FeedbackHeads | None = None, skip: Skip | None = None
) -> dict[str, LabelScore] | None:
    """The heads' verdict per label on ``reply``, or None when no model is available.

    ``skip(label, sentence)`` rules a sentence out for a label: the rules' explicit negations
    ("no need to apologise", "not your fault") overrule a model that reads the words only.
    """
    heads = heads or shipped_heads()
    if heads is None:
        return None
    try:
        from poise.minilm.encoder import get_encoder

        encoder = get_encoder()
    except ImportError:  # pragma: no cover - the encoder package is a dependency
        return None
    pieces = units(reply)
    return heads.score_units(pieces, encoder.encode(pieces), skip)
