"""The morale JSON API: the caller's own Happy File, and wall drafts for leads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from poise.auth.deps import ApiLead, ApiUser
from poise.morale import actions, queries
from poise.morale.schemas import (
    HappyItemCreate,
    HappyItemPage,
    HappyItemPublic,
    HugCreate,
    HugDraft,
)
from poise.web.deps import SessionDep
from poise.web.paging import PAGED, page_headers
from poise.web.params import ApiPageQuery, IdPath

router = APIRouter(prefix="/api/v1")


@router.get(
    "/happy-file",
    summary="List your Happy File",
    response_model=HappyItemPage,
    tags=["morale"],
    responses=PAGED,
)
def list_happy_file(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    page: ApiPageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="Items per page, 1 to 100.")] = 20,
    q: str | None = None,
) -> HappyItemPage:
    """The caller's own Happy File, newest first. Nobody, not even an admin, reads another's."""
    found = queries.happy_file(session, actor=user, q=q, page=page, page_size=page_size)
    response.headers.update(page_headers(found, request.url))
    return HappyItemPage.of(found, [HappyItemPublic.model_validate(i) for i in found.items])


@router.post(
    "/happy-file",
    summary="Keep a note in your Happy File",
    response_model=HappyItemPublic,
    status_code=201,
    tags=["morale"],
)
def add_to_happy_file(session: SessionDep, user: ApiUser, body: HappyItemCreate) -> JSONResponse:
    """Keep something kind in your own Happy File."""
    item = actions.add_happy_note(session, actor=user, text=body.text, link=body.link)
    public = HappyItemPublic.model_validate(item)
    return JSONResponse(public.model_dump(mode="json"), status_code=201)


@router.get(
    "/happy-file/{item_id}",
    summary="Get a Happy File item",
    response_model=HappyItemPublic,
    tags=["morale"],
)
def get_happy_item(session: SessionDep, user: ApiUser, item_id: IdPath) -> HappyItemPublic:
    """One of your items; anyone else's answers 404, so its existence does not leak."""
    return HappyItemPublic.model_validate(queries.happy_item(session, actor=user, item_id=item_id))


@router.post(
    "/wall",
    summary="Draft a card for the public wall",
    response_model=HugDraft,
    status_code=201,
    tags=["morale"],
)
def draft_hug(session: SessionDep, user: ApiLead, body: HugCreate) -> JSONResponse:
    """Leads: redact a positive comment into a draft for the wall; review it, then publish."""
    hug = actions.draft_hug(
        session, actor=user, text=body.text, tags=body.tags, consent=body.consent
    )
    draft = HugDraft.model_validate(hug)
    return JSONResponse(draft.model_dump(mode="json"), status_code=201)


@router.post(
    "/wall/{hug_id}/publish",
    summary="Publish a wall card",
    response_model=HugDraft,
    tags=["morale"],
)
def publish_hug(session: SessionDep, user: ApiLead, hug_id: IdPath) -> HugDraft:
    """Leads: publish a consented draft; the unredacted original is erased."""
    return HugDraft.model_validate(actions.publish_hug(session, actor=user, hug_id=hug_id))
