"""VADER, used as a baseline in evaluation and as a lexical feature of the stacker."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# A word VADER's lexicon holds at -1.0 or below ("fuming" -2.7, "useless" -1.8) is one of the
# words behind a negative feeling: VADER's compound is an input of the feeling head.
NEGATIVE_VALENCE = -1.0
_NOT_SHOWN = frozenset({"no"})  # VADER reads it as a negation of what follows, not a feeling
_NEGATORS = frozenset({"not", "never", "no", "nothing", "without", "hardly", "barely"})
_WORD = re.compile(r"[a-z][a-z'-]*")


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound polarity in [-1, 1]; <= -0.05 is VADER's own 'negative'."""
    return float(_analyzer().polarity_scores(text)["compound"])


def negative_words(text: str, limit: int = 3) -> list[str]:
    """The words of ``text`` that VADER's lexicon reads as negative, most negative first, each
    once; not one just after a negation ("not bad"), whose valence VADER turns round."""
    lexicon: dict[str, float] = _analyzer().lexicon
    tokens = _WORD.findall(text.lower())
    found: dict[str, float] = {}
    for i, word in enumerate(tokens):
        valence = lexicon.get(word, 0.0)
        if valence > NEGATIVE_VALENCE or word in _NOT_SHOWN or word in found:
            continue
        before = tokens[max(0, i - 3) : i]
        if any(w in _NEGATORS or w.endswith("n't") for w in before):
            continue
        found[word] = valence
    return sorted(found, key=lambda w: found[w])[:limit]
