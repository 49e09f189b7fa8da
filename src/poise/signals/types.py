"""Result types: plain frozen dataclasses, cheap to import and to serialise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AuthorRole = Literal["customer", "agent", "system"]


@dataclass(frozen=True)
class NegativityResult:
    """How negative one customer message reads, and why.

    ``score`` is a probability-like value in [0, 1] (0.5 is the decision point);
    ``evidence`` lists the words or features that drove it, strongest first;
    ``version`` names the artifact so a stored score can be traced and re-scored.
    """

    score: float
    emotion: str
    abusive: bool
    evidence: list[str]
    version: str

    @property
    def negative(self) -> bool:
        return self.score >= 0.5


@dataclass(frozen=True)
class Turn:
    """One message of a conversation; ``negativity`` is filled in when missing."""

    author_role: AuthorRole
    body: str
    negativity: float | None = None


@dataclass(frozen=True)
class DriftResult:
    """Whether the customer wandered from ``purpose``, and at which turn (index into turns)."""

    drifted: bool
    score: float
    purpose: str
    turn_index: int | None


@dataclass(frozen=True)
class ConversationSignals:
    """Signals over a whole conversation, computed from its customer turns."""

    early_warning: bool
    early_score: float
    escalation_risk: float
    trend: list[float]
    turnaround: bool
    drift: DriftResult
    versions: list[str] = field(default_factory=list)
