"""Explanatory style: how an agent explains a hard interaction, on the three CAVE dimensions.

Each dimension gets a rating from 1 to 7 as in CAVE (Content Analysis of Verbatim
Explanations), where 7 is the pessimistic pole and 4 means "can't tell":

- permanent (7) ↔ temporary (1): "I always freeze" vs "I froze today";
- pervasive (7) ↔ specific (1): "I'm useless" vs "I fumbled that refund question";
- personal (7) ↔ external (1): "it was my fault" vs "the system was down".

Rules first: an agent reads the rating next to the words that drove it and can argue with
it, and a lead can read the lexicon (``explanatory_cues.py``). On reflections written by
others the rules alone were hardly better than calling nothing pessimistic, so a learned head
per dimension (:mod:`poise.signals.explanatory_model`, MiniLM plus the rules' weights) makes
the binary call, and the rating is moved just across 4/5 when the two disagree; the evidence
is still the rules' phrases.
The text is split into sentences and clauses; each cue found adds its weight to a dimension
(positive toward the pessimistic pole). A negator just before a cue flips it ("not always",
"not my fault"), an intensifier strengthens it ("completely useless"), and the clause after
"but" counts a little more, since that is usually what the writer concludes. The summed
weight becomes the rating; the binary call is **pessimistic when the rating is 5 or more**, so
"can't tell" (4) counts as the optimistic side: a reflection that names no lasting, sweeping or
self-blaming cause is not called pessimistic.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from poise.signals.explanatory_cues import (
    BARE_SCOPE,
    CUES,
    FILLERS,
    GLOBAL_SCOPE,
    INTENSIFIERS,
    NEGATORS,
    PERM,
    PERS,
    PERV,
    Cue,
)
from poise.signals.explanatory_model import learned_calls

VERSION = "explanatory-2026.12.1"
DIMENSIONS = (PERM, PERV, PERS)
POLES: dict[str, tuple[str, str]] = {
    PERM: ("permanent", "temporary"),
    PERV: ("pervasive", "specific"),
    PERS: ("personal", "external"),
}
PESSIMISTIC_FROM = 5  # rating >= 5 is the pessimistic side; 4 ("can't tell") is not
CACHE_SIZE = 1024
_CONTRAST_BOOST = 1.25
_INTENSIFIER_BOOST = 1.25
_SUBJECT_DAMPING = 0.4
_SCOPED_SPECIFIC = -1.0
_SCOPED_GLOBAL = 1.75
_SHORT_SCOPE = 5

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"'})
# Casual spellings agents type in a hurry, so the lexicon needs one spelling only.
_CASUAL = [
    (re.compile(r"\bim\b"), "i'm"),
    (re.compile(r"\bive\b"), "i've"),
    (re.compile(r"\bdont\b"), "don't"),
    (re.compile(r"\bcant\b"), "can't"),
    (re.compile(r"\bwont\b"), "won't"),
    (re.compile(r"\b(is|was|are|were|did|does|do|could|would|should|has|have|had)nt\b"), r"\1n't"),
    (re.compile(r"\b(should|could|would)ve\b"), r"\1've"),
    (re.compile(r"\bthats\b"), "that's"),
    (re.compile(r"\bits\b(?= (?:not|just|always|never|me|my|all|been|the|a|on|like))"), "it's"),
    (re.compile(r"\bgonna\b"), "going to"),
    (re.compile(r"\bi'm not gonna lie\b|\bnot gonna lie\b|\bngl\b"), ""),
]
_SENTENCES = re.compile(r"(?<=[.!?;:])\s+|\n+|\s+[-–—]+\s+|(?<=[.!?])(?=[a-z])")
_CLAUSES = re.compile(
    r",\s*|\s+(?=(?:but|because|and|though|although|while|when|whenever|unless|which|"
    r"however|whereas|cos|cause)\b)"
    # "so" starts a clause only before a subject ("so I…"), not as an intensifier ("so tired")
    r"|\s+(?=so (?:i|i'm|i've|i'd|we|he|she|they|the|it|it's|that|this|everyone|everybody|"
    r"nobody|all|of course|now|my|our|his|her|their|there)\b)"
)
_CONTRASTS = ("but ", "however", "though ", "although ")
_WORD = re.compile(r"[a-z']+")
# "None of that was my fault" denies the cue as "it wasn't my fault" does, from further away.
_DENIED_BY_NONE = re.compile(
    r"\b(?:none|no part|nothing) of (?:that|this|it|them) (?:was|is|were)\s*$"
)


@dataclass(frozen=True)
class Evidence:
    """A phrase of the text that moved one dimension, and which way (``toward`` a pole)."""

    phrase: str
    toward: str
    weight: float


@dataclass(frozen=True)
class DimensionRating:
    """One dimension's rating (1–7, 7 = pessimistic pole, 4 = can't tell) and its evidence."""

    dimension: str
    rating: int
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def pessimistic(self) -> bool:
        """The binary call used by ``poise eval explanatory-style``: rating 5 or more."""
        return self.rating >= PESSIMISTIC_FROM

    @property
    def pole(self) -> str:
        """The pole the rating leans to, or "can't tell" at 4."""
        if self.rating == 4:
            return "can't tell"
        high, low = POLES[self.dimension]
        return high if self.rating > 4 else low


@dataclass(frozen=True)
class ExplanatoryResult:
    """How a reflection explains a bad event, on all three dimensions."""

    permanent: DimensionRating
    pervasive: DimensionRating
    personal: DimensionRating
    version: str

    @property
    def dimensions(self) -> tuple[DimensionRating, DimensionRating, DimensionRating]:
        return (self.permanent, self.pervasive, self.personal)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON: ratings, poles and evidence per dimension, plus the version."""
        return {
            "version": self.version,
            **{
                d.dimension: {
                    "rating": d.rating,
                    "pole": d.pole,
                    "pessimistic": d.pessimistic,
                    "evidence": [
                        {"phrase": e.phrase, "toward": e.toward, "weight": round(e.weight, 2)}
                        for e in d.evidence
                    ],
                }
                for d in self.dimensions
            },
        }


def normalize(text: str) -> str:
    """Lower case, straight apostrophes, casual spellings ("im", "dont") made standard."""
    text = text.translate(_APOSTROPHES).lower()
    for pattern, replacement in _CASUAL:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def clauses(text: str) -> list[tuple[str, float]]:
    """Clauses of the normalised text, each with its weight (1.25 after "but", else 1)."""
    found: list[tuple[str, float]] = []
    for sentence in _SENTENCES.split(text):
        boost = 1.0
        for clause in _CLAUSES.split(sentence):
            clause = clause.strip(" ,;:.!?\"'()")
            if not clause:
                continue
            if clause.startswith(_CONTRASTS):
                boost = _CONTRAST_BOOST
            found.append((clause, boost))
    return found


def _negated(before: str) -> str | None:
    """The negator right before a cue ("not", "don't"), skipping fillers like "really"."""
    if _DENIED_BY_NONE.search(before):
        return "none"
    tokens: list[str] = _WORD.findall(before)
    for token in reversed(tokens[-4:]):
        if token in NEGATORS:
            return token
        if token not in FILLERS:
            return None
    return None


def _intensified(before: str) -> bool:
    return any(t in INTENSIFIERS for t in _WORD.findall(before)[-2:])


def _scope_weight(scope: str) -> float:
    """A trait's reach: "bad at this job" / "with people" is pervasive, "at refunds" is not.

    A long scope is a particular task even when it names people ("telling people their
    claim was rejected"), so a global word counts only in a short scope.
    """
    scope = scope.strip()
    if BARE_SCOPE.match(scope):
        return _SCOPED_GLOBAL
    if GLOBAL_SCOPE.search(scope) and len(scope.split()) <= _SHORT_SCOPE:
        return _SCOPED_GLOBAL
    return _SCOPED_SPECIFIC


class _Tally:
    """Weights and evidence per dimension, with the character spans each cue has claimed."""

    def __init__(self) -> None:
        self.scores = dict.fromkeys(DIMENSIONS, 0.0)
        self.evidence: dict[str, list[Evidence]] = {d: [] for d in DIMENSIONS}
        self.claimed: dict[str, list[tuple[int, int]]] = {d: [] for d in DIMENSIONS}
        self.used_once: set[int] = set()

    def free(self, dim: str, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.claimed[dim])

    def add(self, dim: str, span: tuple[int, int], phrase: str, weight: float) -> None:
        self.claimed[dim].append(span)
        if weight == 0:
            return
        self.scores[dim] += weight
        high, low = POLES[dim]
        self.evidence[dim].append(Evidence(phrase, high if weight > 0 else low, weight))


def _apply(cue: Cue, index: int, clause: str, boost: float, offset: int, tally: _Tally) -> None:
    for match in cue.pattern.finditer(clause):
        if cue.once and index in tally.used_once:
            return
        before = clause[: match.start()]
        factor = boost
        phrase = match.group(0).strip()
        negator = _negated(before) if cue.negatable else None
        if negator:
            factor = -factor
            phrase = f"{negator} {phrase}"
        if _intensified(before):
            factor *= _INTENSIFIER_BOOST
        if cue.subject_sensitive and re.search(r"\bi\b|\bi'(?:m|ve|d|ll)\b", before):
            factor *= _SUBJECT_DAMPING
        # A scoped trait claims its head ("I'm bad at"), leaving its scope to other cues.
        end = match.start("scope") if cue.scoped else match.end()
        span = (offset + match.start(), offset + end)
        counted = False
        for dim, weight in cue.weights.items():
            if cue.scoped and dim == PERV:
                weight = _scope_weight(match.group("scope"))
            if negator and dim == PERS and weight < 0:
                weight = 0.0  # "it isn't that customers are awful" does not blame the agent
            if tally.free(dim, *span):
                tally.add(dim, span, phrase, weight * factor)
                counted = True
        if counted and cue.once:
            tally.used_once.add(index)


def _rating(score: float) -> int:
    """Summed weight → 1–7: 4 within ±0.5, then one step per 1.5 of weight, capped at 1 and 7."""
    if abs(score) <= 0.5:
        return 4
    step = 1 if abs(score) < 1.5 else 2 if abs(score) < 3.0 else 3
    return 4 + step if score > 0 else 4 - step


def _agree(rating: int, pessimistic: bool) -> int:
    """The rules' rating moved just across 4/5 when the learned call says the other side."""
    if pessimistic:
        return max(rating, PESSIMISTIC_FROM)
    return min(rating, PESSIMISTIC_FROM - 1)


class ExplanatoryScorer:
    """Rates reflections on permanence, pervasiveness and personalisation, with evidence.

    ``learned=True`` (the default) lets the shipped heads make the binary call when the
    artifact and the encoder are there; ``False`` is the rules alone.
    """

    name = "explanatory"

    def __init__(
        self, cues: Sequence[Cue] = CUES, version: str = VERSION, *, learned: bool = True
    ) -> None:
        self.cues = list(cues)
        self.version = version
        self.learned = learned
        self._cache: OrderedDict[str, ExplanatoryResult] = OrderedDict()

    def score(self, text: str) -> ExplanatoryResult:
        """Rate one reflection (cached: the same text costs a dictionary lookup)."""
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        result = self._score(text)
        self._cache[text] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def score_batch(self, texts: Sequence[str]) -> list[ExplanatoryResult]:
        return [self.score(t) for t in texts]

    def _score(self, text: str) -> ExplanatoryResult:
        result = self.rules_only(text)
        calls = learned_calls(text, result) if self.learned else None
        if calls is None:
            return result
        ratings = [
            replace(d, rating=_agree(d.rating, call))
            for d, call in zip(result.dimensions, calls, strict=True)
        ]
        return replace(result, permanent=ratings[0], pervasive=ratings[1], personal=ratings[2])

    def rules_only(self, text: str) -> ExplanatoryResult:
        """The rules' ratings and evidence, without the learned call (not cached)."""
        tally = _Tally()
        normalized = normalize(text)
        offset = 0
        for clause, boost in clauses(normalized):
            for index, cue in enumerate(self.cues):
                _apply(cue, index, clause, boost, offset, tally)
            offset += len(clause) + 1
        ratings = {
            d: DimensionRating(
                d,
                _rating(tally.scores[d]),
                round(tally.scores[d], 3),
                sorted(tally.evidence[d], key=lambda e: -abs(e.weight)),
            )
            for d in DIMENSIONS
        }
        return ExplanatoryResult(
            permanent=ratings[PERM],
            pervasive=ratings[PERV],
            personal=ratings[PERS],
            version=self.version,
        )


# --- Evaluation (``poise eval explanatory-style``) -----------------------------------------


@dataclass(frozen=True)
class LabelledReflection:
    """One line of a labelled file: the text and its 0/1 labels (1 = the pessimistic side)."""

    text: str
    labels: dict[str, int]


def _label(value: object, name: str, where: str) -> int:
    if isinstance(value, bool) or value in (0, 1):
        return int(value)
    raise ValueError(f'{where}: "{name}" must be 0 or 1, not {value!r}')


def read_labelled(lines: Sequence[str]) -> list[LabelledReflection]:
    """Rows of a JSONL file ``{"text", "permanent", "pervasive", "personal"}``.

    ValueError names the first bad line: not JSON, a missing field, or a label not 0/1.
    """
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"{where}: expected a JSON object")
        missing = [k for k in ("text", *DIMENSIONS) if k not in row]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        if not isinstance(row["text"], str):
            raise ValueError(f'{where}: "text" must be a string')
        labels = {d: _label(row[d], d, where) for d in DIMENSIONS}
        rows.append(LabelledReflection(row["text"], labels))
    return rows


def _binary(truth: list[int], predicted: list[int]) -> dict[str, float]:
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t and p)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p and not t)
    fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t and not p)
    correct = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": round(correct / len(truth), 4), "f1": round(f1, 4)}


def evaluate(
    rows: Sequence[LabelledReflection], scorer: ExplanatoryScorer | None = None
) -> dict[str, object]:
    """Accuracy and F1 (pessimistic = positive class) per dimension, and mean accuracy."""
    if not rows:
        raise ValueError("no labelled reflections")
    scorer = scorer or ExplanatoryScorer()
    results = scorer.score_batch([r.text for r in rows])
    dimensions = {}
    for d in DIMENSIONS:
        predicted = [int(getattr(res, d).pessimistic) for res in results]
        dimensions[d] = _binary([r.labels[d] for r in rows], predicted)
    mean = sum(m["accuracy"] for m in dimensions.values()) / len(DIMENSIONS)
    return {"n": len(rows), "dimensions": dimensions, "mean_accuracy": round(mean, 4)}
