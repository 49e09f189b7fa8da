"""The manual's first contact resolution page, summed from the rollup's counted facts.

Why not work it out at the page view, as ``poise kb fcr`` does: telling whether a repeat
contact is about the same issue embeds the issue of every repeat contact, 1.5 s a view for the
demo's 3,000 conversations and growing with every returning customer. The rollup already
counts each conversation's outcome with the manual's one definition
(:func:`poise.knowledge.fcr.outcomes_of`) whenever it, its customer or its article changes, so
the page only sums those facts, per article used, product and the assignee's team.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.insights.models import InsightFact
from poise.knowledge.fcr import FcrReport, FcrRow
from poise.knowledge.models import Article, ArticleUse

COUNTED = InsightFact.fcr_resolved.is_(True)


def _tally(*key: Any) -> Select[Any]:
    """``key`` columns, the resolved conversations and those resolved on first contact."""
    first = func.coalesce(func.sum(case((InsightFact.first_contact.is_(True), 1), else_=0)), 0)
    query = select(*key, func.count(), first).where(COUNTED)
    return query.group_by(*key) if key else query


def _rows(session: Session, query: Select[Any]) -> list[FcrRow]:
    """Rows of (key, label, resolved, first contact), most resolved first."""
    rows = [FcrRow(str(k), str(label), int(n), int(f)) for k, label, n, f in session.execute(query)]
    return sorted(rows, key=lambda r: (-r.resolved, r.label))


def counted_fcr_report(
    session: Session, *, window_days: int, teams: Collection[int] | None = None
) -> FcrReport:
    """FCR overall and per article used, product and the assignee's team, as last counted;
    the rows by team only for ``teams`` when given (see
    :func:`~poise.insights.filters.teams_in_view`)."""
    resolved, first = session.execute(_tally()).one()
    by_article = (
        _tally(Article.id, Article.title)
        .join(ArticleUse, ArticleUse.conversation_id == InsightFact.conversation_id)
        .join(Article, Article.id == ArticleUse.article_id)
    )
    product = InsightFact.product
    by_product = _tally(product, product).where(product.is_not(None), product != "")
    by_team = (
        _tally(Team.id, Team.name)
        .join(User, User.id == InsightFact.assignee_id)
        .join(Team, Team.id == User.team_id)
    )
    if teams is not None:
        by_team = by_team.where(Team.id.in_(sorted(teams)))
    return FcrReport(
        overall=FcrRow("all", "All resolved conversations", int(resolved), int(first)),
        by_article=_rows(session, by_article),
        by_product=_rows(session, by_product),
        by_team=_rows(session, by_team),
        window_days=window_days,
    )


UNOPENED = "Articles you cannot open (drafts, retired)"


def unopened_as_one(rows: list[FcrRow], openable: Collection[int]) -> list[FcrRow]:
    """The rows by article, those the reader may not open summed into one untitled row: an
    agent read the titles of other people's drafts and of retired articles here."""
    shown = [r for r in rows if int(r.key) in openable]
    hidden = [r for r in rows if int(r.key) not in openable]
    if hidden:
        resolved = sum(r.resolved for r in hidden)
        first = sum(r.first_contact for r in hidden)
        shown.append(FcrRow("unopened", UNOPENED, resolved, first))
    return sorted(shown, key=lambda r: (-r.resolved, r.label))
