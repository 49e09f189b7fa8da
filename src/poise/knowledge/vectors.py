"""The manual's stored vectors, and which encoder made them.

Why: a query's vector and the vectors it is compared with must come from the same encoder.
The manual stores vectors for its issues and phrasings, for logged gaps and for mining's
conversations; when Poise ships a new encoder (``ENCODER_VERSION``), the stored ones are
stale. Until they are brought up to date (``poise kb reembed``, the scheduler's hourly
``kb-reembed`` or the next mining run), readers compute what they need in memory and ignore
the stored ones: a page view never writes, and search stays right, only slower on the first
query of each manual version. The fact ``kb_encoder`` names the encoder of every stored
vector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from poise.db.base import Base
from poise.db.meta import get_fact, set_fact
from poise.knowledge.models import Article, ConversationVector, Gap, Phrasing
from poise.knowledge.text import to_blob
from poise.minilm.encoder import FloatArray, get_intent_encoder
from poise.words import counted

ENCODER_FACT = "kb_encoder"
ENCODER_VERSION = "minilm-intents-2026.12.1"
CHUNK = 256
Progress = Callable[[int, int], None]


def encode(texts: list[str]) -> FloatArray:
    """Unit vectors of ``texts`` from the manual's encoder."""
    return get_intent_encoder().encode(texts)


def _any_stored(session: Session) -> bool:
    return any(
        session.scalar(select(exists().where(column.is_not(None))))
        for column in (Article.embedding, Phrasing.embedding, Gap.embedding)
    ) or bool(session.scalar(select(exists().select_from(ConversationVector))))


def stored_current(session: Session) -> bool:
    """Whether every stored vector comes from today's encoder (a database without any, new or
    empty, is current)."""
    fact = get_fact(session, ENCODER_FACT)
    if fact is not None:
        return fact == ENCODER_VERSION
    return not _any_stored(session)


def claim(session: Session) -> None:
    """Before writing a vector: name today's encoder as the one of an empty store, so the
    first vectors written count as current (an outdated store keeps its mark)."""
    if get_fact(session, ENCODER_FACT) is None and not _any_stored(session):
        set_fact(session, ENCODER_FACT, ENCODER_VERSION)


KEYS: dict[type[Base], Any] = {
    Article: Article.id,
    Phrasing: Phrasing.id,
    Gap: Gap.id,
    ConversationVector: ConversationVector.conversation_id,
}
TEXTS: dict[type[Base], Any] = {
    Article: Article.issue,
    Phrasing: Phrasing.text,
    Gap: Gap.query,
    ConversationVector: ConversationVector.issue,
}


def reembed(session: Session, progress: Progress | None = None) -> dict[str, int]:
    """Re-embed every issue, phrasing, gap and mined conversation (from the text stored with
    it) with today's encoder, then mark the store current. Commits once a chunk, so a long run
    shows progress and a stop loses little (the store stays marked outdated until the end)."""
    from poise.knowledge.search import bump_version

    targets = [
        (model, row_id, text)
        for model, key in KEYS.items()
        for row_id, text in session.execute(select(key, TEXTS[model]))
    ]
    for start in range(0, len(targets), CHUNK):
        chunk = targets[start : start + CHUNK]
        rows: dict[type[Base], list[dict[str, object]]] = {}
        for (model, row_id, _), vector in zip(chunk, encode([t for *_, t in chunk]), strict=True):
            rows.setdefault(model, []).append(
                {KEYS[model].key: row_id, "embedding": to_blob(vector)}
            )
        for model, values in rows.items():
            session.execute(update(model), values)  # bulk UPDATE by primary key
        session.commit()
        if progress:
            progress(start + len(chunk), len(targets))
    set_fact(session, ENCODER_FACT, ENCODER_VERSION)
    bump_version(session)
    session.commit()
    if progress:
        progress(len(targets), len(targets))
    return {"vectors": len(targets)}


def reembed_job(session: Session, progress: Progress) -> str:
    """``reembed`` as a job's work (the scheduler's ``kb-reembed``, the Models page's button)."""
    return f"{counted(reembed(session, progress)['vectors'], 'manual text')} re-embedded"
