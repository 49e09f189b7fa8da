"""Label sets shared by training, serving and evaluation."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = (
    "angry",
    "frustrated",
    "disappointed",
    "anxious",
    "confused",
    "neutral",
    "satisfied",
)
NEGATIVE_EMOTIONS: frozenset[str] = frozenset({"angry", "frustrated", "disappointed", "anxious"})

# GoEmotions fine labels -> Poise emotion. Order of EMOTION_PRIORITY decides multi-label rows:
# the most specific negative feeling wins, because that is what an agent needs to see.
GOEMOTIONS_TO_EMOTION: dict[str, str] = {
    "anger": "angry",
    "disgust": "angry",
    "annoyance": "frustrated",
    "disapproval": "frustrated",
    "disappointment": "disappointed",
    "sadness": "disappointed",
    "grief": "disappointed",
    "remorse": "disappointed",
    "embarrassment": "disappointed",
    "fear": "anxious",
    "nervousness": "anxious",
    "confusion": "confused",
    "curiosity": "neutral",
    "realization": "neutral",
    "surprise": "neutral",
    "desire": "neutral",
    "neutral": "neutral",
    "admiration": "satisfied",
    "amusement": "satisfied",
    "approval": "satisfied",
    "caring": "satisfied",
    "excitement": "satisfied",
    "gratitude": "satisfied",
    "joy": "satisfied",
    "love": "satisfied",
    "optimism": "satisfied",
    "pride": "satisfied",
    "relief": "satisfied",
}
EMOTION_PRIORITY: tuple[str, ...] = (
    "angry",
    "anxious",
    "disappointed",
    "frustrated",
    "confused",
    "satisfied",
    "neutral",
)
GOEMOTIONS_NEGATIVE: frozenset[str] = frozenset(
    {
        "anger",
        "annoyance",
        "disappointment",
        "disapproval",
        "disgust",
        "sadness",
        "fear",
        "nervousness",
        "remorse",
        "embarrassment",
        "grief",
    }
)
GOEMOTIONS_POSITIVE: frozenset[str] = frozenset(
    {
        "admiration",
        "amusement",
        "approval",
        "caring",
        "desire",
        "excitement",
        "gratitude",
        "joy",
        "love",
        "optimism",
        "pride",
        "relief",
    }
)
# CLINC150 intents that report a failure rather than ask for something: in support these are
# complaints even when phrased calmly, but they are also procedural ("how do I report…"),
# so they train as negative with half weight.
CLINC_PROBLEM_INTENTS: frozenset[str] = frozenset(
    {
        "account_blocked",
        "card_declined",
        "damaged_card",
        "lost_luggage",
        "report_fraud",
        "report_lost_card",
    }
)
