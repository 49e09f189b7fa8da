"""The manual's first contact resolution page, summed from the rollup's counted facts.

Why not work it out at the page view, as ``poise kb fcr`` does: telling whether a repeat
contact is about the same issue embeds the issue of every repeat contact, 1.5 s a view for the
demo's 3,000 conversations and growing with every returning customer. The rollup already
counts each conversation's outcome with the manual's one definition
(:func:`poise.knowledge.fcr.outcomes_of`) whenever it, its customer or its article changes, so
the page only sums those facts, per article used, product and the assignee's team.

Every figure a reader sees is summed over the conversations they may open
(:func:`~poise.conversations.visibility.readable_assignees`): the overall rate and the rows by
article and product counted every team's conversations for a lead or an agent, while the rows
by team beside them showed only the reader's own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.conversations.visibility import readable_assignees
from poise.insights.filters import teams_in_view
from poise.insights.models import InsightFact
from poise.knowledge.fcr import FcrReport, FcrRow
from poise.knowledge.models import Article, ArticleUse

COUNTED = InsightFact.fcr_resolved.is_(True)


def readable_facts(reader: User | None) -> list[ColumnElement[bool]]:
    """The facts of the conversations ``reader`` may open: their own, their team's and the
    unassigned ones (the rule of :mod:`poise.conversations.visibility`); every one for an
    admin or for no reader (the CLI's whole organisation)."""
    readable = readable_assignees(reader) if reader is not None else None
    if readable is None:
        return []
    return [or_(InsightFact.assignee_id.is_(None), InsightFact.assignee_id.in_(readable))]


def _tally(scope: list[ColumnElement[bool]], *key: Any) -> Select[Any]:
    """``key`` columns, the resolved conversations and those resolved on first contact, of
    the facts in ``scope``."""
    first = func.coalesce(func.sum(case((InsightFact.first_contact.is_(True), 1), else_=0)), 0)
    query = select(*key, func.count(), first).where(COUNTED, *scope)
    return query.group_by(*key) if key else query


def _rows(session: Session, query: Select[Any]) -> list[FcrRow]:
    """Rows of (key, label, resolved, first contact), most resolved first."""
    rows = [FcrRow(str(k), str(label), int(n), int(f)) for k, label, n, f in session.execute(query)]
    return sorted(rows, key=lambda r: (-r.resolved, r.label))


def counted_fcr_report(
    session: Session, *, window_days: int, reader: User | None = None
) -> FcrReport:
    """FCR overall and per article used, product and the assignee's team, as last counted,
    over the conversations ``reader`` may open (every one without a reader); the rows by team
    only for the teams the reader may see by name
    (:func:`~poise.insights.filters.teams_in_view`).

    The overall, product and team figures come from one read of the facts grouped by product
    and assignee (a few hundred groups): each read on its own went through every counted
    conversation again, three times a view."""
    scope = readable_facts(reader)
    groups = session.execute(_tally(scope, InsightFact.product, InsightFact.assignee_id)).all()
    by_article = (
        _tally(scope, Article.id, Article.title)
        .join(ArticleUse, ArticleUse.conversation_id == InsightFact.conversation_id)
        .join(Article, Article.id == ArticleUse.article_id)
    )
    resolved = sum(int(n) for _, _, n, _ in groups)
    first = sum(int(f) for _, _, _, f in groups)
    products = _summed((product, product, n, f) for product, _, n, f in groups if product)
    return FcrReport(
        overall=FcrRow("all", "All resolved conversations", resolved, first),
        by_article=_rows(session, by_article),
        by_product=products,
        by_team=_by_team(session, groups, reader),
        window_days=window_days,
    )


def _summed(rows: Iterable[tuple[Any, Any, int, int]]) -> list[FcrRow]:
    """Rows of (key, label, resolved, first contact) summed by key, most resolved first."""
    sums: dict[str, FcrRow] = {}
    for key, label, n, f in rows:
        was = sums.get(str(key), FcrRow(str(key), str(label), 0, 0))
        sums[str(key)] = FcrRow(
            was.key, was.label, was.resolved + int(n), was.first_contact + int(f)
        )
    return sorted(sums.values(), key=lambda r: (-r.resolved, r.label))


def _by_team(session: Session, groups: Sequence[Any], reader: User | None) -> list[FcrRow]:
    """The (product, assignee) groups summed by the assignee's team, for the teams in view."""
    assignees = sorted({assignee for _, assignee, _, _ in groups if assignee is not None})
    query = select(User.id, Team.id, Team.name).join(Team, Team.id == User.team_id)
    teams = teams_in_view(reader) if reader is not None else None
    if teams is not None:
        query = query.where(Team.id.in_(sorted(teams)))
    team_of = {
        user: (team, name)
        for user, team, name in session.execute(query.where(User.id.in_(assignees)))
    }
    return _summed(
        (*team_of[assignee], n, f) for _, assignee, n, f in groups if assignee in team_of
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
