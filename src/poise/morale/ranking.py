"""Ranking praise for the kudos round: the most heartfelt and specific comments first.

A collector reads every member's green robots; a good board puts "Maya stayed on the phone
while my dad found his password, and explained every step" above "thanks". The score is a
sum of small, explainable parts, each returned as a reason the board shows:

- **specificity**: names the agent, says what they did (action verbs: explained, fixed,
  called back…), gives details (numbers, "because", "when", "even though");
- **feeling**: words of emotion and gratitude (relieved, grateful, made my day…);
- **length within bounds**: 12-80 words reads as considered; under 5 words is generic;
- **lexical variety**: many different words rather than one repeated;
- **generic** one-liners ("thanks", "great service") lose points.

No model: the parts are transparent, so a collector can see why a comment came first and
overrule it with one click.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def _words(text: str) -> list[str]:
    return text.split()


WORD_RE = re.compile(r"[a-z']+|\d+")
ACTIONS = frozenset(
    _words(
        """explained explain fixed fix sorted solved resolved found tracked traced called rang
        emailed texted followed checked walked guided showed stayed waited listened remembered
        refunded replaced rerouted upgraded booked arranged escalated noticed spotted helped
        rescued saved kept updated reassured offered organised organized cancelled reset
        restored recovered unlocked"""
    )
)
FEELINGS = frozenset(
    _words(
        """grateful thankful relieved relief delighted thrilled happy glad love loved lovely kind
        kindness patient patience calm caring empathy warm warmth reassured reassuring amazing
        wonderful brilliant fantastic legend star hero lifesaver angel sweet genuinely truly
        honestly personally appreciated appreciate tears cried smile smiled"""
    )
)
FEELING_PHRASES = (
    "made my day",
    "above and beyond",
    "couldn't have",
    "could not have",
    "means a lot",
    "meant a lot",
    "turned it around",
    "turned my day",
    "so grateful",
    "saved me",
    "peace of mind",
)
DETAIL_WORDS = frozenset({"because", "when", "even", "though", "after", "while", "until", "every"})
GENERIC = frozenset(
    _words(
        """thanks thank you ty thx great good service ok okay fine nice cheers helpful quick fast
        very much so a the was it all help excellent perfect awesome brilliant super"""
    )
)
MIN_WORDS, GOOD_MIN, GOOD_MAX, MAX_WORDS = 5, 12, 80, 160


@dataclass(frozen=True)
class RankedComment:
    """A comment with its score and the reasons behind it, for the kudos board."""

    text: str
    score: float
    reasons: list[str] = field(default_factory=list)
    source_key: str | None = None


def score_comment(text: str, agent_first_name: str = "") -> RankedComment:
    """Score one comment; higher means more heartfelt and specific."""
    words = WORD_RE.findall(text.lower())
    parts = [
        _specificity(text, words, agent_first_name),
        _feeling(text.lower(), words),
        _length(words),
        _variety(words),
        _generic(words),
    ]
    score = round(sum(points for points, _ in parts), 2)
    reasons = [reason for points, reason in parts if reason and points != 0]
    return RankedComment(text=text, score=score, reasons=reasons)


def rank_comments(
    comments: list[tuple[str, str | None]], agent_first_name: str = ""
) -> list[RankedComment]:
    """``(text, source_key)`` pairs, best first; ties keep their original order.

    The same words twice (a customer who rated and thanked alike, or many a "Thanks Ana!")
    are offered once, from their first source: a choice listed twice is no choice, and the
    copies would push other comments off the board's top."""
    scored = []
    seen: set[str] = set()
    for text, key in comments:
        same = _same_words(text)
        if same in seen:
            continue
        seen.add(same)
        ranked = score_comment(text, agent_first_name)
        scored.append(RankedComment(ranked.text, ranked.score, ranked.reasons, key))
    return sorted(scored, key=lambda c: -c.score)


SIGNED_LINE_RE = re.compile(
    r"\n[ \t]*[-—–~]?[ \t]*[^\W\d_][^\W\d_'.-]*(?:[ \t]+[^\W\d_][^\W\d_'.-]*){0,2}[ \t]*$"
)
"""A last line of one to three bare words: a customer's name signed under the comment."""


def _same_words(text: str) -> str:
    """What makes two comments one choice: their words, less a name signed on the last line.
    Customers send the same canned thanks, each signed with their own name, and the board
    listed "Thank you Carlos!" once per signature."""
    body = SIGNED_LINE_RE.sub("", text.strip())
    return " ".join((body or text).lower().split())


def _specificity(text: str, words: list[str], agent: str) -> tuple[float, str]:
    found = []
    points = 0.0
    if agent and agent.lower() in words:
        points += 1.5
        found.append("names the agent")
    actions = sorted({w for w in words if w in ACTIONS})
    if actions:
        points += min(len(actions), 3) * 1.0
        found.append("says what they did (" + ", ".join(actions[:3]) + ")")
    details = sum(1 for w in words if w in DETAIL_WORDS) + len(re.findall(r"\d", text)) // 2
    if details:
        points += min(details, 3) * 0.5
        found.append("gives details")
    return points, "specific: " + "; ".join(found) if found else ""


def _feeling(lower: str, words: list[str]) -> tuple[float, str]:
    hits = {w for w in words if w in FEELINGS} | {p for p in FEELING_PHRASES if p in lower}
    points = min(len(hits), 4) * 0.75 + (0.5 if "!" in lower else 0.0)
    return points, ("heartfelt: " + ", ".join(sorted(hits)[:4])) if hits else ""


def _length(words: list[str]) -> tuple[float, str]:
    n = len(words)
    if n < MIN_WORDS:
        return -2.0, f"very short ({n} word{'' if n == 1 else 's'})"
    if GOOD_MIN <= n <= GOOD_MAX:
        return 1.5, f"a considered length ({n} words)"
    if n > MAX_WORDS:
        return 0.0, ""
    return 0.5, ""


def _variety(words: list[str]) -> tuple[float, str]:
    if len(words) < MIN_WORDS:
        return 0.0, ""
    ratio = len(set(words)) / len(words)
    return round(ratio, 2), ""


def _generic(words: list[str]) -> tuple[float, str]:
    if words and all(w in GENERIC for w in words):
        return -3.0, "generic thanks"
    return 0.0, ""
