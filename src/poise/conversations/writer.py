"""The one writer of conversations: imports, webhooks and the demo all store records here.

It is idempotent by key — customers by ``(source, external_id)``, conversations likewise,
messages by ``(conversation, external_id)`` — so the same input twice changes nothing. It
writes through :mod:`poise.db.bulk` (``COPY`` on PostgreSQL, multi-row ``INSERT`` elsewhere,
key look-ups a chunk of keys at a time), never a statement per row: an import of 200,000
messages must run at well over 10,000 messages a second. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, delete, or_, select, text, update
from sqlalchemy.orm import Session

from poise.auth.actions import normal_email
from poise.auth.models import User
from poise.conversations.changes import queue_customers_for_rollup, queue_for_rollup
from poise.conversations.models import Conversation, Customer, Message, Rating
from poise.conversations.records import ConversationRecord, CustomerRecord, MessageRecord
from poise.db.base import utcnow
from poise.db.bulk import among, insert_rows, lookup, lookup_objects

CHUNK = 500
T = TypeVar("T")
WriteProgress = Callable[[int, int], None]  # (messages written, messages total)


@dataclass
class WriteCounts:
    """What a write changed."""

    conversations_created: int = 0
    conversations_updated: int = 0
    messages_created: int = 0
    ratings_created: int = 0
    # Every conversation the write created or extended, so its scoring job scores only these.
    conversation_ids: list[int] = field(default_factory=list)
    # Those that gained a turn: what a live source's reactions (alerts) look at.
    new_turn_ids: list[int] = field(default_factory=list)


CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
MESSAGES: Table = Message.__table__  # type: ignore[assignment]
RATINGS: Table = Rating.__table__  # type: ignore[assignment]


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class People(dict[str, int]):
    """Users' ids by e-mail, as stored; :meth:`of` finds one named in any letter case.

    Users' e-mails are stored lower-cased, and a file's ``Ada@Example.com`` was looked up as
    typed: it linked nobody, and its conversation was left unassigned without a word.
    """

    def of(self, email: str | None) -> int | None:
        return self.get(normal_email(email)) if email else None


def _user_ids_by_email(session: Session) -> People:
    rows = session.execute(select(User.id, User.email))
    return People({normal_email(email): uid for uid, email in rows})


def _upsert_customers(
    session: Session, source: str, records: Iterable[ConversationRecord]
) -> dict[str, int]:
    wanted = {r.customer.external_id: r.customer for r in records if r.customer is not None}
    stored = select(Customer.external_id, Customer.id).where(Customer.source == source)
    ids: dict[str, int] = {
        ext: cid for ext, cid in lookup(session, stored, Customer.external_id, wanted)
    }
    _set_languages(session, ids, wanted)
    unseen = [ext for ext in wanted if ext not in ids]
    new = [
        {
            "source": source,
            "external_id": c.external_id,
            "name": c.name,
            "email": c.email,
            "language": c.language,
        }
        for c in (wanted[ext] for ext in unseen)
    ]
    ids.update(zip(unseen, insert_rows(session, CUSTOMERS, new), strict=True))
    return ids


def _set_languages(
    session: Session, ids: dict[str, int], wanted: dict[str, CustomerRecord]
) -> None:
    """Record the language the source now gives for customers already stored.

    One statement per language and chunk, not per customer: a re-import stays a bulk write.
    """
    by_language: dict[str, list[int]] = {}
    for ext, cid in ids.items():
        if language := wanted[ext].language:
            by_language.setdefault(language, []).append(cid)
    for language, customer_ids in by_language.items():
        for chunk in _chunks(customer_ids):
            session.execute(
                update(Customer)
                .where(Customer.id.in_(chunk))
                .where(or_(Customer.language.is_(None), Customer.language != language))
                .values(language=language)
            )


def delete_conversations(session: Session, source: str, external_ids: Sequence[str]) -> int:
    """Forget conversations the source deleted (their turns and rating go with them); no commit.

    Returns how many were stored. Other areas' links to them are cleared by the database.
    """
    deleted = 0
    for chunk in _chunks(external_ids):
        gone = session.scalars(
            select(Conversation.id).where(
                Conversation.source == source, Conversation.external_id.in_(chunk)
            )
        ).all()
        queue_customers_for_rollup(session, gone)  # their customers' repeat contacts change
        result = session.execute(
            delete(Conversation)
            .where(Conversation.source == source)
            .where(Conversation.external_id.in_(chunk))
        )
        deleted += result.rowcount  # type: ignore[attr-defined]
    return deleted


def _existing_conversations(
    session: Session, source: str, external_ids: Sequence[str]
) -> dict[str, Conversation]:
    stored = select(Conversation).where(Conversation.source == source)
    found = lookup_objects(session, stored, Conversation.external_id, external_ids)
    return {conv.external_id: conv for conv in found}


LONG_THREAD = 1000  # stored turns past which a conversation's keys are looked up one by one


def _existing_message_keys(
    session: Session, existing: dict[str, Conversation], records: Sequence[ConversationRecord]
) -> set[tuple[int, str]]:
    """The stored turns of the conversations ``records`` extend, as (conversation id,
    external id): every key of each, in few statements, as an import of many conversations
    wants; of a long thread that holds far more turns than its record brings, only the
    record's own. A webhook's one message into an imported thread of 50,000 turns read all
    50,000 keys (0.4 s a message) to tell whether it was new."""
    whole: list[int] = []
    keyed: list[tuple[int, list[str]]] = []
    for rec in records:
        conv = existing.get(rec.external_id)
        if conv is None:
            continue
        if conv.message_count > max(LONG_THREAD, 2 * len(rec.messages)):
            keyed.append((conv.id, [m.external_id for m in rec.messages]))
        else:
            whole.append(conv.id)
    stored = select(Message.conversation_id, Message.external_id)
    found = {(cid, ext) for cid, ext in lookup(session, stored, Message.conversation_id, whole)}
    for conv_id, ids in keyed:
        own = stored.where(Message.conversation_id == conv_id)
        found.update((cid, ext) for cid, ext in lookup(session, own, Message.external_id, ids))
    return found


def _conversation_row(
    source: str, rec: ConversationRecord, customer_id: int | None, assignee_id: int | None
) -> dict[str, Any]:
    times = [m.sent_at for m in rec.messages]
    opened = rec.opened_at or (min(times) if times else None)
    if opened is None:
        raise ValueError(f"conversation {rec.external_id} has no messages and no opened time")
    return {
        "source": source,
        "external_id": rec.external_id,
        "channel": rec.channel,
        "subject": rec.subject,
        "purpose": rec.purpose or _first_customer_text(rec.messages),
        "product": rec.product,
        "feature": rec.feature,
        "tags": rec.tags,
        "status": rec.status or "open",
        "customer_id": customer_id,
        "assignee_id": assignee_id,
        "opened_at": opened,
        "resolved_at": rec.resolved_at,
        "last_message_at": max(times) if times else None,
        "message_count": len(rec.messages),
    }


def _first_customer_text(messages: Sequence[MessageRecord]) -> str:
    for m in messages:
        if m.author_role == "customer":
            return m.body[:280]
    return ""


_UPDATABLE = ("subject", "product", "feature", "tags", "status", "resolved_at", "assignee_id")


def _with_resolution_time(row: dict[str, Any]) -> dict[str, Any]:
    """A conversation stored as resolved gets a resolution time: its last turn's, if not given."""
    if row["status"] == "resolved" and row["resolved_at"] is None:
        row["resolved_at"] = row["last_message_at"] or row["opened_at"]
    return row


def _update_conversation(conv: Conversation, row: dict[str, Any]) -> bool:
    """Apply changed fields from a newer export of the same conversation; True if any changed.

    A conversation that becomes resolved without a resolution time is given its last turn's
    time, so every resolved conversation says when (FCR and insights count from it).
    """
    was_resolved = conv.status == "resolved"
    changed = False
    for name in _UPDATABLE:
        value = row[name]
        if value in (None, "", []) or getattr(conv, name) == value:
            continue
        setattr(conv, name, value)
        changed = True
    newly_resolved = conv.status == "resolved" and (not was_resolved or conv.resolved_at is None)
    if newly_resolved and row["resolved_at"] is None:
        conv.resolved_at = row["last_message_at"] or utcnow()
        changed = True
    return changed


def _brings_a_newer_turn(
    rec: ConversationRecord, conv: Conversation, known: set[tuple[int, str]]
) -> bool:
    """True when ``rec`` carries a turn not stored yet and no older than the newest stored one.

    Only such a record may change the conversation's fields: a replayed or late-arriving
    webhook message must not set a resolved conversation back to open.
    """
    new = [m.sent_at for m in rec.messages if (conv.id, m.external_id) not in known]
    if not new:
        return False
    return conv.last_message_at is None or max(new) >= conv.last_message_at


def write_conversations(
    session: Session,
    source: str,
    records: Sequence[ConversationRecord],
    *,
    progress: WriteProgress | None = None,
    newer_only: bool = False,
) -> WriteCounts:
    """Store ``records`` under ``source``, creating or extending conversations; no commit.

    With ``newer_only`` (webhooks: one message each, possibly replayed or out of order) an
    existing conversation's fields change only for a record bringing a newer turn.
    """
    counts = WriteCounts()
    users = _user_ids_by_email(session)
    customers = _upsert_customers(session, source, records)
    existing = _existing_conversations(session, source, [r.external_id for r in records])
    conv_ids = {ext: c.id for ext, c in existing.items()}
    known = _existing_message_keys(session, existing, records)

    rows: list[dict[str, Any]] = []
    for rec in records:
        cid = customers.get(rec.customer.external_id) if rec.customer else None
        row = _conversation_row(source, rec, cid, users.of(rec.assignee_email))
        conv = existing.get(rec.external_id)
        if conv is None:
            rows.append(_with_resolution_time(row))
        elif not newer_only or _brings_a_newer_turn(rec, conv, known):
            counts.conversations_updated += _update_conversation(conv, row)
    new_ids = insert_rows(session, CONVERSATIONS, rows)
    conv_ids.update(zip((row["external_id"] for row in rows), new_ids, strict=True))
    counts.conversations_created = len(rows)

    added = _write_messages(session, records, conv_ids, users, known, counts, progress)
    _extend_existing(existing, added)
    _write_ratings(session, records, conv_ids, users, counts)
    session.flush()
    counts.conversation_ids = sorted(set(conv_ids.values()))
    queue_for_rollup(session, counts.conversation_ids)
    counts.new_turn_ids = sorted(added)
    return counts


def _write_messages(
    session: Session,
    records: Sequence[ConversationRecord],
    conv_ids: dict[str, int],
    users: People,
    known: set[tuple[int, str]],
    counts: WriteCounts,
    progress: WriteProgress | None,
) -> dict[int, list[datetime]]:
    """Insert the turns not stored yet; return the new turns' times by conversation id."""
    total = sum(len(r.messages) for r in records)
    batch: list[dict[str, Any]] = []
    added: dict[int, list[datetime]] = {}
    done = 0
    for rec in records:
        cid = conv_ids[rec.external_id]
        for m in rec.messages:
            done += 1
            if (cid, m.external_id) in known:
                continue
            # A turn given twice in one file (the same id, or an id derived from the same
            # author, time and words) is one turn: inserting both broke the import on the
            # unique key, a 500 for a file a helpdesk exported.
            known.add((cid, m.external_id))
            added.setdefault(cid, []).append(m.sent_at)
            batch.append(
                {
                    "conversation_id": cid,
                    "external_id": m.external_id,
                    "author_role": m.author_role,
                    "author_name": m.author_name,
                    "author_user_id": users.of(m.author_email),
                    "body": m.body,
                    "sent_at": m.sent_at,
                }
            )
            if len(batch) >= 5000:
                _flush_messages(session, batch, counts)
                if progress:
                    progress(done, total)
    _flush_messages(session, batch, counts)
    if progress:
        progress(total, total)
    return added


def _flush_messages(session: Session, batch: list[dict[str, Any]], counts: WriteCounts) -> None:
    if not batch:
        return
    insert_rows(session, MESSAGES, batch, ids=False)
    counts.messages_created += len(batch)
    batch.clear()


def _write_ratings(
    session: Session,
    records: Sequence[ConversationRecord],
    conv_ids: dict[str, int],
    users: People,
    counts: WriteCounts,
) -> None:
    rated = {conv_ids[r.external_id]: r for r in records if r.rating is not None}
    if not rated:
        return
    have = among(session, Rating.conversation_id, rated)
    assignees = _assignees(session, [cid for cid in rated if cid not in have])
    rows = []
    for cid, rec in rated.items():
        if cid in have or rec.rating is None:
            continue
        r = rec.rating
        agent = users.of(r.agent_email) or assignees.get(cid)
        rows.append(
            {
                "conversation_id": cid,
                "scale": r.scale,
                "score": r.score,
                "comment": r.comment,
                "rated_at": r.rated_at,
                "agent_id": agent,
            }
        )
    insert_rows(session, RATINGS, rows, ids=False)
    counts.ratings_created = len(rows)


def _assignees(session: Session, conversation_ids: Sequence[int]) -> dict[int, int]:
    stored = select(Conversation.id, Conversation.assignee_id).where(
        Conversation.assignee_id.is_not(None)
    )
    return {cid: aid for cid, aid in lookup(session, stored, Conversation.id, conversation_ids)}


def _extend_existing(existing: dict[str, Conversation], added: dict[int, list[datetime]]) -> None:
    """Count the new turns of extended conversations and move their last message time."""
    for conv in existing.values():
        times = added.get(conv.id)
        if not times:
            continue
        conv.message_count += len(times)
        latest = max(times)
        if conv.last_message_at is None or latest > conv.last_message_at:
            conv.last_message_at = latest


BULK_ROWS = 10_000


def refresh_planner_statistics(session: Session, counts: WriteCounts) -> None:
    """After a bulk load, let the planner see the new rows.

    Without fresh statistics PostgreSQL keeps treating the tables as small and scans them for
    the key look-ups of the next import (measured: a 200,000-message re-import took 3x longer);
    autovacuum catches up eventually, but a large import should not wait for it. SQLite never
    gathers statistics by itself: without them it answered an agent's conversation list at
    1M messages by collecting every visible row and sorting it (300-400 ms) instead of walking
    the date index (measured). ``analysis_limit`` samples instead of reading every index
    (30 ms at 1M messages).
    """
    if counts.messages_created < BULK_ROWS:
        return
    tables = ("customers", "conversations", "messages", "ratings")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(tables)}"))
    else:
        session.execute(text("PRAGMA analysis_limit = 1000"))
        for table in tables:
            session.execute(text(f"ANALYZE {table}"))
    session.commit()
