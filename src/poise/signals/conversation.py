"""Conversation-level signals from per-turn negativity: early warning, escalation, drift.

Only customer turns count: agents' and system messages say nothing about how the
customer feels. Turns arriving with a stored ``negativity`` keep it (it was scored by
the version stored beside it); the rest are scored here in one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from poise.signals.registry import get_scorer
from poise.signals.types import ConversationSignals, DriftResult, Turn

EARLY_TURNS = 2
NEGATIVE = 0.5
POSITIVE_END = 0.25
RECENCY = 0.6  # weight of the newest turn in the moving average


def _scores(turns: Sequence[Turn], artifacts: Path | None) -> tuple[list[float], list[str]]:
    missing = [t.body for t in turns if t.negativity is None]
    versions: list[str] = []
    fresh: list[float] = []
    if missing:
        scorer = get_scorer("negativity", artifacts)
        fresh = [r.score for r in scorer.score_batch(missing)]
        versions.append(scorer.version)
    it = iter(fresh)
    return [t.negativity if t.negativity is not None else next(it) for t in turns], versions


def early_score(trend: Sequence[float]) -> float:
    """The worst of the first customer turns: what the early warning compares with 0.5."""
    return max(trend[:EARLY_TURNS], default=0.0)


def escalation_risk(trend: Sequence[float]) -> float:
    """Recency-weighted level plus half the per-turn slope, clipped to [0, 1].

    A conversation at 0.9 throughout is as risky as its level; one climbing from 0.1 to 0.8
    is riskier than its average says; one falling from 0.8 to 0.1 is calming down.
    """
    if not trend:
        return 0.0
    level = trend[0]
    for value in trend[1:]:
        level = RECENCY * value + (1 - RECENCY) * level
    slope = float(np.polyfit(np.arange(len(trend)), trend, 1)[0]) if len(trend) > 1 else 0.0
    return float(min(1.0, max(0.0, level + 0.5 * slope)))


def conversation_signals(
    turns: Sequence[Turn], purpose: str | None = None, artifacts: Path | None = None
) -> ConversationSignals:
    """Signals for one conversation; ``purpose`` defaults to the first customer turn."""
    customer = [(i, t) for i, t in enumerate(turns) if t.author_role == "customer"]
    trend, versions = _scores([t for _, t in customer], artifacts)
    early = early_score(trend)
    goal = purpose if purpose is not None else (customer[0][1].body if customer else "")
    # The first customer turn states the purpose (or is what a tagged purpose summarises):
    # drift is only the later turns wandering from it.
    later = customer[1:]
    drift = DriftResult(drifted=False, score=0.0, purpose=goal, turn_index=None)
    if later and goal.strip():
        scorer = get_scorer("drift", artifacts)
        said = [(i, t.body) for i, t in enumerate(turns) if t.author_role in ("customer", "agent")]
        drift = scorer.drift(goal, [(i, t.body) for i, t in later], said)
        versions.append(scorer.version)
    return ConversationSignals(
        early_warning=early >= NEGATIVE,
        early_score=early,
        escalation_risk=escalation_risk(trend),
        trend=trend,
        turnaround=len(trend) >= 2 and trend[0] >= NEGATIVE and trend[-1] <= POSITIVE_END,
        drift=drift,
        versions=versions,
    )
