"""Named reads of the manual; each loads what its page needs and checks who is asking."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import User
from poise.auth.permissions import require_lead
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.knowledge.models import (
    ARTICLE_STATUSES,
    Article,
    Flag,
    Phrasing,
    Proposal,
    Revision,
)
from poise.pagination import Page, paginate


def _visible(query: Select[tuple[Article]], actor: User) -> Select[tuple[Article]]:
    """Leads see every article; agents see published ones and the drafts they proposed."""
    if actor.is_lead:
        return query
    return query.where(
        or_(
            Article.status == "published",
            Article.created_by_id == actor.id,
        )
    )


def openable_articles(session: Session, *, actor: User, ids: list[int]) -> set[int]:
    """Which of these articles ``actor`` may open: a list links only those (the rest by name)."""
    if not ids:
        return set()
    return set(session.scalars(_visible(select(Article.id), actor).where(Article.id.in_(ids))))


def list_articles(
    session: Session,
    *,
    actor: User,
    status: str | None = None,
    product: str | None = None,
    flagged: bool = False,
    page: int = 1,
    page_size: int = 50,
    with_phrasings: bool = False,
) -> Page[Article]:
    """Articles newest-changed first, narrowed by status, product and open flags; with the
    page's phrasings in one read when asked (the API lists them; read an article at a time,
    they were 20 statements for a page of 20).

    An unknown status is refused, not ignored: a typo must not answer with every article."""
    query = _visible(select(Article), actor)
    if status and status not in ARTICLE_STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(ARTICLE_STATUSES)}, not {status!r}", field="status"
        )
    if status:
        query = query.where(Article.status == status)
    if product:
        query = query.where(Article.product == product)
    if flagged:
        query = query.where(Article.open_flags > 0)
    query = query.options(selectinload(Article.owner))
    if with_phrasings:
        query = query.options(selectinload(Article.phrasings).load_only(Phrasing.text))
    query = query.order_by(Article.updated_at.desc(), Article.id.desc())
    return paginate(session, query, page=page, page_size=page_size)


def get_article(session: Session, *, actor: User, article_id: int) -> Article:
    """One article with phrasings, revisions (and their authors), sources and flags."""
    article = session.scalar(
        _visible(select(Article), actor)
        .where(Article.id == article_id)
        .options(
            selectinload(Article.phrasings),
            selectinload(Article.revisions).selectinload(Revision.actor),
            selectinload(Article.sources),
            selectinload(Article.flags).selectinload(Flag.reporter),
            selectinload(Article.owner),
        )
    )
    if article is None:
        raise NotFound(f"no article with id {article_id}")
    return article


def may_edit(actor: User | None, article: Article) -> bool:
    """Leads edit anything; agents edit the drafts and reviews they wrote, never the published.

    The one rule for the edit page, the edit action and the article page's Edit link.
    ``None`` is the trusted CLI.
    """
    if actor is None or actor.is_lead:
        return True
    return article.status in ("draft", "in_review") and article.created_by_id == actor.id


def editable_article(session: Session, *, actor: User, article_id: int) -> Article:
    """The article for its edit form, or PermissionDenied when the actor may only read it
    (the form would otherwise show, and refuse only on saving)."""
    article = get_article(session, actor=actor, article_id=article_id)
    if not may_edit(actor, article):
        raise PermissionDenied("only a lead can change this article; flag it instead")
    return article


def product_choices(session: Session) -> list[str]:
    rows = session.scalars(
        select(Article.product)
        .where(Article.product.is_not(None))
        .distinct()
        .order_by(Article.product)
    )
    return [r for r in rows if r]


def status_counts(session: Session, *, actor: User) -> dict[str, int]:
    """How many articles the actor can see in each status (for the tabs)."""
    query = _visible(select(Article), actor).subquery()
    rows = session.execute(select(query.c.status, func.count()).group_by(query.c.status))
    counts = {s: 0 for s in ARTICLE_STATUSES}
    counts.update({status: int(n) for status, n in rows})
    return counts


def list_proposals(
    session: Session, *, actor: User | None, page: int = 1, page_size: int = 50
) -> Page[Proposal]:
    """Open mined proposals, biggest group first (leads curate them)."""
    require_lead(actor)
    query = select(Proposal).where(Proposal.status == "open")
    query = query.options(
        selectinload(Proposal.matched_article).selectinload(Article.phrasings)
    ).order_by(Proposal.group_size.desc(), Proposal.id)
    return paginate(session, query, page=page, page_size=page_size)


def get_proposal(session: Session, *, actor: User | None, proposal_id: int) -> Proposal:
    require_lead(actor)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal with id {proposal_id}")
    return proposal


def published_titles(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Article.id, Article.title).where(Article.id.in_(ids)))
    return {int(i): str(t) for i, t in rows}


def owner_choices(session: Session) -> list[tuple[int, str]]:
    """Active people who can own an article, by name."""
    rows = session.execute(
        select(User.id, User.name).where(User.is_active.is_(True)).order_by(User.name)
    )
    return [(int(i), str(n)) for i, n in rows]
