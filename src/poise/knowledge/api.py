"""``/api/v1/kb``: search, suggestions, articles and their curation, flags, uses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from poise.auth.deps import ApiUser
from poise.conversations import queries as conversation_queries
from poise.knowledge import actions, queries
from poise.knowledge.models import Article
from poise.knowledge.search import search
from poise.knowledge.suggest import log_conversation_gap, suggest_for_conversation
from poise.web.deps import SessionDep, SettingsDep
from poise.web.paging import PAGED, PageOf, page_headers
from poise.web.params import ApiPageQuery, IdField, IdPath

router = APIRouter(prefix="/api/v1/kb", tags=["manual"])


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    issue: str = Field(min_length=1, max_length=4000)
    resolution: str = Field("", max_length=20000)
    product: str | None = Field(None, max_length=120)
    feature: str | None = Field(None, max_length=120)
    tags: list[str] = Field(default_factory=list, max_length=20)
    phrasings: list[str] = Field(default_factory=list, max_length=actions.MAX_PHRASINGS)
    source_conversation_ids: list[IdField] = Field(default_factory=list, max_length=100)

    def fields(self) -> actions.ArticleFields:
        return actions.ArticleFields(
            title=self.title,
            issue=self.issue,
            resolution=self.resolution,
            product=self.product,
            feature=self.feature,
            tags=self.tags,
            phrasings=self.phrasings,
        )


class ArticleStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["draft", "in_review", "published", "retired"]
    note: str = Field("", max_length=300)


class FlagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["wrong", "stale"]
    note: str = Field("", max_length=2000)
    conversation_id: IdField | None = None


class UseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: IdField
    article_id: IdField


class ArticlePublic(BaseModel):
    id: int
    title: str
    issue: str
    resolution: str
    product: str | None
    feature: str | None
    tags: list[str]
    status: str
    phrasings: list[str]
    open_flags: int
    updated_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, article: Article) -> ArticlePublic:
        return cls(
            id=article.id,
            title=article.title,
            issue=article.issue,
            resolution=article.resolution,
            product=article.product,
            feature=article.feature,
            tags=list(article.tags),
            status=article.status,
            phrasings=[p.text for p in article.phrasings],
            open_flags=article.open_flags,
            updated_at=article.updated_at,
            published_at=article.published_at,
        )


@router.get("/search", summary="Search the manual")
def search_endpoint(
    session: SessionDep,
    user: ApiUser,
    q: str = Query(..., min_length=1, max_length=2000, description="The customer's words"),
    limit: int = Query(5, ge=1, le=50),
    product: str | None = Query(None, max_length=120),
) -> dict[str, Any]:
    """Hybrid search over published articles. ``score`` and ``confidence`` are calibrated
    match probabilities; ``gap`` is true when the best is below the threshold. A hit's
    ``resolution`` and ``highlight`` are plain text (no HTML); ``resolution_marks`` and
    ``highlight_marks`` are the matched words as ``[start, end]`` character offsets into them.
    A read: ``POST /api/v1/kb/gaps`` logs a gap."""
    result = search(session, q, limit=limit, product=product)
    return {
        "query": result.query,
        "confidence": round(result.confidence, 4),
        "match_percent": round(100 * result.confidence),
        "gap": result.gap,
        "hits": [h.as_dict() for h in result.hits],
    }


@router.get("/suggestions/{conversation_id}", summary="Articles suggested for a conversation")
def suggestions_endpoint(
    session: SessionDep, user: ApiUser, conversation_id: IdPath
) -> dict[str, Any]:
    """Articles for a conversation, from its customer turns so far."""
    conv = conversation_queries.get_conversation(
        session, actor=user, conversation_id=conversation_id
    )
    return suggest_for_conversation(session, conv).as_dict()


class ArticlePage(PageOf[ArticlePublic]):
    """One page of the articles the caller may read."""


@router.get("/articles", summary="List articles", response_model=ArticlePage, responses=PAGED)
def list_endpoint(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    user: ApiUser,
    status: str | None = None,
    product: str | None = None,
    page: ApiPageQuery = 1,
    page_size: Annotated[
        int | None, Query(ge=1, le=200, description="Articles per page, 1 to 200.")
    ] = None,
) -> ArticlePage:
    listing = queries.list_articles(
        session, actor=user, status=status, product=product, page=page,
        page_size=settings.page_size if page_size is None else page_size, with_phrasings=True,
    )  # fmt: skip
    response.headers.update(page_headers(listing, request.url))
    return ArticlePage.of(listing, [ArticlePublic.of(a) for a in listing.items])


@router.get("/articles/{article_id}", summary="Get an article")
def get_endpoint(session: SessionDep, user: ApiUser, article_id: IdPath) -> ArticlePublic:
    return ArticlePublic.of(queries.get_article(session, actor=user, article_id=article_id))


@router.post("/articles", summary="Propose an article", status_code=201)
def create_endpoint(session: SessionDep, user: ApiUser, body: ArticleCreate) -> ArticlePublic:
    """Propose an article (a draft); leads publish it."""
    article = actions.create_article(
        session,
        actor=user,
        fields=body.fields(),
        source_conversation_ids=body.source_conversation_ids,
    )
    return ArticlePublic.of(article)


@router.post(
    "/articles/{article_id}/status",
    summary="Move an article (draft, in review, published, retired)",
)
def status_endpoint(
    session: SessionDep, user: ApiUser, article_id: IdPath, body: ArticleStatusChange
) -> ArticlePublic:
    """Move along draft → in_review → published → retired (publish and retire: leads)."""
    queries.get_article(session, actor=user, article_id=article_id)
    article = actions.change_status(
        session, actor=user, article_id=article_id, status=body.status, note=body.note
    )
    return ArticlePublic.of(article)


@router.post(
    "/articles/{article_id}/flags",
    summary="Flag an article as wrong or out of date",
    status_code=201,
)
def flag_endpoint(
    session: SessionDep, user: ApiUser, article_id: IdPath, body: FlagCreate
) -> dict[str, Any]:
    queries.get_article(session, actor=user, article_id=article_id)
    flag = actions.flag_article(
        session,
        actor=user,
        article_id=article_id,
        kind=body.kind,
        note=body.note,
        conversation_id=body.conversation_id,
    )
    return {"id": flag.id, "article_id": article_id, "kind": flag.kind}


@router.post("/uses", summary="Record that an article was used", status_code=201)
def use_endpoint(session: SessionDep, user: ApiUser, body: UseCreate) -> dict[str, Any]:
    """The agent used this article in this conversation (FCR is tracked per article)."""
    conversation_queries.get_conversation(session, actor=user, conversation_id=body.conversation_id)
    use = actions.record_use(
        session, actor=user, conversation_id=body.conversation_id, article_id=body.article_id
    )
    return {"conversation_id": use.conversation_id, "article_id": use.article_id, "how": use.how}


class GapCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str | None = Field(None, min_length=1, max_length=2000)
    conversation_id: IdField | None = None

    @model_validator(mode="after")
    def _one_source(self) -> GapCreate:
        if self.query is None and self.conversation_id is None:
            raise ValueError("give a query or a conversation_id")
        return self


@router.post("/gaps", summary="Log a gap in the manual", status_code=201)
def gap_endpoint(session: SessionDep, user: ApiUser, body: GapCreate) -> dict[str, Any]:
    """Nothing in the manual fits this conversation (or these words): log a gap, once per
    conversation or per person and words."""
    if body.conversation_id is not None:
        conv = conversation_queries.get_conversation(
            session, actor=user, conversation_id=body.conversation_id
        )
        gap = log_conversation_gap(session, actor=user, conversation=conv)
    else:  # GapCreate holds one or the other
        gap = actions.log_gap(session, actor=user, result=search(session, body.query or ""))
    return {"id": gap.id, "query": gap.query, "conversation_id": gap.conversation_id}
