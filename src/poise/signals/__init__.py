"""Signals: text in, numbers out (negativity, emotion, abuse, drift).

Importing this package is cheap: models load lazily on the first :func:`get_scorer` call,
and nothing here imports torch or any other Poise area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poise.signals.types import ConversationSignals, DriftResult, NegativityResult, Turn

if TYPE_CHECKING:
    from poise.signals.conversation import conversation_signals
    from poise.signals.registry import UnknownScorerError, get_scorer

__all__ = [
    "ConversationSignals",
    "DriftResult",
    "NegativityResult",
    "Turn",
    "UnknownScorerError",
    "conversation_signals",
    "get_scorer",
]


def __getattr__(name: str) -> Any:
    """Import the registry (and numpy with it) only when it is first used."""
    if name in {"get_scorer", "UnknownScorerError"}:
        from poise.signals import registry

        return getattr(registry, name)
    if name == "conversation_signals":
        from poise.signals.conversation import conversation_signals

        return conversation_signals
    raise AttributeError(f"module 'poise.signals' has no attribute {name!r}")
