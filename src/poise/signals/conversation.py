"""Conversation-level signals from per-turn feeling: early warning, escalation, purpose, drift.

Only customer turns count: agents' and system messages say nothing about how the customer
feels. Turns arriving with a stored ``negativity`` (the calibrated probability of a negative
feeling) keep it; the rest are scored here in one batch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from poise.signals.abuse import leaving_evidence, threats_to_leave
from poise.signals.drift import DriftCase
from poise.signals.feeling import SUPPORT_SHIFT, moved, threshold_for
from poise.signals.purpose import state_purpose
from poise.signals.registry import get_scorer
from poise.signals.text import normalize, words
from poise.signals.types import ConversationSignals, DriftResult, Turn

EARLY_TURNS = 2
NEGATIVE = 0.5  # the "negative" level: escalation risk stays at 0.4 or more while it holds
# A turnaround: the first customer turn reads negative and the last calm, on the scale before
# the support shift (0.5 and 0.25), moved by it, so the same conversations count as before.
TURNAROUND_FROM = moved(0.5)
POSITIVE_END = moved(0.25)
DEFAULT_EARLY_LEVEL = "negative"
# A turn this short that says nothing of how the customer feels ("OK.", "yes", "fine") does not
# replace the feeling of the turn before it: "OK." after an angry complaint is not calm.
SUBSTANTIVE_WORDS = 4
# Signs of trouble beyond the words' feeling: the customer has had to come back, chase, or
# repeat themself.
_REPEAT = re.compile(
    r"\b(?:still|again|already|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time|"
    r"(?:\d+|two|three|four|five|several|many) times|keep(?:s)? (?:happening|asking|telling)|"
    r"yet another|once more|no one|nobody|no reply|no response|no answer|chas(?:e|ing))\b",
    re.IGNORECASE,
)


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


def opening_feeling(score: float, leaving: bool) -> float:
    """A first customer turn's feeling as early warning reads it: one that threatens to leave
    (cancel, switch, complain publicly, go to a regulator: ``abuse.threats_to_leave``, not a
    calm request to cancel) opens unhappy at the "negative" level whatever its words score.
    The issue's rule: threats to leave are negative, and the feeling head read "Fix it now or
    I am cancelling my contract" as neutral (P 0.3)."""
    return max(score, threshold_for("negative")) if leaving else score


def early_score(trend: Sequence[float]) -> float:
    """The worst feeling of the first customer turns: what early warning compares with its
    level's threshold."""
    return max(trend[:EARLY_TURNS], default=0.0)


def opening_score(trend: Sequence[float], leaving: Sequence[bool]) -> float:
    """``early_score`` of the customer turns' feelings (``trend``) with each turn's threat to
    leave (``leaving``, turn for turn) read as :func:`opening_feeling` reads it."""
    return early_score([opening_feeling(s, bad) for s, bad in zip(trend, leaving, strict=False)])


def substantive(text: str) -> bool:
    """Does the turn say enough to carry a feeling of its own?"""
    return len(words(normalize(text))) >= SUBSTANTIVE_WORDS


def trouble(text: str) -> int:
    """Signs of trouble in one customer turn: repeat contact, chasing, a threat to leave."""
    return len(_REPEAT.findall(text)) + 2 * bool(leaving_evidence(text))


def _logit(p: float) -> float:
    p = min(0.98, max(0.02, p))  # bounded, so certainty in one turn cannot saturate the risk
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def risk_after(
    feelings: Sequence[float],
    texts: Sequence[str],
    agent_turns: int = 0,
    unanswered: int = 0,
    shift: float = SUPPORT_SHIFT,
) -> float:
    """Escalation risk after the last of these customer turns.

    It reads the feeling of the last *substantive* turn (so "OK." after a furious complaint
    stays risky), the worst and the average feeling so far, signs of trouble (repeat contact,
    chasing, threats to leave), how many agent turns it has taken and how many customer turns
    went unanswered. The weights of the feeling terms were chosen from a small grid on the
    STC-3 development dialogues (the set is for calibration), which moved the worst feeling
    ahead of the last: bad-outcome AUC 0.788 → 0.801 there. Every term is bounded, so the figure
    never saturates, and it never drops to zero while the customer is still unhappy: at
    P(negative) ≥ 0.5 on the last substantive turn the risk is at least 0.4. The weights were
    chosen for feelings without a support shift; ``shift`` (the feelings' own) is taken back
    out of the intercept, so a shifted feeling gives the same risk as before.
    """
    if not feelings:
        return 0.0
    last = next(
        (f for f, t in zip(reversed(feelings), reversed(texts), strict=True) if substantive(t)),
        feelings[-1],
    )
    peak, mean = max(feelings), sum(feelings) / len(feelings)
    signs = sum(trouble(t) for t in texts)
    return _risk(last, peak, mean, signs, agent_turns, unanswered, shift)


def _risk(
    last: float,
    peak: float,
    mean: float,
    signs: int,
    agent_turns: int,
    unanswered: int,
    shift: float = SUPPORT_SHIFT,
) -> float:
    """``risk_after`` from what it reads of the turns (see there for the terms)."""
    z = (
        -1.2
        - shift * (0.8 + 1.6 + 1.2) / 4
        + 0.8 * _logit(last) / 4
        + 1.6 * _logit(peak) / 4
        + 1.2 * _logit(mean) / 4
        + 0.35 * min(signs, 4)
        + 0.15 * min(agent_turns, 6)
        + 0.3 * min(unanswered, 3)
    )
    risk = _sigmoid(z)
    return max(risk, 0.4) if last >= NEGATIVE else risk


def escalation_risk(trend: Sequence[float], shift: float = SUPPORT_SHIFT) -> float:
    """Risk from the feeling trend alone (no text): for callers that hold only the scores,
    with the support shift of the scale they are on."""
    return risk_after(trend, ["x " * SUBSTANTIVE_WORDS] * len(trend), shift=shift)


def risk_by_turn(turns: Sequence[Turn], feelings: Sequence[float]) -> list[float]:
    """Escalation risk after each customer turn, from the conversation so far.

    The same figure as ``risk_after`` over the turns so far, kept as running totals: reading
    every earlier turn again at each turn grew with the square of a conversation's length.
    """
    risks: list[float] = []
    agents = unanswered = signs = seen = 0
    total, peak = 0.0, -math.inf
    said: float | None = None  # the feeling of the last substantive turn so far
    it = iter(feelings)
    for turn in turns:
        if turn.author_role == "agent":
            agents += 1
            unanswered = 0
        elif turn.author_role == "customer":
            feeling = next(it)
            seen += 1
            total += feeling
            peak = max(peak, feeling)
            signs += trouble(turn.body)
            if substantive(turn.body):
                said = feeling
            last = feeling if said is None else said
            risks.append(_risk(last, peak, total / seen, signs, agents, unanswered))
            unanswered += 1
    return risks


class SignalsRequest(NamedTuple):
    """One conversation to compute signals for (see ``conversation_signals``)."""

    turns: Sequence[Turn]
    purpose: str | None = None
    early_level: str = DEFAULT_EARLY_LEVEL


def conversation_signals(
    turns: Sequence[Turn],
    purpose: str | None = None,
    artifacts: Path | None = None,
    early_level: str = DEFAULT_EARLY_LEVEL,
) -> ConversationSignals:
    """Signals for one conversation.

    ``purpose`` is what the customer came for; when not given it is stated from the first
    customer turns (the sentence that states the problem, not a greeting). ``early_level``
    ("negative" or "very_negative") is the team's choice of how unhappy an opening must be to
    raise early warning.
    """
    return signals_batch([SignalsRequest(turns, purpose, early_level)], artifacts)[0]


def signals_batch(
    requests: Sequence[SignalsRequest], artifacts: Path | None = None
) -> list[ConversationSignals]:
    """``conversation_signals`` for many conversations: bulk scoring refreshes a chunk at once,
    and drift embeds all their sentences together rather than a few per conversation."""
    signals = [_without_drift(request, artifacts) for request in requests]
    cases = [_drift_case(request, s) for request, s in zip(requests, signals, strict=True)]
    asked = {k: case for k, case in enumerate(cases) if case is not None}
    if not asked:
        return signals
    scorer = get_scorer("drift", artifacts)
    for k, drift in zip(asked, scorer.drift_batch(list(asked.values())), strict=True):
        signals[k] = replace(
            signals[k], drift=drift, versions=[*signals[k].versions, scorer.version]
        )
    return signals


def _without_drift(request: SignalsRequest, artifacts: Path | None) -> ConversationSignals:
    """Everything but drift, whose purpose is given or stated from the first customer turns."""
    turns = request.turns
    customer = [t for t in turns if t.author_role == "customer"]
    trend, versions = _scores(customer, artifacts)
    early = opening_score(trend, [bool(threats_to_leave(t.body)) for t in customer[:EARLY_TURNS]])
    risks = risk_by_turn(turns, trend)
    goal = request.purpose if request.purpose else state_purpose([t.body for t in customer])
    return ConversationSignals(
        early_warning=early >= threshold_for(request.early_level),
        early_score=early,
        escalation_risk=risks[-1] if risks else 0.0,
        trend=trend,
        turnaround=len(trend) >= 2 and trend[0] >= TURNAROUND_FROM and trend[-1] <= POSITIVE_END,
        drift=DriftResult(drifted=False, score=0.0, purpose=goal, turn_index=None),
        versions=versions,
        risk_by_turn=risks,
    )


def _drift_case(request: SignalsRequest, signals: ConversationSignals) -> DriftCase | None:
    """What drift is asked about a conversation: its customer's later turns against its purpose
    (none with a single customer turn or no purpose)."""
    goal = signals.drift.purpose
    later = [(i, t.body) for i, t in enumerate(request.turns) if t.author_role == "customer"][1:]
    if not later or not goal.strip():
        return None
    said = [
        (i, t.body) for i, t in enumerate(request.turns) if t.author_role in ("customer", "agent")
    ]
    return DriftCase(goal, later, said)
