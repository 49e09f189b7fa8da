"""Result types: plain frozen dataclasses, cheap to import and to serialise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AuthorRole = Literal["customer", "agent", "system"]


@dataclass(frozen=True)
class NegativityResult:
    """How one customer message feels, what it reports, and why.

    ``score`` is the calibrated probability that the customer feels negative about us right
    now (0.5 is the decision point); ``level`` is that feeling on five levels. ``complaint``
    is the separate probability that the message reports a problem or failure, whatever its
    tone: it feeds the manual and insights, never early warning. ``evidence`` lists the words
    behind the feeling, strongest first; ``leaving`` the words of a threat to cancel, switch
    or complain publicly (not abuse); ``version`` names the artifact so a stored score can be
    traced and re-scored.
    """

    score: float
    emotion: str
    abusive: bool
    evidence: list[str]
    version: str
    complaint: float = 0.0
    positive: float = 0.0
    level: str = "neutral"
    leaving: list[str] = field(default_factory=list)

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
    """Whether the customer wandered from ``purpose``, at which turn (index into turns), and
    the sentence that drifted."""

    drifted: bool
    score: float
    purpose: str
    turn_index: int | None
    sentence: str = ""


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
    risk_by_turn: list[float] = field(default_factory=list)  # after each customer turn
