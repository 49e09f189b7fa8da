"""Hooks: how one area reacts to another's event without importing it.

The area that owns an event calls its hook; the face (:mod:`poise.app`) fills the hook with
the reactions of other areas. A reaction that fails is logged and never fails the event: the
event is already stored, and its sender must not retry it because a listener broke.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
ConversationsScored = Callable[[Session, Sequence[int]], None]


@dataclass
class Hooks:
    """Reactions to events, by event."""

    conversations_scored: list[ConversationsScored] = field(default_factory=list)

    def scored(self, session: Session, conversation_ids: Sequence[int]) -> None:
        """Live turns of these conversations were scored and committed."""
        for react in self.conversations_scored:
            try:
                react(session, conversation_ids)
            except Exception:
                session.rollback()
                log.exception("a reaction to scored conversations %s failed", conversation_ids)
