"""The spaced review schedule: FSRS decides when a lesson comes back to an agent.

A quiz score becomes an FSRS rating; good answers push the next review further out each time,
poor ones bring it back sooner. Learning steps are off because a lesson is reviewed in days,
not minutes, and fuzzing is off so the same history always gives the same dates.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from fsrs import Card, Rating, Scheduler
from fsrs.card import CardDict


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def rating_for(score: float) -> Rating:
    """Score in [0, 1] to an FSRS rating: below half is Again, then Hard, Good and Easy."""
    if score < 0.5:
        return Rating.Again
    if score < 0.7:
        return Rating.Hard
    if score < 0.95:
        return Rating.Good
    return Rating.Easy


def review(
    state: dict[str, Any] | None, score: float, at: datetime
) -> tuple[dict[str, Any], datetime]:
    """The card after a quiz scored ``score`` at ``at``, as JSON, and when it is next due."""
    card = Card.from_dict(cast(CardDict, state)) if state else Card(due=at)
    card, _log = scheduler().review_card(card, rating_for(score), review_datetime=at)
    return dict(card.to_dict()), card.due
