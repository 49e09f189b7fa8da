"""Learned reply feedback: one small logistic head per label over the bundled MiniLM.

Why a model beside the rules: the rules in :mod:`poise.training.feedback` are precise but
learned our own phrasings; on replies written by people outside the team they missed most
acknowledgements, blame and brush-offs (recall 0.09 to 0.33). A sentence embedding knows that
"being locked out of your own account is unsettling" and "that sounds frustrating" say the same
thing, whatever the words.

How it explains itself: the reply is cut into sentences, each sentence is scored, and the
sentence that scored highest for a label is the span shown to the agent, just as a rule shows
its phrase.

How it decides: a reply layer (:class:`ReplyLayer`) reads, for every label at once, the best
sentence's score, a head over the whole reply's embedding and the rules' verdict. Blame and
brush-offs are often what a reply does as a whole, and a label is read best beside the others
(a policy line with no apology, fix or next step is the brush-off; after "I've refunded it" it
is information). Artifacts without the layer (before 2026-12-04) score the best sentence only.

The heads are (6, 384) sentence and whole-reply weight matrices, a (6, 18) layer, biases and a
threshold per label in a ~20 KB ``.npz`` shipped with the package, fitted by ``poise train
reply-feedback`` (:mod:`poise.training.feedback_training`). Nothing is downloaded; if the
encoder package is missing the rules still answer alone.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from poise.training.feedback import LABELS

ARTIFACT = Path(__file__).parent / "artifacts" / "reply-feedback-heads.npz"
# The heads for agents' real replies (AutoQA): the same sentence heads' kind, with a reply layer
# and bars fitted with real agents' tweets and ordinary turns among the replies. Practice
# answers a hard message, where a reply with no good move is a brush-off; most real turns are
# greetings, questions and updates, and a brush-off is rare. One layer for both cost practice
# its sarcasm ("Oh dear, a whole ten minutes late. I'm sure you'll recover.").
REAL_ARTIFACT = Path(__file__).parent / "artifacts" / "reply-feedback-real.npz"
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
    """What the sentence heads score: each sentence (the whole reply has its own heads, read
    only through the reply layer: as a unit beside its sentences it added false alarms)."""
    return sentences(reply) or [reply.strip() or " "]


def whole(pieces: list[str]) -> str:
    """The reply as the reply layer reads it: its sentences joined, without handles or links."""
    return " ".join(pieces)


def _sigmoid(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-logits)), np.float64)


def _logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.asarray(np.log(q / (1 - q)), np.float64)


def reply_features(
    best: npt.NDArray[np.float64], whole: npt.NDArray[np.float64], rules: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """(n, 18) what the reply layer weighs: every label's best sentence and whole-reply score
    (as logits) and every label's rule verdict (0 or 1)."""
    return np.hstack([_logit(best), _logit(whole), np.asarray(rules, np.float64)])


@dataclass(frozen=True)
class ReplyLayer:
    """A head per label over the whole reply's embedding, and a logistic layer per label over
    :func:`reply_features`.

    Why: blame and brush-offs are often what the reply does as a whole ("Our records show one
    charge." to "You charged me twice!"), not one sentence's words, and a label is read best
    beside the others: a policy line with no apology, fix or next step is the brush-off; the
    same line after "I've refunded it" is information. Chosen by leaving authored reply files
    out in turn (docs/training.md).
    """

    weights: npt.NDArray[np.float64]  # (6, 384)
    bias: npt.NDArray[np.float64]  # (6,)
    stack_weights: npt.NDArray[np.float64]  # (6, 18)
    stack_bias: npt.NDArray[np.float64]  # (6,)

    def whole_probabilities(self, x: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """(n, 6) the whole-reply heads' probabilities for (n, 384) reply embeddings."""
        return _sigmoid(np.asarray(x, np.float64) @ self.weights.T.astype(np.float64) + self.bias)

    def probabilities(
        self,
        best: npt.NDArray[np.float64],
        whole: npt.NDArray[np.float64],
        rules: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """(n, 6) each label's probability on whole replies, from :func:`reply_features`."""
        features = reply_features(best, whole, rules)
        return _sigmoid(features @ self.stack_weights.T + self.stack_bias)


class FeedbackHeads:
    """Per-label logistic heads: ``sigmoid(x @ weights.T + bias)`` against ``thresholds``.

    ``alone`` is each label's threshold for a reply with no good move (no acknowledgement,
    apology, ownership or next step); it differs from ``thresholds`` only for the two labels a
    reply should avoid. Without it (older artifacts) both are the same. With a ``reply`` layer
    the thresholds apply to its probability; without one (older artifacts), to the best
    sentence's.
    """

    def __init__(
        self,
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
        thresholds: npt.NDArray[np.float64],
        alone: npt.NDArray[np.float64] | None = None,
        reply: ReplyLayer | None = None,
    ) -> None:
        self.weights, self.bias, self.thresholds = weights, bias, thresholds
        self.alone = thresholds.copy() if alone is None else alone
        self.reply = reply

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> FeedbackHeads:
        with np.load(path, allow_pickle=False) as stored:
            if [str(x) for x in stored["labels"]] != list(LABELS):
                raise ValueError(f"{path.name}: labels differ from {LABELS}")
            alone = stored["alone"] if "alone" in stored.files else None
            reply = None
            if "reply_weights" in stored.files:
                reply = ReplyLayer(
                    stored["reply_weights"],
                    stored["reply_bias"],
                    stored["stack_weights"],
                    stored["stack_bias"],
                )
            return cls(stored["weights"], stored["bias"], stored["thresholds"], alone, reply)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[Any]] = {
            "labels": np.array(LABELS),
            "weights": self.weights.astype(np.float32),
            "bias": self.bias,
            "thresholds": self.thresholds,
            "alone": self.alone,
        }
        if self.reply is not None:
            arrays |= {
                "reply_weights": self.reply.weights.astype(np.float32),
                "reply_bias": self.reply.bias,
                "stack_weights": self.reply.stack_weights,
                "stack_bias": self.reply.stack_bias,
            }
        np.savez_compressed(path, allow_pickle=False, **arrays)

    def probabilities(self, x: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """(n, 6) probabilities for (n, 384) embeddings."""
        logits = np.asarray(x, np.float64) @ self.weights.T.astype(np.float64) + self.bias
        return _sigmoid(logits)

    def first_level(
        self,
        pieces: list[str],
        x: npt.NDArray[np.floating],
        skip: Skip | None = None,
        whole_x: npt.NDArray[np.floating] | None = None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Per sentence and label the sentence heads' probability, minus ``skip``'s; each
        label's best; and the whole-reply heads' probability (zeros without a reply layer).

        "No need to apologise" or "not your fault" reads as an apology or blame to a head that
        sees the words only: where a sentence is vetoed, the whole reply scores no higher than
        the best sentence left. Training reads replies this same way.
        """
        p = self.probabilities(x)
        vetoed = np.zeros(len(LABELS), bool)
        if skip is not None:
            for i, piece in enumerate(pieces):
                for j, label in enumerate(LABELS):
                    if skip(label, piece):
                        p[i, j], vetoed[j] = 0.0, True
        best = p.max(axis=0)
        whole_p = np.zeros(len(LABELS))
        if self.reply is not None and whole_x is not None:
            whole_p = self.reply.whole_probabilities(whole_x[None, :])[0]
            whole_p = np.where(vetoed, np.minimum(whole_p, best), whole_p)
        return p, best, whole_p

    def score_units(
        self,
        pieces: list[str],
        x: npt.NDArray[np.floating],
        skip: Skip | None = None,
        whole_x: npt.NDArray[np.floating] | None = None,
        rules: npt.NDArray[np.float64] | None = None,
    ) -> dict[str, LabelScore]:
        """Each label's best unit among ``pieces`` (embedded as ``x``), minus ``skip``'s; with a
        reply layer and the whole reply's embedding ``whole_x``, the layer's probability.

        ``rules`` are the rules' 0/1 verdicts per label (zeros when not given). The span is
        always the label's best sentence: what the agent is shown to change.
        """
        p, probs, whole_p = self.first_level(pieces, x, skip, whole_x)
        if self.reply is not None and whole_x is not None:
            known = np.zeros(len(LABELS)) if rules is None else rules
            probs = self.reply.probabilities(probs[None, :], whole_p[None, :], known[None, :])[0]
        out = {}
        for j, label in enumerate(LABELS):
            best = int(np.argmax(p[:, j]))
            prob = float(probs[j])
            out[label] = LabelScore(
                round(prob, 4), prob >= self.thresholds[j], pieces[best], prob >= self.alone[j]
            )
        return out


CARD = Path(__file__).parent / "artifacts" / "reply-feedback-card.json"


def feedback_cards() -> list[dict[str, Any]]:
    """The admin Models page's cards of the two heads: what each reads, its bars per label
    (from the artifact) and the figures measured when it was built (``CARD``, written with the
    figures of docs/training.md); none when the card is absent."""
    import json

    if not CARD.is_file():
        return []
    card = json.loads(CARD.read_text(encoding="utf-8"))
    cards = []
    for head in card["heads"]:
        path = ARTIFACT.parent / head["artifact"]
        heads = shipped_heads(real=path == REAL_ARTIFACT) if path.is_file() else None
        bars = heads.thresholds.tolist() if heads is not None else []
        named = list(zip(LABELS, bars, strict=True)) if bars else []
        cards.append(head | {"measured": card["measured"], "bars": named})
    return cards


_heads: dict[Path, FeedbackHeads] = {}
_lock = threading.Lock()


def shipped_heads(real: bool = False) -> FeedbackHeads | None:
    """The shipped heads, each loaded once; None when the artifact is absent. ``real``: the
    heads for agents' real replies (AutoQA), practice's where those are absent."""
    path = REAL_ARTIFACT if real and REAL_ARTIFACT.is_file() else ARTIFACT
    with _lock:
        if path not in _heads and path.is_file():
            _heads[path] = FeedbackHeads.load(path)
        return _heads.get(path)


def score_reply(
    reply: str,
    heads: FeedbackHeads | None = None,
    skip: Skip | None = None,
    rules: npt.NDArray[np.float64] | None = None,
) -> dict[str, LabelScore] | None:
    """The heads' verdict per label on ``reply``, or None when no model is available.

    ``skip(label, sentence)`` rules a sentence out for a label: the rules' explicit negations
    ("no need to apologise", "not your fault") overrule a model that reads the words only.
    ``rules`` (the rules' 0/1 verdict per label) informs the reply layer.
    """
    return score_replies([reply], heads, skip, None if rules is None else [rules])[0]


def score_replies(
    replies: list[str],
    heads: FeedbackHeads | None = None,
    skip: Skip | None = None,
    rules: list[npt.NDArray[np.float64]] | None = None,
    real: bool = False,
) -> list[dict[str, LabelScore] | None]:
    """:func:`score_reply` for each reply, every sentence and whole reply embedded in one
    encoder call (AutoQA reads a team's last 500 replies at once: one reply at a time, two
    small calls each, a team took ~10 s). Without ``heads``, the shipped ones: for agents'
    real replies with ``real``, else practice's."""
    heads = heads or shipped_heads(real)
    if heads is None:
        return [None] * len(replies)
    try:
        from poise.minilm.encoder import get_encoder

        encoder = get_encoder()
    except ImportError:  # pragma: no cover - the encoder package is a dependency
        return [None] * len(replies)
    pieces = [units(reply) for reply in replies]
    wholes = [whole(p) if heads.reply is not None and len(p) > 1 else None for p in pieces]
    texts = list(dict.fromkeys([t for p in pieces for t in p] + [w for w in wholes if w]))
    rows = dict(zip(texts, encoder.encode(texts), strict=True))
    scored: list[dict[str, LabelScore] | None] = []
    for k, (p, w) in enumerate(zip(pieces, wholes, strict=True)):
        x = np.stack([rows[t] for t in p])
        if heads.reply is None:
            scored.append(heads.score_units(p, x, skip))
            continue
        whole_x = rows[w] if w else x[0]  # a one-sentence reply is its own whole
        scored.append(heads.score_units(p, x, skip, whole_x, None if rules is None else rules[k]))
    return scored
