"""Hooks: how one area reacts to another's event, or adds to its page, without importing it.

The area that owns an event calls its hook; the face (:mod:`poise.app`, :mod:`poise.background`
and the ``poise`` command) fills the hook with the reactions of other areas. A reaction that
fails is logged and never fails the event: the event is already stored, and its sender must
not retry it because a listener broke.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from poise.faults import log_failure

log = logging.getLogger(__name__)
ConversationsScored = Callable[[Session, Sequence[int]], None]
ScoringFinished = Callable[[Session], object]
FeedbackOnReplies = Callable[[Session, Any, Sequence[Any]], dict[int, list[Any]]]


@dataclass
class Hooks:
    """Reactions to events, by event."""

    conversations_scored: list[ConversationsScored] = field(default_factory=list)
    scoring_finished: list[ScoringFinished] = field(default_factory=list)
    # What another area says of the reader's own replies in a thread, by message id
    # (training's AutoQA): (session, reader, the thread's messages). Unwired, nothing.
    feedback_on_replies: FeedbackOnReplies | None = None
    # The sources the connectors store their helpdesks' conversations under ("zendesk"…),
    # set up or not yet: a lead's import may not take one (conversations' import_file).
    # Unwired, none.
    connector_sources: tuple[str, ...] = ()

    def scored(self, session: Session, conversation_ids: Sequence[int]) -> None:
        """Live turns of these conversations were scored and committed."""
        for react in self.conversations_scored:
            try:
                react(session, conversation_ids)
            except Exception as exc:
                session.rollback()
                log_failure(
                    log, "a reaction to scored conversations %s failed", conversation_ids, exc=exc
                )

    def finished_scoring(self, session: Session) -> list[str]:
        """A scoring job (an import's, ``poise signals score``/``rescore``) stored its scores:
        what each reaction did, said for the job's report (e.g. the praise the new scores
        reveal, collected into Happy Files)."""
        said = []
        for react in self.scoring_finished:
            try:
                said.append(str(react(session)))
            except Exception as exc:
                session.rollback()
                log_failure(log, "a reaction to a finished scoring failed", exc=exc)
        return said
