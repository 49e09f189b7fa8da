"""What to say next, as a senior agent would put it: short, grammatical, built on the purpose.

Pure text in, text out. Each kind of guidance answers one situation: the tone to open with
(from the latest feeling and emotion), the purpose when the talk drifts, a boundary when the
customer is abusive, a retention path when they threaten to leave, and tips when the
conversation is escalating or opened unhappy. The customer's words are quoted as the purpose,
never spliced into a sentence the agent is meant to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from poise.signals.types import DriftResult

OPENINGS: dict[str, str] = {
    "angry": "Lower the temperature before you solve anything: say what went wrong in plain "
    "words and own the next step. “You're right to be upset, and I'm sorry. Here's what I'm "
    "doing about it now.”",
    "frustrated": "Skip the script: acknowledge the time they have already spent, then give "
    "one concrete action and when it will happen. “I'm sorry you've had to chase this. I'm "
    "on it now and will update you within the hour.”",
    "disappointed": "Acknowledge the let-down plainly, then make it right. “That's not the "
    "experience we want you to have. Let me put it right.”",
    "anxious": "Reassure with facts, not adjectives: what is safe, what happens next, and "
    "when. “Your account is safe. Here is exactly what happens next.”",
    "confused": "Slow down: one step at a time, in plain words, and check after each step. "
    "“Let's go through it together, one step at a time.”",
    "neutral": "Answer directly and completely, and confirm you have understood the request first.",
    # "Thanks!" often answers a question mid-problem: the issue may still be open.
    "satisfied": "Match their warmth and keep going: take the next step with them, and once it "
    "is solved, confirm that nothing else is open and thank them.",
    # An outbound thread: only the agent has written ("Answer directly…" answered no one).
    "waiting": "The customer has not written yet: keep your message short, say why you are "
    "getting in touch and what they need to do, if anything. Guidance follows their reply.",
}
ABUSE_NOTE = (
    "The customer is abusive. You may set a boundary once: “I want to help you, and I can't "
    "continue if the language continues.” If it goes on, you may end the conversation and hand "
    "it to your lead. You do not have to accept insults or threats; report a threat of harm to "
    "your lead straight away."
)
LEAVING_NOTE = (
    "The customer is thinking of leaving or complaining elsewhere. That is not abuse: take it "
    "seriously. Acknowledge it without arguing, fix what you can now, and offer your lead or "
    "the retention team if it needs more than you can give."
)
CLIMBING_TIP = (
    "Their frustration is rising with each reply. Offer a concrete remedy or a call-back now, "
    "and keep your sentences short."
)
AT_RISK_TIP = (
    "This conversation may end badly. Give a clear plan with a time, and ask your lead for "
    "help if you cannot resolve it in this reply."
)
EARLY_TIP = (
    "This customer arrived unhappy. Stay steady, blame no one, and give a clear plan in your "
    "first reply."
)
RISING = 0.1  # how much the feeling must rise between two customer turns to count


@dataclass(frozen=True)
class Guidance:
    """Suggestions for the agent's next reply, most important first."""

    opening: str
    purpose: str = ""
    purpose_reminder: str | None = None
    abuse_note: str | None = None
    leaving_note: str | None = None
    tips: list[str] = field(default_factory=list)


def climbing(trend: Sequence[float]) -> bool:
    """At least two customer turns, ending negative and clearly worse than they began, with no
    easing at the end."""
    if len(trend) < 2:
        return False
    return trend[-1] >= 0.5 and trend[-1] >= trend[0] + RISING and trend[-1] >= trend[-2] - 0.05


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


def _ended(quoted: str) -> str:
    """A quote closing a sentence: a full stop after it, unless the quote ends one already
    (“…grey.”. read as a typo)."""
    return quoted if quoted[-2] in ".!?…" else quoted + "."


def _reminder(drift: DriftResult) -> str | None:
    """Back to the purpose, with what the customer raised since: not "their last message",
    as the drift may lie several turns back."""
    if not drift.drifted:
        return None
    new = f" They then raised {_ended(_quote(drift.sentence, 100))}" if drift.sentence else ""
    return (
        f"The conversation has moved away from why they came: {_ended(_quote(drift.purpose))}"
        f"{new} Acknowledge the new point, resolve the original issue first, then offer a "
        "separate follow-up for the new one."
    )


def guidance_for(
    emotion: str,
    *,
    abusive: bool,
    drift: DriftResult,
    escalation_risk: float,
    early_warning: bool,
    trend: Sequence[float] = (),
    leaving: bool = False,
    replied: bool = False,
) -> Guidance:
    """Guidance for the latest customer turn's ``emotion`` and the conversation's signals.

    ``replied``: an agent has answered the customer already, so the tip for the first reply
    is past (it told 119 of the demo's 124 early warnings to "give a clear plan in your first
    reply" after that reply was sent)."""
    tips = []
    if climbing(trend):
        tips.append(CLIMBING_TIP)
    elif escalation_risk >= 0.6 and (len(trend) != 1 or replied):  # else the early tip says it
        tips.append(AT_RISK_TIP)
    if early_warning and len(trend) <= 2 and not replied:
        tips.append(EARLY_TIP)
    return Guidance(
        opening=OPENINGS.get(emotion, OPENINGS["neutral"]),
        purpose=drift.purpose.strip(),
        purpose_reminder=_reminder(drift),
        abuse_note=ABUSE_NOTE if abusive else None,
        leaving_note=LEAVING_NOTE if leaving else None,
        tips=tips,
    )
