"""JSON shapes of the users API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=120)
    role: str = Field("agent", description="agent, lead or admin")
    password: str | None = Field(None, min_length=8)
    team: str | None = Field(None, description="Name of an existing team")
