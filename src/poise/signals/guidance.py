"""What to say next: a calm opening fitted to the emotion, the purpose when the talk drifts,
and what an agent may do when a customer turns abusive. Pure text in, text out."""

from __future__ import annotations

from dataclasses import dataclass, field

from poise.signals.types import DriftResult

OPENINGS: dict[str, str] = {
    "angry": "Lower the temperature before solving: name the problem in their words and own "
    "the next step. “You're right to be upset that {topic}. Here's what I'm doing now…”",
    "frustrated": "Skip the script: acknowledge the effort they've already spent and give one "
    "concrete action with a time. “Sorry you've had to chase this. I'm fixing {topic} now and "
    "will confirm within the hour.”",
    "disappointed": "Acknowledge the let-down plainly, then make it right. “That's not the "
    "experience we want for you. Let me sort out {topic} properly.”",
    "anxious": "Reassure with facts, not adjectives: what is safe, what happens next and "
    "when. “Your account is secure. Here is exactly what happens next with {topic}…”",
    "confused": "Slow down: one step at a time, plain words, check after each step. “Let's do "
    "this together, one step at a time, starting with {topic}.”",
    "neutral": "Answer directly and completely; confirm you've understood {topic} first.",
    "satisfied": "Match their warmth, confirm everything about {topic} is settled, and thank them.",
}
ABUSE_NOTE = (
    "The customer is abusive. You may set a boundary once: “I want to help you, and I can't "
    "continue if the language continues.” If it goes on, you may end the conversation and hand "
    "it to your lead. You do not have to accept insults or threats; a threat is reported to "
    "your lead straight away."
)
ESCALATION_TIP = (
    "Negativity is climbing turn by turn: offer a concrete remedy or a call-back now, before "
    "the next reply, and keep your sentences short."
)
EARLY_TIP = (
    "This customer arrived unhappy. Be the anchor: steady tone, no blame, and a clear plan in "
    "your first reply."
)


@dataclass(frozen=True)
class Guidance:
    """Suggestions for the agent's next reply, most important first."""

    opening: str
    purpose_reminder: str | None = None
    abuse_note: str | None = None
    tips: list[str] = field(default_factory=list)


def _topic(purpose: str) -> str:
    words = purpose.strip().rstrip(".!?").split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "") if words else "this"


def guidance_for(
    emotion: str,
    *,
    abusive: bool,
    drift: DriftResult,
    escalation_risk: float,
    early_warning: bool,
) -> Guidance:
    """Guidance for the latest customer turn's ``emotion`` and the conversation's signals."""
    topic = _topic(drift.purpose)
    opening = OPENINGS.get(emotion, OPENINGS["neutral"]).format(topic=f"“{topic}”")
    reminder = None
    if drift.drifted:
        reminder = (
            f"The conversation has drifted. They came for: “{drift.purpose.strip()[:200]}”. "
            "Acknowledge the new point briefly, then bring it back: resolve the original "
            "issue first, or agree a separate follow-up for the new one."
        )
    tips = []
    if escalation_risk >= 0.5:
        tips.append(ESCALATION_TIP)
    if early_warning:
        tips.append(EARLY_TIP)
    return Guidance(opening, reminder, ABUSE_NOTE if abusive else None, tips)
