"""JSON shapes of the morale API, named by role."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from poise.morale.models import MAX_LINK_CHARS
from poise.web.paging import PageOf


class HappyItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    link: str | None = Field(None, max_length=MAX_LINK_CHARS)


class HappyItemPublic(BaseModel):
    """One item of the caller's own Happy File (screenshots as a page URL, not bytes)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    text: str
    link_url: str | None
    image_type: str | None
    conversation_id: int | None
    starred: bool
    received_at: datetime


class HappyItemPage(PageOf[HappyItemPublic]):
    """One page of the caller's own Happy File, newest first."""


class HugCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    consent: bool = Field(description="The customer agreed to their words being published.")


class HugDraft(BaseModel):
    """A redacted draft for the lead's review; ``original_text`` is erased on publishing."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    status: str
    redacted_text: str
    original_text: str
    redactions: int
    consent: bool
    tags: list[str] = Field(validation_alias="tag_names")
    published_at: datetime | None
