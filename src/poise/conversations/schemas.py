"""JSON shapes of the conversations API and the webhook, named by role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from poise.conversations.importers.common import MAX_TAG_CHARS, MAX_TAGS
from poise.web.paging import PageOf
from poise.web.values import MAX_PAGE_SIZE

Tag = Annotated[str, Field(max_length=MAX_TAG_CHARS)]  # a tag of a megabyte was stored whole


def _not_blank(value: str) -> str:
    """An id with something in it: one of spaces was stored as a conversation, turn or customer
    nobody could name (an import refuses the same id as missing)."""
    if not value.strip():
        raise ValueError("is blank: give the id the source knows it by")
    return value


SourceId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_not_blank)]
"""An id at the source, as the sender signed it: kept exactly, refused when blank."""
ChannelName = Literal["email", "chat", "phone", "social"]
RoleName = Literal["customer", "agent", "system"]
StatusName = Literal["open", "pending", "resolved"]


class WebhookCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: SourceId = Field(description="The customer's id at the source; not blank")
    name: str = Field("", max_length=200)
    email: str | None = Field(None, max_length=254)


class WebhookConversation(BaseModel):
    """The conversation a webhook message belongs to; created on first sight, then extended."""

    model_config = ConfigDict(extra="forbid")
    id: SourceId = Field(description="The conversation's id at the source; not blank")
    channel: ChannelName
    subject: str = Field("", max_length=300)
    purpose: str = Field("", max_length=2000)
    product: str | None = Field(None, max_length=120)
    feature: str | None = Field(None, max_length=120)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    status: StatusName | None = None
    assignee_email: str | None = Field(None, max_length=254)
    customer: WebhookCustomer | None = None


class WebhookMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: SourceId = Field(description="The message's id at the source; not blank")
    author_role: RoleName
    author: str = Field("", max_length=200)
    author_email: str | None = Field(None, max_length=254)
    body: str = Field(min_length=1)
    sent_at: AwareDatetime | None = Field(None, description="Default: when Poise receives it")

    @field_validator("sent_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """The time in UTC, as stored; refused when it has none (``0001-01-01T00:00+01:00``
        falls before year 1 in UTC and failed at the write as a 500)."""
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time has no UTC equivalent (outside years 1 to 9999)") from None


class WebhookPayload(BaseModel):
    """``POST /api/v1/webhooks/messages``: one message and the conversation it extends."""

    model_config = ConfigDict(extra="forbid")
    conversation: WebhookConversation
    message: WebhookMessage


class WebhookReceipt(BaseModel):
    conversation_id: int
    conversation_created: bool
    message_created: bool
    scoring_job_id: int | None = Field(
        default=None,
        description="Null when the new message was scored at once (or nothing new was "
        "stored). When scoring it failed, the message is stored all the same and this names "
        "the background job that scores it (`GET /api/v1/jobs/{id}`: admins, and leads who "
        "may open the conversation).",
    )


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    external_id: str
    author_role: str
    author_name: str
    body: str
    sent_at: datetime


class RatingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    scale: str
    score: int
    label: str
    is_positive: bool
    comment: str
    rated_at: datetime


class ConversationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    external_id: str
    channel: str
    subject: str
    purpose: str
    product: str | None
    feature: str | None
    tags: list[str]
    status: str
    assignee_id: int | None
    opened_at: datetime
    resolved_at: datetime | None
    last_message_at: datetime | None
    message_count: int


INLINED_MESSAGES = MAX_PAGE_SIZE
"""Turns the conversation's JSON inlines: the largest page of its paged thread, so the next
page at that size starts where ``messages`` stops."""


class ConversationPublic(ConversationSummary):
    """A conversation with the opening of its thread (at most ``INLINED_MESSAGES`` turns),
    how many turns it holds, and where the rest is read a page at a time."""

    messages: list[MessagePublic] = Field(
        description=f"The thread's first {INLINED_MESSAGES} turns at most, oldest first."
    )
    messages_total: int = Field(description="How many turns the thread holds.")
    messages_truncated: bool = Field(
        description="Whether the thread holds more turns than `messages`."
    )
    messages_next: str | None = Field(
        description="The paged thread (`…/messages`) from the first turn not inlined; null "
        "when `messages` is the whole thread."
    )
    rating: RatingPublic | None


class ConversationPage(PageOf[ConversationSummary]):
    """One page of conversations, newest first."""


class MessagePage(PageOf[MessagePublic]):
    """One page of a conversation's thread, oldest first."""


class RowErrorPublic(BaseModel):
    line: int
    field: str
    reason: str


class ImportReportPublic(BaseModel):
    run_id: int
    status: Literal["imported", "partial", "rejected"]
    rows_total: int
    rows_rejected: int
    conversations_created: int
    conversations_updated: int
    messages_created: int
    ratings_created: int
    errors: list[RowErrorPublic]
    scoring_job_id: int | None = None


class JobStatus(BaseModel):
    """A background job: what it works for, where it is and, once it ended badly, what it left."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str = Field(description="What work it does: `score`, `rescore`, `kb-mine`, ….")
    status: str = Field(
        description="`queued` or `running` while active; `done`, `failed`, `cancelled` or "
        "`interrupted` once it ended (it changes no more)."
    )
    done: int = Field(description="Units of work done so far (messages, for a scoring).")
    total: int = Field(description="Units of work in all; 0 while not yet known.")
    percent: int = Field(description="`done` of `total`, in whole percent; 0 while unknown.")
    detail: str = Field(
        description="The step a running job is in; what an ended one did, or why it stopped "
        "(with an error id to find in the server log)."
    )
    subject: str = Field(
        description="What it works for, as stored: `import:12` (scoring import 12), "
        "`webhook:12,13` or `sweep:12,13` (scoring those conversations), `connector:NAME`, "
        "`scheduled:NAME`, `kb:mine`, …. For a reader who is not an admin, a job scoring "
        "conversations names only those they may open.",
    )
    created_at: datetime = Field(description="When it was queued (UTC).")
    heartbeat_at: datetime | None = Field(
        None, description="When a worker last said it was on it (UTC); null before."
    )
    finished_at: datetime | None = Field(
        None, description="When it ended (UTC); null while queued or running."
    )
    conversations_left: int | None = Field(
        None,
        description="For a scoring job (`score`, `rescore`) that ended without finishing "
        "(`failed`, `cancelled`, `interrupted`): how many conversations it did not get "
        "through, read from its failed chunks or else its subject (for a reader who is not "
        "an admin, those they may open). Their messages wait for a score: the sweep picks "
        "them up. Null for any other job, or when neither names a conversation.",
    )
