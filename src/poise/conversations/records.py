"""Plain records that every way in (file importers, webhooks, the demo) produces.

Parsers turn outside formats into these records and report :class:`RowError` for what they
refuse; one writer (:func:`poise.conversations.actions.write_conversations`) stores them. The
records are already validated: values are in range, times are aware UTC, texts are clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one input row (or the whole file, ``line=0``) was refused."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass(slots=True)
class CustomerRecord:
    """A customer as the source system knows them."""

    external_id: str
    name: str = ""
    email: str | None = None
    language: str | None = None  # a locale such as "de" or "pt-BR", when the source gives one


@dataclass(slots=True)
class MessageRecord:
    """One turn. ``external_id`` is unique within its conversation and makes imports idempotent."""

    external_id: str
    author_role: str  # customer | agent | system
    body: str
    sent_at: datetime
    author_name: str = ""
    author_email: str | None = None  # links the turn to a Poise user when it matches one


@dataclass(slots=True)
class RatingRecord:
    """The customer's satisfaction answer: scale ``three`` (1=bad, 2=okay, 3=good) or ``five``."""

    scale: str
    score: int
    rated_at: datetime
    comment: str = ""
    agent_email: str | None = None  # the agent it credits; default: the conversation's assignee


@dataclass(slots=True)
class ConversationRecord:
    """One conversation with its messages, keyed by ``(source, external_id)``."""

    external_id: str
    channel: str  # email | chat | phone | social
    messages: list[MessageRecord] = field(default_factory=list)
    subject: str = ""
    purpose: str = ""
    product: str | None = None
    feature: str | None = None
    tags: list[str] = field(default_factory=list)
    status: str | None = None  # open | pending | resolved; None keeps what is stored
    opened_at: datetime | None = None  # default: the first message's time
    resolved_at: datetime | None = None
    customer: CustomerRecord | None = None
    assignee_email: str | None = None
    rating: RatingRecord | None = None


@dataclass(slots=True)
class ParseResult:
    """What a parser made of a file: the good conversations and every refusal.

    ``rejected_lines`` holds the raw text of refused rows (by line number) so that
    ``--skip-invalid`` can write them to a file the user can fix and import again.
    """

    conversations: list[ConversationRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_total: int = 0
    rejected_lines: dict[int, str] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return len({e.line for e in self.errors if e.line})

    @property
    def fatal(self) -> bool:
        """A file-level error (line 0): nothing in the file can be trusted."""
        return any(e.line == 0 for e in self.errors)
