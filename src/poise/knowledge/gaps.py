"""The gap report: issues customers raise that the manual does not cover, biggest first.

Each gap is one search (or one conversation) whose best match was poor. Gaps that say the
same thing are counted together: greedy grouping by embedding similarity to each group's
running centre, which is enough for the hundreds of gaps a team sees in a quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.auth.permissions import require_lead
from poise.db.base import utcnow
from poise.errors import InvalidInput
from poise.knowledge import vectors
from poise.knowledge.models import Article, Gap
from poise.knowledge.text import from_blob

SAME_GAP = 0.7
MAX_GAPS = 5000
# The report looks back 90 days unless asked; at most ten years (a typed 99999 would overflow
# the date, and older gaps say little about the manual as it is).
REPORT_DAYS = 90
MAX_REPORT_DAYS = 3650


@dataclass
class GapGroup:
    """Gaps that raise the same issue."""

    example: str
    count: int = 0
    conversations: list[int] = field(default_factory=list)
    products: dict[str, int] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    best_score: float = 0.0
    best_article_id: int | None = None  # what the manual offered, which the agents turned down
    best_title: str = ""


@dataclass(frozen=True)
class GapReport:
    groups: list[GapGroup]
    total: int
    days: int


def _group(gaps: list[Gap], *, current: bool) -> list[GapGroup]:
    groups: list[GapGroup] = []
    centres: list[np.ndarray] = []
    if current:
        found = [from_blob(g.embedding) if g.embedding else None for g in gaps]
    else:  # an older encoder's vectors: embed the queries here, in memory
        found = list(vectors.encode([g.query for g in gaps])) if gaps else []
    for gap, vector in zip(gaps, found, strict=True):
        at = _nearest(centres, vector)
        if at is None:
            groups.append(GapGroup(example=gap.query))
            centres.append(vector if vector is not None else np.zeros(384, np.float32))
            at = len(groups) - 1
        elif vector is not None:
            centres[at] = centres[at] + vector
        _add(groups[at], gap)
    return sorted(groups, key=lambda g: (-g.count, g.example))


def _nearest(centres: list[np.ndarray], vector: np.ndarray | None) -> int | None:
    if vector is None or not centres:
        return None
    matrix = np.vstack(centres)
    sims = matrix @ vector / np.maximum(np.linalg.norm(matrix, axis=1), 1e-9)
    best = int(sims.argmax())
    return best if sims[best] >= SAME_GAP else None


def _add(group: GapGroup, gap: Gap) -> None:
    group.count += 1
    if gap.best_score >= group.best_score:
        group.best_score, group.best_article_id = gap.best_score, gap.best_article_id
    if gap.conversation_id is not None:
        group.conversations.append(gap.conversation_id)
    if gap.product:
        group.products[gap.product] = group.products.get(gap.product, 0) + 1
    if len(group.queries) < 3 and gap.query not in group.queries:
        group.queries.append(gap.query)


def report_days(typed: str) -> int:
    """The report's window as typed (``?days=``), refused beside the field unless it is a
    whole number from 1 to MAX_REPORT_DAYS: 0 was quietly read as 1 ("the last 1 days")."""
    try:
        days = int(typed.strip())
    except ValueError:
        raise InvalidInput(
            f"give a whole number of days, like {REPORT_DAYS}", field="days"
        ) from None
    if not 1 <= days <= MAX_REPORT_DAYS:
        raise InvalidInput(f"choose from 1 to {MAX_REPORT_DAYS} days, not {days}", field="days")
    return days


def gap_report(session: Session, *, actor: User | None, days: int = REPORT_DAYS) -> GapReport:
    """Uncovered issues of the last ``days`` days, ranked by how often customers raised them."""
    require_lead(actor)
    days = report_days(str(days))
    since = utcnow() - timedelta(days=days)
    gaps = list(
        session.scalars(
            select(Gap).where(Gap.created_at >= since).order_by(Gap.id.desc()).limit(MAX_GAPS)
        )
    )
    groups = _group(gaps, current=vectors.stored_current(session))
    _name_best_articles(session, groups)
    return GapReport(groups, len(gaps), days)


def _name_best_articles(session: Session, groups: list[GapGroup]) -> None:
    """Each group's best match by title (one query): a lead sees which article the manual
    offered, and whether it is a near twin that needs its own article or a better one."""
    ids = {g.best_article_id for g in groups if g.best_article_id is not None}
    if not ids:
        return
    rows = session.execute(select(Article.id, Article.title).where(Article.id.in_(ids)))
    titles = {row.id: row.title for row in rows}
    for group in groups:
        group.best_title = titles.get(group.best_article_id or 0, "")
