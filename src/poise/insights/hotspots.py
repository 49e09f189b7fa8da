"""Hotspots: pervasive or specific.

For each product, each product's feature and each tag, the early-warning rate and the
low-CSAT rate are compared with the rest of the same traffic (same filters, same period) by a
one-sided two-proportion z-test. A group needs ``MIN_COUNT`` conversations (``MIN_RATED``
ratings) and the rest as many before it is tested at all, so three angry conversations never
alarm; the p-values of all tests together are then held to a false discovery rate of ``FDR``
(Benjamini-Hochberg), because testing fifty products at 5% each would alarm on noise.

**Pervasive**: early warnings rose against the previous period in most products at once
(``PERVASIVE_SHARE`` of those with enough traffic in both) and the overall rise is itself
significant, even without the product that rose most: one product's incident lifts the overall
rate too, and a coin-flip rise elsewhere must not turn it into "pervasive". That points at a
larger cause — an outage, a policy, a release — not one product.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import User
from poise.conversations.models import Conversation
from poise.errors import NotFound
from poise.insights.filters import InsightFilters, scoped
from poise.insights.models import InsightFact
from poise.insights.queries import ever_seen, tune_for_aggregates
from poise.insights.rollup import decode_tags
from poise.insights.stats import benjamini_hochberg, one_sided_p, share
from poise.knowledge.gaps import open_gaps
from poise.knowledge.models import Article, Gap
from poise.web import weeks
from poise.web.weeks import week_spans

MIN_COUNT = 20
MIN_RATED = 20
FDR = 0.05
PERVASIVE_MIN = 10
PERVASIVE_SHARE = 2 / 3
PERVASIVE_PRODUCTS = 3
KINDS = ("product", "feature", "tag")


@dataclass
class Group:
    """One product, feature or tag against the rest of the traffic."""

    kind: str
    product: str | None
    value: str
    n: int = 0
    unhappy: int = 0
    rated: int = 0
    low: int = 0
    rest_n: int = 0
    rest_unhappy: int = 0
    rest_rated: int = 0
    rest_low: int = 0
    unhappy_p: float | None = None
    low_p: float | None = None
    unhappy_alarm: bool = False
    low_alarm: bool = False

    @property
    def label(self) -> str:
        if self.kind == "feature":
            return f"{self.product or '—'} · {self.value}"
        return f"#{self.value}" if self.kind == "tag" else self.value

    @property
    def unhappy_rate(self) -> float | None:
        return share(self.unhappy, self.n)

    @property
    def rest_unhappy_rate(self) -> float | None:
        return share(self.rest_unhappy, self.rest_n)

    @property
    def low_rate(self) -> float | None:
        return share(self.low, self.rated)

    @property
    def rest_low_rate(self) -> float | None:
        return share(self.rest_low, self.rest_rated)

    @property
    def alarm(self) -> bool:
        return self.unhappy_alarm or self.low_alarm

    def params(self) -> dict[str, str]:
        """How to narrow the filters to this group (for links)."""
        if self.kind == "product":
            return {"product": self.value}
        if self.kind == "feature":
            return {"product": self.product or "", "feature": self.value}
        return {"tag": self.value}


@dataclass(frozen=True)
class Pervasive:
    """Did early warnings rise across most products at once?"""

    rising: int
    products: int
    now: float | None
    before: float | None
    p_value: float
    pervasive: bool
    rising_products: list[str] = field(default_factory=list)
    top_riser: str = ""  # the product that rose most, set aside by the last test

    def why_not(self) -> str:
        """Which test a rise failed, in words: "2 of 3 rose" alone reads like a yes."""
        if self.pervasive:
            return ""
        if self.products < PERVASIVE_PRODUCTS:
            return (
                f"Only {self.products} product{'' if self.products == 1 else 's'} had "
                f"{PERVASIVE_MIN} or more conversations in both periods; at least "
                f"{PERVASIVE_PRODUCTS} are needed to tell."
            )
        if self.rising < PERVASIVE_SHARE * self.products:
            return f"Only {self.rising} of {self.products} products rose; most must rise at once."
        # It named no product and sent the reader to "the hotspots below", where often none is.
        top = self.top_riser or "the product that rose most"
        which = f"{top}, which rose most," if self.top_riser else top
        return (
            f"{self.rising} of {self.products} products rose, but without {which} the overall "
            "rise could be chance: the rise is mostly one product's."
        )


@dataclass(frozen=True)
class HotspotReport:
    filters: InsightFilters
    groups: list[Group]
    pervasive: Pervasive
    total: int
    tests: int

    @property
    def alarms(self) -> list[Group]:
        return [g for g in self.groups if g.alarm]


@dataclass
class _Counts:
    n: int = 0
    unhappy: int = 0
    rated: int = 0
    low: int = 0

    def add(self, n: int, unhappy: int, rated: int, low: int) -> None:
        self.n += n
        self.unhappy += unhappy
        self.rated += rated
        self.low += low


def _rows(
    session: Session, filters: InsightFilters
) -> list[tuple[str | None, str | None, list[str], int, int, int, int]]:
    """Per (product, feature, tags) combination: conversations, unhappy, rated, low."""
    f = InsightFact
    rows = session.execute(
        select(
            f.product,
            f.feature,
            f.tags,
            func.count(),
            func.count().filter(f.unhappy),
            func.count().filter(f.rated),
            func.count().filter(f.low),
        )
        .where(*filters.facts())
        .group_by(f.product, f.feature, f.tags)
    )
    return [
        (p, t, decode_tags(tags), int(n), int(u), int(r), int(lo))
        for p, t, tags, n, u, r, lo in rows
    ]


def hotspots(session: Session, *, actor: User, filters: InsightFilters) -> HotspotReport:
    """Every product, feature and tag against the rest, corrected for testing them all."""
    filters = scoped(session, actor, filters)
    tune_for_aggregates(session)
    rows = _rows(session, filters)
    total = _Counts()
    groups: dict[tuple[str, str | None, str], _Counts] = defaultdict(_Counts)
    for product, feature, tags, n, unhappy, rated, low in rows:
        total.add(n, unhappy, rated, low)
        keys: list[tuple[str, str | None, str]] = []
        if product:
            keys.append(("product", None, product))
        if feature:
            keys.append(("feature", product, feature))
        keys += [("tag", None, tag) for tag in tags]
        for key in keys:
            groups[key].add(n, unhappy, rated, low)
    found = [_group(kind, product, value, c, total) for (kind, product, value), c in groups.items()]
    tests = _correct(found)
    found.sort(key=lambda g: (not g.alarm, KINDS.index(g.kind), -g.n, g.value))
    return HotspotReport(filters, found, pervasive(session, filters), total.n, tests)


def _group(kind: str, product: str | None, value: str, c: _Counts, total: _Counts) -> Group:
    return Group(
        kind=kind,
        product=product,
        value=value,
        n=c.n,
        unhappy=c.unhappy,
        rated=c.rated,
        low=c.low,
        rest_n=total.n - c.n,
        rest_unhappy=total.unhappy - c.unhappy,
        rest_rated=total.rated - c.rated,
        rest_low=total.low - c.low,
    )


def _correct(groups: list[Group]) -> int:
    """Test every group with enough data; alarm where Benjamini-Hochberg keeps the finding."""
    tests: list[tuple[Group, str, float]] = []
    for g in groups:
        if g.n >= MIN_COUNT and g.rest_n >= MIN_COUNT:
            g.unhappy_p = one_sided_p(g.unhappy, g.n, g.rest_unhappy, g.rest_n)
            tests.append((g, "unhappy", g.unhappy_p))
        if g.rated >= MIN_RATED and g.rest_rated >= MIN_RATED:
            g.low_p = one_sided_p(g.low, g.rated, g.rest_low, g.rest_rated)
            tests.append((g, "low", g.low_p))
    keep = benjamini_hochberg([p for _, _, p in tests], FDR)
    for (g, which, _), kept in zip(tests, keep, strict=True):
        if kept and which == "unhappy":
            g.unhappy_alarm = True
        elif kept:
            g.low_alarm = True
    return len(tests)


def _unhappy_by_product(session: Session, filters: InsightFilters) -> dict[str, tuple[int, int]]:
    f = InsightFact
    rows = session.execute(
        select(f.product, func.count(), func.count().filter(f.unhappy))
        .where(*filters.facts())
        .where(f.product.is_not(None))
        .group_by(f.product)
    )
    return {str(p): (int(n), int(u)) for p, n, u in rows}


def pervasive(session: Session, filters: InsightFilters) -> Pervasive:
    """Compare each product's early-warning rate with the period before (scoped filters):
    while the period runs, with the same days of it as have begun, as the dashboard does."""
    now = _unhappy_by_product(session, filters)
    before = _unhappy_by_product(session, filters.compared(weeks.today()))
    rising: list[str] = []
    considered = 0
    for product, (n, u) in now.items():
        n0, u0 = before.get(product, (0, 0))
        if n < PERVASIVE_MIN or n0 < PERVASIVE_MIN:
            continue
        considered += 1
        if u / n > u0 / n0:
            rising.append(product)
    n_now, u_now = sum(n for n, _ in now.values()), sum(u for _, u in now.values())
    n_before, u_before = sum(n for n, _ in before.values()), sum(u for _, u in before.values())
    top = _top_riser(now, before)
    n1, u1 = now.get(top, (0, 0))
    n0, u0 = before.get(top, (0, 0))
    p_value = one_sided_p(u_now - u1, n_now - n1, u_before - u0, n_before - n0)
    is_pervasive = (
        considered >= PERVASIVE_PRODUCTS
        and len(rising) >= PERVASIVE_SHARE * considered
        and p_value < FDR
    )
    return Pervasive(
        rising=len(rising),
        products=considered,
        now=share(u_now, n_now),
        before=share(u_before, n_before),
        p_value=p_value,
        pervasive=is_pervasive,
        rising_products=sorted(rising),
        top_riser=top,
    )


def _top_riser(now: dict[str, tuple[int, int]], before: dict[str, tuple[int, int]]) -> str:
    """The product with the most early warnings above its own previous rate ("" if none)."""

    def excess(product: str) -> float:
        n, u = now[product]
        n0, u0 = before.get(product, (0, 0))
        return u - n * (u0 / n0 if n0 else 0.0)

    return max(sorted(now), key=excess, default="")


# --- One hotspot -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    start: date
    n: int
    unhappy: int
    rest_n: int
    rest_unhappy: int


@dataclass(frozen=True)
class GapIssue:
    """One issue the manual left open, as customers put it: how often it was raised (each
    conversation logs its own gap, so one issue is often several rows) and when last."""

    query: str
    raised: int
    last_at: datetime


@dataclass(frozen=True)
class HotspotDetail:
    group: Group
    examples: list[Conversation]  # the riskiest EXAMPLES of the early warnings
    unhappy_openings: int  # all of them, so the page can say "8 of N"
    articles: list[Article]
    gaps: list[GapIssue]  # still open (none answered since), most raised first
    trend: list[TrendPoint]


def hotspot(
    session: Session,
    *,
    actor: User,
    filters: InsightFilters,
    kind: str,
    value: str,
    product: str | None = None,
) -> HotspotDetail:
    """One group: its figures, unhappy examples, the manual's articles and gaps, the trend."""
    report = hotspots(session, actor=actor, filters=filters)
    group = next(
        (
            g
            for g in report.groups
            if (g.kind, g.value) == (kind, value) and (kind != "feature" or g.product == product)
        ),
        None,
    )
    if group is None:
        _known(session, actor, kind, value, product)
        group = Group(kind=kind, product=product, value=value)
    scope = report.filters
    ids = _member_ids(session, scope, group)
    return HotspotDetail(
        group=group,
        examples=_examples(session, ids),
        unhappy_openings=_unhappy_openings(session, ids),
        articles=_articles(session, group),
        gaps=_gaps(session, scope, group, ids),
        trend=_trend(session, scope, group),
    )


def _known(session: Session, actor: User, kind: str, value: str, product: str | None) -> None:
    """Refuse (404) a product, or a product's feature, that no conversation the reader's
    insights count ever named: one with none in the period is told so on its page, one made
    up in the address is a page that does not exist. Tags are not checked (reading every
    conversation's tags for one would cost a scan of them all)."""
    whose = "" if actor.is_admin else " of your team"
    if kind == "product" and not ever_seen(session, actor=actor, product=value, feature=None):
        raise NotFound(f"there is no product {value!r}: no conversation{whose} names it")
    if kind == "feature" and not ever_seen(session, actor=actor, product=product, feature=value):
        of = f" of {product!r}" if product else " without a product"
        raise NotFound(f"there is no feature {value!r}{of}: no conversation{whose} names it")


def _member_ids(session: Session, filters: InsightFilters, group: Group) -> list[int]:
    f = InsightFact
    rows = session.execute(
        select(f.conversation_id, f.product, f.feature, f.tags).where(*filters.facts())
    )
    return [int(i) for i, p, t, tags in rows if _belongs(group, p, t, decode_tags(tags))]


def _belongs(
    group: Group, product: str | None, feature: str | None, tags: list[str] | None
) -> bool:
    if group.kind == "product":
        return product == group.value
    if group.kind == "feature":
        return product == group.product and feature == group.value
    return group.value in (tags or [])


EXAMPLES = 8
"""Early warnings shown as examples of a hotspot, the riskiest first."""


def _examples(session: Session, ids: list[int]) -> list[Conversation]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(Conversation)
            .options(selectinload(Conversation.assignee), selectinload(Conversation.rating))
            .where(Conversation.id.in_(ids), Conversation.early_warning.is_(True))
            .order_by(Conversation.escalation_risk.desc().nulls_last(), Conversation.id.desc())
            .limit(EXAMPLES)
        )
    )


def _unhappy_openings(session: Session, ids: list[int]) -> int:
    """How many early warnings the examples are drawn from (counted as they were picked,
    from the conversations, so "8 of N" holds even while the rollup catches up)."""
    if not ids:
        return 0
    query = select(func.count()).where(
        Conversation.id.in_(ids), Conversation.early_warning.is_(True)
    )
    return session.scalar(query) or 0


def _articles(session: Session, group: Group) -> list[Article]:
    query = select(Article).where(Article.status == "published")
    if group.kind == "product":
        query = query.where(Article.product == group.value)
    elif group.kind == "feature":
        query = query.where(Article.product == group.product, Article.feature == group.value)
    else:
        return []
    return list(session.scalars(query.order_by(Article.title).limit(10)))


def _gaps(
    session: Session, filters: InsightFilters, group: Group, ids: list[int]
) -> list[GapIssue]:
    """Gaps the manual left open for this group in the period, one row per issue.

    Only the reader's scope: gaps raised in the group's conversations (already narrowed to the
    team and the other filters), and for a product also those logged outside any conversation
    naming it, by a member of the team in scope. Matching on the product alone showed a lead
    other teams' customers' words, repeated once per conversation."""
    in_scope: ColumnElement[bool] = Gap.conversation_id.in_(ids) if ids else false()
    if group.kind == "product":
        loose = and_(Gap.conversation_id.is_(None), Gap.product == group.value)
        if filters.team_id is not None:
            members = select(User.id).where(User.team_id == filters.team_id)
            loose = and_(loose, Gap.actor_id.in_(members))
        in_scope = or_(in_scope, loose)
    rows = list(
        session.scalars(
            select(Gap)
            .where(Gap.created_at >= filters.begin, Gap.created_at < filters.finish, in_scope)
            .order_by(Gap.created_at.desc())
        )
    )
    return _issues(open_gaps(session, rows))


def _issues(gaps: Iterable[Gap]) -> list[GapIssue]:
    """Gaps with the same words (case and spacing aside) as one issue, most raised first (ties:
    the most recent first); ``gaps`` come newest first."""
    found: dict[str, GapIssue] = {}
    for gap in gaps:
        same = " ".join(gap.query.lower().split())
        seen = found.get(same)
        if seen is None:
            found[same] = GapIssue(gap.query, 1, gap.created_at)
        else:
            found[same] = GapIssue(seen.query, seen.raised + 1, seen.last_at)
    return sorted(found.values(), key=lambda issue: -issue.raised)


def _trend(session: Session, filters: InsightFilters, group: Group) -> list[TrendPoint]:
    """Week by week (Monday to Sunday, as the dashboard's) over the period: the group's
    early warnings against the rest."""
    f = InsightFact
    rows = session.execute(
        select(
            f.opened_day, f.product, f.feature, f.tags, func.count(), func.count().filter(f.unhappy)
        )
        .where(*filters.facts())
        .group_by(f.opened_day, f.product, f.feature, f.tags)
    )
    starts = [first for first, _ in week_spans(filters.start, filters.end)]
    counts = [[0, 0, 0, 0] for _ in starts]
    for day, product, feature, tags, n, unhappy in rows:
        slot = bisect_right(starts, day) - 1
        inside = _belongs(group, product, feature, decode_tags(tags))
        counts[slot][0 if inside else 2] += int(n)
        counts[slot][1 if inside else 3] += int(unhappy)
    return [TrendPoint(s, *c) for s, c in zip(starts, counts, strict=True)]
