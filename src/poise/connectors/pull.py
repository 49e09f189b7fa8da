"""The shared pull: a vendor turns one page of its API into records; this stores each page and
its cursor in one transaction, so a sync cut short resumes where it stopped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from poise.connectors.client import Api, Seam
from poise.connectors.models import Connector
from poise.connectors.text import email_of, name_of
from poise.conversations.importers.common import ImportLimits
from poise.conversations.records import ConversationRecord, MessageRecord
from poise.conversations.writer import WriteCounts, delete_conversations, write_conversations
from poise.words import counted

MAX_PAGES = 200  # pages per sync run; the next run goes on from the cursor
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CredentialField:
    """One credential a vendor needs, as the admin page and ``poise connect`` ask for it."""

    name: str
    label: str
    secret: bool = False
    pattern: str = r"\S+"
    hint: str = ""


@dataclass
class Page:
    """One page of changes: what to store, what was deleted, and where the next page starts."""

    records: list[ConversationRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cursor: str | None = None
    done: bool = True  # no further page now: the sync ends and the next run starts here
    through: datetime | None = None  # the helpdesk's time of the newest change on the page
    refused: list[str] = field(default_factory=list)  # "ticket 7: why", not stored


@dataclass
class Delivery:
    """One native webhook delivery, read: its replay key, when it was sent, what it changes."""

    key: str  # unique per delivery (the vendor's event id, or a digest of the body)
    sent_at: datetime | None  # None: the vendor sends no time (Freshdesk without one)
    records: list[ConversationRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


class Vendor:
    """What each helpdesk module fills in: its fields, its pages, its webhook signature."""

    name: ClassVar[str]
    title: ClassVar[str]
    fields: ClassVar[tuple[CredentialField, ...]]
    signature_header: ClassVar[str]  # lower case, as Starlette's headers match any case
    signature_shape: ClassVar[re.Pattern[str]]  # every value the vendor can send
    signature_what: ClassVar[str]  # "Zendesk signature", as refusals name it

    def api(self, credentials: Mapping[str, str], seam: Seam) -> Api:
        raise NotImplementedError

    def fetch(self, api: Api, cursor: str | None, start: datetime, limits: ImportLimits) -> Page:
        """The page at ``cursor`` (``None``: the first page of a backfill from ``start``)."""
        raise NotImplementedError

    def unsigned(self, headers: Mapping[str, str]) -> str | None:
        """Why these headers cannot carry a signature the vendor made, or ``None``.

        Judged before the body is read (a native delivery may be 4 MiB): a request with no
        signature header, or one of a shape the vendor never sends, is refused for nothing.
        Whether the signature matches is :meth:`verify`'s, after the body.
        """
        given = (headers.get(self.signature_header) or "").strip()
        if not given:
            return f"the {self.signature_what} is missing ({self.signature_header}): nothing read"
        if not self.signature_shape.fullmatch(given):
            return f"the {self.signature_what} is not one {self.title} sends: nothing read"
        return None

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> None:
        """Raise :class:`~poise.errors.PermissionDenied` unless the vendor signed ``body``."""
        raise NotImplementedError

    def delivery(self, headers: Mapping[str, str], body: bytes, limits: ImportLimits) -> Delivery:
        """A verified body read; :class:`~poise.errors.InvalidInput` when it cannot be."""
        raise NotImplementedError


@dataclass
class SyncCounts:
    """What one sync run stored.

    ``live``: the connector had finished its backfill before this run, so what the run brings
    is news (alerts react to it), not history.
    """

    live: bool = False
    pages: int = 0
    created: int = 0
    updated: int = 0
    messages: int = 0
    deleted: int = 0
    refused: list[str] = field(default_factory=list)
    conversation_ids: list[int] = field(default_factory=list)
    new_turn_ids: list[int] = field(default_factory=list)  # conversations that gained a turn

    def add(self, written: WriteCounts, deleted: int, refused: list[str]) -> None:
        self.pages += 1
        self.created += written.conversations_created
        self.updated += written.conversations_updated
        self.messages += written.messages_created
        self.deleted += deleted
        self.refused.extend(refused)
        self.conversation_ids.extend(written.conversation_ids)
        self.new_turn_ids.extend(written.new_turn_ids)

    def __str__(self) -> str:
        text = (
            f"{counted(self.pages, 'page')}: {counted(self.created, 'new conversation')}, "
            f"{self.updated:,} updated, {counted(self.messages, 'new message')}, "
            f"{self.deleted:,} deleted"
        )
        if self.refused:
            text += f"; {len(self.refused):,} skipped (first: {self.refused[0]})"
        return text


def store_page(session: Session, connector: Connector, page: Page, counts: SyncCounts) -> None:
    """Write a page's conversations, forget its deleted ones and move the cursor; one commit."""
    written = write_conversations(session, connector.vendor, last_of_each(page.records))
    deleted = delete_conversations(session, connector.vendor, page.deleted)
    connector.cursor = page.cursor
    if page.through and (
        connector.synced_through is None or page.through > connector.synced_through
    ):
        connector.synced_through = page.through
    connector.conversations_synced += written.conversations_created - deleted
    connector.backfilled = connector.backfilled or page.done
    session.commit()
    counts.add(written, deleted, page.refused)


def pull(
    session: Session,
    connector: Connector,
    vendor: Vendor,
    api: Api,
    *,
    start: datetime,
    limits: ImportLimits,
    progress: Progress | None = None,
    max_pages: int = MAX_PAGES,
) -> SyncCounts:
    """Pull pages from the stored cursor until the helpdesk has no more (or ``max_pages``)."""
    counts = SyncCounts(live=connector.backfilled)
    while counts.pages < max_pages:
        page = vendor.fetch(api, connector.cursor, start, limits)
        store_page(session, connector, page, counts)
        if progress is not None:
            progress(counts.pages, 0)
        if page.done:
            break
    return counts


def last_of_each(records: list[ConversationRecord]) -> list[ConversationRecord]:
    """One record per conversation (a page may list a ticket twice): the latest wins."""
    return list({record.external_id: record for record in records}.values())


def read_cursor(cursor: str | None, default: dict[str, Any]) -> dict[str, Any]:
    """A JSON cursor (``{"since": ..., "page": ...}`` and the like), or ``default``."""
    if not cursor:
        return dict(default)
    try:
        value = json.loads(cursor)
    except ValueError:
        return dict(default)
    return value if isinstance(value, dict) else dict(default)


def write_cursor(**values: Any) -> str:
    return json.dumps(values, sort_keys=True)


def newest(times: list[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def turn(
    external_id: str,
    role: str,
    body: str,
    sent_at: datetime | None,
    person: Any,
    limits: ImportLimits,
) -> MessageRecord | None:
    """A message from a helpdesk's fields, or ``None`` when it has no text or no time.

    Only an agent's e-mail is kept (it links the turn to a Poise user); a customer's is theirs.
    """
    text = body[: limits.max_message_chars]
    if not external_id or not text or sent_at is None:
        return None
    email = email_of(person) if role == "agent" else None
    return MessageRecord(external_id, role, text, sent_at, name_of(person), email)


def next_page(
    state: dict[str, Any], more: bool, through: datetime | None, last_page: int = 10_000
) -> tuple[str, bool]:
    """The cursor after a page of a ``since``/``page`` listing, and whether the sync is done.

    With more pages the next one is asked for; at the end (or the vendor's last allowed page
    number) the listing starts again from the newest change seen. Asking again from that time
    brings its ticket once more, which the idempotent writer ignores.
    """
    page = int(state.get("page", 1))
    since = through.isoformat() if through else state["since"]
    if more and page < last_page:
        return write_cursor(since=state["since"], page=page + 1), False
    return write_cursor(since=since, page=1), not more
