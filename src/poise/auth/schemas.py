"""JSON shapes of the users API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    # the team's name too: the API lists no teams, so an id alone told a script nothing
    team: str | None = Field(None, description="The name of the user's team, if any")
    is_active: bool
    created_at: datetime

    @field_validator("team", mode="before")
    @classmethod
    def _team_name(cls, value: object) -> object:
        """A user's ``team`` relationship read as its name."""
        return getattr(value, "name", value)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=120)
    role: str = Field("agent", description="agent, lead or admin")
    password: str | None = Field(None, min_length=8)
    team: str | None = Field(None, description="Name of an existing team")
