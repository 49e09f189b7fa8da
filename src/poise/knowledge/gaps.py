"""The gap report: issues customers raise that the manual does not cover, biggest first.

Each gap is one search (or one conversation) whose best match was poor. Gaps that say the
same thing are counted together: greedy grouping by embedding similarity to each group's
running centre, which is enough for the hundreds of gaps a team sees in a quarter.

A gap closes when the manual answers it: each time the report is read, every gap's words are
searched again against the published manual (batched, :func:`~poise.knowledge.search.
confident_matches`). A gap that now finds a confident match, other than the article the agent
already turned down when logging it, is *answered* by that article: it leaves the open issues
and is listed under the article that answers it. Nothing is recorded, so a page view writes
nothing, and a gap whose article is retired (or loses the phrasing that matched) opens again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.auth.permissions import require_lead
from poise.conversations.visibility import visible_ids
from poise.db.base import utcnow
from poise.errors import InvalidInput
from poise.knowledge import vectors
from poise.knowledge.models import Article, Gap
from poise.knowledge.search import Asked, confident_matches, gap_threshold
from poise.knowledge.text import from_blob
from poise.minilm.blas import one_blas_thread
from poise.redaction import StaffNames, redact

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
class Answer:
    """An article of the published manual that now answers gaps logged before it could."""

    article_id: int
    title: str
    gaps: int
    example: str  # the words of the most recent gap it answers


@dataclass(frozen=True)
class GapReport:
    groups: list[GapGroup]  # the open gaps, grouped
    total: int  # every gap logged in the window, answered or not
    days: int
    answered: list[Answer] = field(default_factory=list)  # most gaps answered first

    @property
    def answered_gaps(self) -> int:
        return sum(a.gaps for a in self.answered)


def gap_vectors(gaps: list[Gap], *, current: bool) -> list[np.ndarray]:
    """Each gap's embedding: the stored one, else its query embedded here, in memory (all of
    them when the stored ones are an older encoder's). A gap logged while the manual was
    empty has none stored (the search embedded nothing) and is embedded in one batch."""
    stored = [from_blob(g.embedding) if current and g.embedding else None for g in gaps]
    missing = [i for i, v in enumerate(stored) if v is None]
    made: list[np.ndarray] = (
        list(vectors.encode([gaps[i].query for i in missing])) if missing else []
    )
    for i, vector in zip(missing, made, strict=True):
        stored[i] = vector
    return [v for v in stored if v is not None]


def answering_articles(
    session: Session, gaps: list[Gap], found: list[np.ndarray]
) -> dict[int, int]:
    """Gap id → the published article that answers it now (see the module's docstring).

    The article the agent turned down when logging the gap (a confident best match then)
    answers nothing: only a change of the manual (a new article, new phrasings) closes a gap.
    """
    asked = [Asked(g.query, v, g.product) for g, v in zip(gaps, found, strict=True)]
    threshold = gap_threshold(session)
    answered: dict[int, int] = {}
    for gap, article_id in zip(gaps, confident_matches(session, asked), strict=True):
        turned_down = article_id == gap.best_article_id and gap.best_score >= threshold
        if article_id is not None and not turned_down:
            answered[gap.id] = article_id
    return answered


def open_gaps(session: Session, gaps: list[Gap]) -> list[Gap]:
    """The gaps no published article answers now, in their order: the gap report's open
    issues. A hotspot's gaps and the weekly digest read them here, so a gap the manual has
    answered since is closed everywhere, not only on the report."""
    found = gap_vectors(gaps, current=vectors.stored_current(session))
    answered = answering_articles(session, gaps, found)
    return [g for g in gaps if g.id not in answered]


def _group(
    gaps: list[Gap], found: list[np.ndarray], words: dict[int, str] | None = None
) -> list[GapGroup]:
    """Gaps that say the same thing, together: each gap, in order, joins the group whose
    running centre (the sum of its gaps' vectors) is nearest by cosine, at least SAME_GAP,
    else starts its own. Biggest group first (ties: by example). ``words`` are the gaps'
    words as the reader may see them (:func:`_shown_words`), by gap id; else as logged."""
    groups: list[GapGroup] = []
    for gap, at in zip(gaps, _greedy_groups(found), strict=True):
        said = (words or {}).get(gap.id, gap.query)
        if at == len(groups):
            groups.append(GapGroup(example=said))
        _add(groups[at], gap, said)
    return sorted(groups, key=lambda g: (-g.count, g.example))


def _greedy_groups(found: list[np.ndarray]) -> list[int]:
    """Each vector's group, numbered in order of appearance (see :func:`_group`).

    The centres live in one matrix with their norms beside it, each updated in place when its
    group grows: stacking every centre and taking every norm again for each gap took 9.4 s
    for 5,000 CLINC150 queries (1,556 groups) and 44 s for 5,000 unrelated gaps, on every
    view of the report; now 0.2 s and 0.8 s, the same groups (``benchmarks/gap_report.py``,
    2-core machine, 2026-12-06). BLAS runs on one thread, as in search and request grouping
    (:mod:`poise.minilm.blas`)."""
    if not found:
        return []
    centres = _Centres(np.vstack(found))
    with one_blas_thread():
        return [centres.join(i) for i in range(len(found))]


class _Centres:
    """Each group's running centre, the sum of its gaps' vectors (rows of ``sums``), with its
    norm: cosines to every centre with one matrix-vector product and no copy per gap. A centre
    and its norm are computed just as a fresh stack of the centres would give them, so the
    groups are the same to the last bit."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors
        self.sums = np.empty_like(vectors)  # at most one group per gap
        self.norms = np.empty(len(vectors), dtype=vectors.dtype)
        self.size = 0

    def join(self, i: int) -> int:
        """Put vector ``i`` into its group (a new one when no centre is near); its number."""
        vector = self.vectors[i]
        at = self.nearest(vector)
        if at is None:
            at = self.size
            self.size += 1
            self.sums[at] = vector
        else:
            self.sums[at] += vector
        # The 2-D norm, as the stacked centres' norms were taken (a 1-D norm sums otherwise).
        self.norms[at] = np.maximum(np.linalg.norm(self.sums[at : at + 1], axis=1), 1e-9)[0]
        return at

    def nearest(self, vector: np.ndarray) -> int | None:
        """The group whose centre is nearest by cosine, if at least SAME_GAP."""
        if not self.size:
            return None
        sims = self.sums[: self.size] @ vector / self.norms[: self.size]
        best = int(sims.argmax())
        return best if sims[best] >= SAME_GAP else None


def _add(group: GapGroup, gap: Gap, said: str) -> None:
    group.count += 1
    if gap.best_score >= group.best_score:
        group.best_score, group.best_article_id = gap.best_score, gap.best_article_id
    if gap.conversation_id is not None:
        group.conversations.append(gap.conversation_id)
    if gap.product:
        group.products[gap.product] = group.products.get(gap.product, 0) + 1
    if len(group.queries) < 3 and said not in group.queries:
        group.queries.append(said)


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
    found = gap_vectors(gaps, current=vectors.stored_current(session))
    answered = answering_articles(session, gaps, found)
    still = [(g, v) for g, v in zip(gaps, found, strict=True) if g.id not in answered]
    words = _shown_words(session, actor, gaps)
    groups = _group([g for g, _ in still], [v for _, v in still], words)
    _name_best_articles(session, groups)
    return GapReport(groups, len(gaps), days, _answers(session, gaps, answered, words))


def _shown_words(session: Session, actor: User | None, gaps: list[Gap]) -> dict[int, str]:
    """Each gap's words as ``actor`` may read them: a gap holds a customer's words (from its
    conversation, or searched by the agent who served them), so one from a conversation the
    reader may not open, or searched by another team's agent, is redacted, as the weekly
    digest redacts them before they leave Poise and as a hotspot leaves them out. Every lead
    reads the report; Billing's lead read a Care customer's order number and e-mail on it."""
    if actor is None or actor.is_admin or not gaps:
        return {}
    asked = [g.conversation_id for g in gaps if g.conversation_id is not None]
    readable = visible_ids(session, actor, asked)
    ours = {actor.id}
    if actor.team_id is not None:
        ours |= set(session.scalars(select(User.id).where(User.team_id == actor.team_id)))
    hidden = [
        g
        for g in gaps
        if (g.conversation_id is not None and g.conversation_id not in readable)
        or (g.conversation_id is None and g.actor_id not in ours)
    ]
    if not hidden:
        return {}
    staff = StaffNames.of(session.scalars(select(User.name)).all())
    return {g.id: redact(g.query, staff=staff).text for g in hidden}


def _answers(
    session: Session, gaps: list[Gap], answered: dict[int, int], words: dict[int, str]
) -> list[Answer]:
    """The articles that answer gaps, most gaps first, each with its newest gap's words."""
    counts = Counter(answered.values())
    newest: dict[int, str] = {}
    for gap in gaps:  # newest first
        if gap.id in answered:
            newest.setdefault(answered[gap.id], words.get(gap.id, gap.query))
    rows = session.execute(select(Article.id, Article.title).where(Article.id.in_(list(counts))))
    titles = {int(i): str(t) for i, t in rows}
    found = [Answer(a, titles.get(a, ""), n, newest[a]) for a, n in counts.items()]
    return sorted(found, key=lambda a: (-a.gaps, a.title))


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
