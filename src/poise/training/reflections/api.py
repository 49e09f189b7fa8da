"""``/api/v1/training/reflections``: the caller's own reflections, and nobody else's.

Another person's reflection answers 404 to everyone (leads and admins too), exactly as one
that does not exist, so the API never reveals that it is there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from poise.auth.deps import ApiUser
from poise.training.models import Reflection
from poise.training.reflections import actions, queries
from poise.web.deps import SessionDep
from poise.web.paging import PAGE_HEADERS, page_headers
from poise.web.params import ApiPageQuery, IdField, IdPath

router = APIRouter(prefix="/api/v1/training/reflections", tags=["training"])
# A generous bound that only stops absurd bodies; the actions give the precise limit.
TEXT_BOUND = 20_000


class ReflectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=TEXT_BOUND, description="Why the interaction went badly")
    conversation_id: IdField | None = Field(None, description="The conversation it is about")


class ReframeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=TEXT_BOUND, description="The explanation, reframed")


class EvidencePublic(BaseModel):
    phrase: str
    toward: str = Field(description="The pole this phrase pushed toward")
    weight: float


class DimensionPublic(BaseModel):
    rating: int = Field(description="1-7 as in CAVE; 7 = permanent/pervasive/personal")
    pole: str
    pessimistic: bool = Field(description="rating >= 5")
    evidence: list[EvidencePublic]
    reframe_rating: int | None = Field(description="The reframe's rating, once written")


class ExamplePublic(BaseModel):
    before: str
    after: str


class CoachingPublic(BaseModel):
    dimension: str
    prompt: str
    reframe: str | None = Field(description="A rewrite of your own sentence, when one exists")
    examples: list[ExamplePublic]


class ReflectionPublic(BaseModel):
    id: int
    conversation_id: int | None
    text: str
    created_at: datetime
    scorer_version: str
    dimensions: dict[str, DimensionPublic]
    coaching: list[CoachingPublic]
    reframe: str | None
    reframed_at: datetime | None


def _public(reflection: Reflection) -> ReflectionPublic:
    dimensions = {
        v.dimension: DimensionPublic(
            rating=v.rating,
            pole=v.pole,
            pessimistic=v.pessimistic,
            evidence=[EvidencePublic.model_validate(e) for e in v.evidence],
            reframe_rating=v.reframe_rating,
        )
        for v in queries.dimension_views(reflection)
    }
    coaching: list[dict[str, Any]] = reflection.analysis.get("coaching", [])
    return ReflectionPublic(
        id=reflection.id,
        conversation_id=reflection.conversation_id,
        text=reflection.text,
        created_at=reflection.created_at,
        scorer_version=reflection.scorer_version,
        dimensions=dimensions,
        coaching=[CoachingPublic.model_validate(c) for c in coaching],
        reframe=reflection.reframe,
        reframed_at=reflection.reframed_at,
    )


@router.get(
    "",
    summary="List your reflections",
    response_model=list[ReflectionPublic],
    responses={200: {"headers": PAGE_HEADERS, "description": "One page of reflections"}},
)
def my_reflections(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    page: ApiPageQuery = 1,
    page_size: Annotated[
        int, Query(ge=1, le=200, description="Reflections per page, 1 to 200.")
    ] = 50,
) -> list[ReflectionPublic]:
    """The caller's own reflections, newest first, a page at a time (one after each hard
    conversation adds up to hundreds in a year, and the list answered every one, each with its
    evidence and coaching): ``X-Total-Count`` says how many there are and
    ``Link: <…>; rel="next"`` leads to the next page while there is one."""
    listing = queries.reflection_page(session, actor=user, page=page, page_size=page_size)
    response.headers.update(page_headers(listing, request.url))
    return [_public(r) for r in listing.items]


@router.post("", summary="Write a reflection", response_model=ReflectionPublic, status_code=201)
def create(session: SessionDep, user: ApiUser, body: ReflectionCreate) -> JSONResponse:
    """Write a reflection: it comes back rated, with the evidence and coaching."""
    reflection = actions.create_reflection(
        session, actor=user, text=body.text, conversation_id=body.conversation_id
    )
    return JSONResponse(_public(reflection).model_dump(mode="json"), status_code=201)


@router.get("/{reflection_id}", summary="Get a reflection", response_model=ReflectionPublic)
def get_one(session: SessionDep, user: ApiUser, reflection_id: IdPath) -> ReflectionPublic:
    """One of the caller's reflections (404 for anyone else's)."""
    return _public(queries.reflection(session, actor=user, reflection_id=reflection_id))


@router.put(
    "/{reflection_id}/reframe", summary="Reframe a reflection", response_model=ReflectionPublic
)
def reframe(
    session: SessionDep, user: ApiUser, reflection_id: IdPath, body: ReframeCreate
) -> ReflectionPublic:
    """Write (or rewrite) the reframe; it is rated so the shift per dimension shows."""
    found = actions.add_reframe(session, actor=user, reflection_id=reflection_id, text=body.text)
    return _public(found)


@router.delete("/{reflection_id}", summary="Delete a reflection", status_code=204)
def delete(session: SessionDep, user: ApiUser, reflection_id: IdPath) -> Response:
    """Delete one of the caller's reflections for good."""
    actions.delete_reflection(session, actor=user, reflection_id=reflection_id)
    return Response(status_code=204)
