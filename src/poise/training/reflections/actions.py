"""Every change to reflections: write one, add a reframe, delete one. Each is the author's
own: the reflection is looked up through the author-only query, so nobody else can change
(or learn of) it. Scoring happens here, once, and its result is stored with the version.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.db.base import utcnow
from poise.errors import NotFound
from poise.repeats import recent_repeat
from poise.signals import get_scorer
from poise.signals.explanatory import ExplanatoryResult
from poise.signals.reframing import coach
from poise.training.models import Reflection
from poise.training.reflections import queries
from poise.training.writing import written

MAX_TEXT = 4000
NOT_OPENABLE = (
    "that conversation is not one you can open, so the reflection was not linked to it: "
    "send it again to keep it on its own"
)
"""One answer for a conversation that does not exist and one the writer may not open, so a
reflection form never tells which (its id travels in a hidden field anyone can change)."""


def check_about(session: Session, actor: User, conversation_id: int) -> None:
    """NotFound, with one message, unless the writer may open the conversation: the API
    answers 404 alike for one that does not exist and one of another team."""
    try:
        queries.conversation(session, actor=actor, conversation_id=conversation_id)
    except NotFound:
        raise NotFound(NOT_OPENABLE) from None


def _analysis(text: str, result: ExplanatoryResult) -> dict[str, Any]:
    return {
        "original": result.to_dict(),
        "coaching": [asdict(c) for c in coach(text, result)],
        "reframe": None,
    }


def create_reflection(
    session: Session,
    *,
    actor: User,
    text: str,
    conversation_id: int | None = None,
    now: datetime | None = None,
) -> Reflection:
    """Rate the agent's explanation and keep it, with its evidence and coaching.

    The same reflection sent again at once (Save clicked twice) is the one already kept; the
    check comes after the rating, the slow part, so a repeat arriving meanwhile finds it."""
    text = written(text, what="your reflection", limit=MAX_TEXT, field="text")
    if conversation_id is not None:
        check_about(session, actor, conversation_id)
    result = get_scorer("explanatory").score(text)
    same = {"author_id": actor.id, "conversation_id": conversation_id, "text": text}
    kept = recent_repeat(session, Reflection, Reflection.created_at, same, now=now)
    if kept is not None:
        return kept
    reflection = Reflection(
        author_id=actor.id,
        conversation_id=conversation_id,
        text=text,
        permanent=result.permanent.rating,
        pervasive=result.pervasive.rating,
        personal=result.personal.rating,
        analysis=_analysis(text, result),
        scorer_version=result.version,
        created_at=now or utcnow(),
    )
    session.add(reflection)
    session.commit()
    return reflection


def add_reframe(
    session: Session,
    *,
    actor: User,
    reflection_id: int,
    text: str,
    now: datetime | None = None,
) -> Reflection:
    """The agent's reframe after coaching, rated the same way so the shift shows.

    Writing again replaces the reframe: it is a draft the agent improves, not a history.
    """
    reflection = queries.reflection(session, actor=actor, reflection_id=reflection_id)
    text = written(text, what="your reframe", limit=MAX_TEXT, field="text")
    result = get_scorer("explanatory").score(text)
    reflection.reframe = text
    reflection.reframe_permanent = result.permanent.rating
    reflection.reframe_pervasive = result.pervasive.rating
    reflection.reframe_personal = result.personal.rating
    reflection.reframed_at = now or utcnow()
    reflection.analysis = {**reflection.analysis, "reframe": result.to_dict()}
    session.commit()
    return reflection


def delete_reflection(session: Session, *, actor: User, reflection_id: int) -> None:
    """The author may remove a reflection for good; nobody else can."""
    reflection = queries.reflection(session, actor=actor, reflection_id=reflection_id)
    session.delete(reflection)
    session.commit()
