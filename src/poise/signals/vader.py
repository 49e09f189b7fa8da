"""VADER, used as a baseline in evaluation and as a lexical feature of the stacker."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound polarity in [-1, 1]; <= -0.05 is VADER's own 'negative'."""
    return float(_analyzer().polarity_scores(text)["compound"])
