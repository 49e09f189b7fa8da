"""The dashboard's figures: SQL aggregates over the filtered conversations, per period and week.

Counts come from one GROUP BY (period slice × channel) over ``conversations`` joined to
``ratings``; medians and repeat contacts from one narrow row per conversation; FCR from the
manual's own implementation (:func:`poise.knowledge.fcr.fcr_outcomes`), never a copy.
Current and previous period are cut into 7-day slices from each period's first day, so week
*k* of one lines up with week *k* of the other.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.conversations.models import Conversation, Message, Rating
from poise.conversations.queries import ESCALATING
from poise.insights.filters import InsightFilters, scoped
from poise.insights.stats import median_or_none, share
from poise.knowledge.fcr import fcr_outcomes
from poise.pagination import Page

# A green robot, as ``Rating.is_positive`` defines it (its SQL side, typed for queries).
GOOD_RATING = typing.cast(ColumnElement[bool], Rating.is_positive)
LOW_RATING = or_(
    and_(Rating.scale == "three", Rating.score == 1),
    and_(Rating.scale == "five", Rating.score <= 2),
)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass
class Tally:
    """The figures of one slice of conversations (a period or a week)."""

    conversations: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    rated: int = 0
    good: int = 0
    low: int = 0
    rated_five: int = 0
    five_total: int = 0
    unhappy: int = 0
    escalating: int = 0
    turnarounds: int = 0
    resolved: int = 0
    first_contact: int = 0
    repeats: int = 0
    first_responses: list[float] = field(default_factory=list, repr=False)
    resolutions: list[float] = field(default_factory=list, repr=False)

    @property
    def csat(self) -> float | None:
        """Share of rated conversations rated good (a green robot)."""
        return share(self.good, self.rated)

    @property
    def response_rate(self) -> float | None:
        return share(self.rated, self.conversations)

    @property
    def mean_five(self) -> float | None:
        """Mean of the 1-5 ratings (three-point answers are left out, not converted)."""
        return self.five_total / self.rated_five if self.rated_five else None

    @property
    def fcr(self) -> float | None:
        return share(self.first_contact, self.resolved)

    @property
    def repeat_rate(self) -> float | None:
        return share(self.repeats, self.conversations)

    @property
    def unhappy_share(self) -> float | None:
        return share(self.unhappy, self.conversations)

    @property
    def escalating_share(self) -> float | None:
        return share(self.escalating, self.conversations)

    @property
    def median_first_response(self) -> float | None:
        """Median seconds from opening to the first agent turn."""
        return median_or_none(self.first_responses)

    @property
    def median_resolution(self) -> float | None:
        """Median seconds from opening to resolution."""
        return median_or_none(self.resolutions)


@dataclass(frozen=True)
class Week:
    """One 7-day slice of the current period, with its twin of the previous period."""

    start: date
    end: date
    current: Tally
    previous: Tally


@dataclass(frozen=True)
class Dashboard:
    filters: InsightFilters
    current: Tally
    previous: Tally
    weeks: list[Week]
    emotions: list[tuple[str, int]]
    previous_emotions: dict[str, int]
    window_days: int


@dataclass(frozen=True)
class _Slice:
    start: datetime
    end: datetime
    period: int  # 1 current, 0 previous
    index: int


def _slices(filters: InsightFilters) -> list[_Slice]:
    found: list[_Slice] = []
    for period, f in ((0, filters.previous()), (1, filters)):
        at, index = f.begin, 0
        while at < f.finish:
            found.append(_Slice(at, min(at + timedelta(days=7), f.finish), period, index))
            at, index = at + timedelta(days=7), index + 1
    return found


def _slice_expression(slices: list[_Slice]) -> ColumnElement[int]:
    whens = [(Conversation.opened_at < s.end, n) for n, s in enumerate(slices)]
    return case(*whens, else_=len(slices) - 1)


def dashboard(
    session: Session, *, actor: User, filters: InsightFilters, window_days: int
) -> Dashboard:
    """Every figure of the dashboard for the filters the actor may use, and the period before."""
    filters = scoped(session, actor, filters)
    slices = _slices(filters)
    tallies = [Tally() for _ in slices]
    _add_counts(session, filters, slices, tallies)
    _add_timings(session, filters, slices, tallies, window_days)
    current, previous = _period_totals(slices, tallies)
    weeks = [
        Week(
            s.start.date(),
            (s.end - timedelta(days=1)).date(),
            tallies[n],
            _twin(slices, tallies, s),
        )
        for n, s in enumerate(slices)
        if s.period == 1
    ]
    return Dashboard(
        filters=filters,
        current=current,
        previous=previous,
        weeks=weeks,
        emotions=emotion_mix(session, filters),
        previous_emotions=dict(emotion_mix(session, filters.previous())),
        window_days=window_days,
    )


def _twin(slices: list[_Slice], tallies: list[Tally], week: _Slice) -> Tally:
    for n, s in enumerate(slices):
        if s.period == 0 and s.index == week.index:
            return tallies[n]
    return Tally()


def _add_counts(
    session: Session, filters: InsightFilters, slices: list[_Slice], tallies: list[Tally]
) -> None:
    bucket = _slice_expression(slices).label("bucket")
    query = (
        select(
            bucket,
            Conversation.channel,
            func.count(Conversation.id),
            func.count(Rating.id),
            _count_if(GOOD_RATING),
            _count_if(LOW_RATING),
            _count_if(Rating.scale == "five"),
            func.coalesce(func.sum(case((Rating.scale == "five", Rating.score), else_=0)), 0),
            _count_if(Conversation.early_warning.is_(True)),
            _count_if(Conversation.escalation_risk >= ESCALATING),
            _count_if(Conversation.turnaround.is_(True)),
        )
        .outerjoin(Rating, Rating.conversation_id == Conversation.id)
        .where(*_both_periods(filters))
        .group_by(bucket, Conversation.channel)
    )
    for n, channel, total, rated, good, low, five, five_sum, ew, esc, turn in session.execute(
        query
    ):
        t = tallies[int(n)]
        t.conversations += int(total)
        t.by_channel[channel] = t.by_channel.get(channel, 0) + int(total)
        t.rated += int(rated)
        t.good += int(good)
        t.low += int(low)
        t.rated_five += int(five)
        t.five_total += int(five_sum)
        t.unhappy += int(ew)
        t.escalating += int(esc)
        t.turnarounds += int(turn)


def _both_periods(filters: InsightFilters) -> list[ColumnElement[bool]]:
    """The filters' conditions over the previous period's start to the current period's end."""
    return filters.over(filters.previous().start, filters.end).conditions()


def first_agent_turn() -> Any:
    """When an agent first answered: a correlated MIN over the thread's index."""
    return (
        select(func.min(Message.sent_at))
        .where(Message.conversation_id == Conversation.id, Message.author_role == "agent")
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Contact:
    """The narrow row per conversation that medians, FCR and repeat contacts need."""

    id: int
    opened_at: datetime
    resolved_at: datetime | None
    status: str
    customer_id: int | None
    first_reply_at: datetime | None


def contacts(session: Session, filters: InsightFilters) -> list[Contact]:
    """One :class:`Contact` per filtered conversation (already scoped filters)."""
    query = select(
        Conversation.id,
        Conversation.opened_at,
        Conversation.resolved_at,
        Conversation.status,
        Conversation.customer_id,
        first_agent_turn(),
    ).where(*filters.conditions())
    return [Contact(*row) for row in session.execute(query)]


def repeat_ids(
    session: Session, filters: InsightFilters, rows: list[Contact], window_days: int
) -> set[int]:
    """Conversations whose customer had contacted us in the ``window_days`` before them.

    The earlier contact may be on any channel or product: the customer came back either way.
    """
    window = timedelta(days=window_days)
    customers = select(Conversation.customer_id).where(*filters.conditions())
    earlier = session.execute(
        select(Conversation.id, Conversation.customer_id, Conversation.opened_at)
        .where(Conversation.customer_id.in_(customers))
        .where(Conversation.opened_at >= filters.begin - window)
        .where(Conversation.opened_at < filters.finish)
    )
    by_customer: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for cid, customer, opened in earlier:
        by_customer[int(customer)].append((opened, int(cid)))
    found: set[int] = set()
    for row in rows:
        if row.customer_id is None:
            continue
        before = (row.opened_at, row.id)
        if any(
            key < before and key[0] >= row.opened_at - window
            for key in by_customer.get(row.customer_id, [])
        ):
            found.add(row.id)
    return found


def _add_timings(
    session: Session,
    filters: InsightFilters,
    slices: list[_Slice],
    tallies: list[Tally],
    window_days: int,
) -> None:
    both = filters.over(filters.previous().start, filters.end)
    rows = contacts(session, both)
    outcomes = fcr_outcomes(session, window_days=window_days, since=both.begin)
    repeats = repeat_ids(session, both, rows, window_days)
    for row in rows:
        t = tallies[_slice_of(slices, row.opened_at)]
        if row.first_reply_at is not None and row.first_reply_at >= row.opened_at:
            t.first_responses.append((row.first_reply_at - row.opened_at).total_seconds())
        if row.status == "resolved" and row.resolved_at is not None:
            t.resolutions.append((row.resolved_at - row.opened_at).total_seconds())
        if row.id in outcomes:
            t.resolved += 1
            t.first_contact += int(outcomes[row.id])
        t.repeats += int(row.id in repeats)


def _slice_of(slices: list[_Slice], moment: datetime) -> int:
    for n, s in enumerate(slices):
        if moment < s.end:
            return n
    return len(slices) - 1


def _period_totals(slices: list[_Slice], tallies: list[Tally]) -> tuple[Tally, Tally]:
    totals = (Tally(), Tally())
    for s, t in zip(slices, tallies, strict=True):
        _merge(totals[s.period], t)
    return totals[1], totals[0]


def _merge(into: Tally, other: Tally) -> None:
    for name in (
        "conversations",
        "rated",
        "good",
        "low",
        "rated_five",
        "five_total",
        "unhappy",
        "escalating",
        "turnarounds",
        "resolved",
        "first_contact",
        "repeats",
    ):
        setattr(into, name, getattr(into, name) + getattr(other, name))
    for channel, n in other.by_channel.items():
        into.by_channel[channel] = into.by_channel.get(channel, 0) + n
    into.first_responses.extend(other.first_responses)
    into.resolutions.extend(other.resolutions)


def emotion_mix(session: Session, filters: InsightFilters) -> list[tuple[str, int]]:
    """Customer turns per emotion label in the filtered conversations, most common first."""
    rows = session.execute(
        select(Message.emotion, func.count(Message.id))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(*filters.conditions())
        .where(Message.author_role == "customer", Message.emotion.is_not(None))
        .group_by(Message.emotion)
        .order_by(func.count(Message.id).desc(), Message.emotion)
    )
    return [(str(e), int(n)) for e, n in rows]


# --- Drill-down ------------------------------------------------------------------------------

SQL_METRICS: dict[str, ColumnElement[bool]] = {
    "rated": Rating.id.is_not(None),
    "good": GOOD_RATING,
    "low": LOW_RATING,
    "five": Rating.scale == "five",
    "unhappy": Conversation.early_warning.is_(True),
    "escalating": Conversation.escalation_risk >= ESCALATING,
    "turnaround": Conversation.turnaround.is_(True),
    "resolved": Conversation.status == "resolved",
}
COMPUTED_METRICS = ("fcr_resolved", "first_contact", "not_first_contact", "repeat")
METRICS = ("all", *SQL_METRICS, *COMPUTED_METRICS, "emotion")


def drill(
    session: Session,
    *,
    actor: User,
    filters: InsightFilters,
    metric: str,
    value: str | None,
    window_days: int,
    page: int = 1,
    page_size: int = 50,
) -> Page[Conversation]:
    """The conversations behind one number: the same filters plus the number's condition."""
    filters = scoped(session, actor, filters)
    page = max(page, 1)
    query = _drill_query(filters, metric, value)
    ids = _computed_ids(session, filters, metric, value, window_days)
    if ids is not None:
        query = query.where(Conversation.id.in_(ids) if ids else Conversation.id.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.options(selectinload(Conversation.assignee), selectinload(Conversation.rating))
        .order_by(Conversation.opened_at.desc(), Conversation.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(list(items), total, page, page_size)


def _drill_query(filters: InsightFilters, metric: str, value: str | None) -> Select[Any]:
    query = (
        select(Conversation)
        .outerjoin(Rating, Rating.conversation_id == Conversation.id)
        .where(*filters.conditions())
    )
    if metric in SQL_METRICS:
        query = query.where(SQL_METRICS[metric])
    if metric == "emotion":
        felt = select(Message.conversation_id).where(
            Message.author_role == "customer", Message.emotion == (value or "")
        )
        query = query.where(Conversation.id.in_(felt))
    return query


def _computed_ids(
    session: Session, filters: InsightFilters, metric: str, value: str | None, window_days: int
) -> list[int] | None:
    """Ids for the numbers SQL cannot express portably (FCR, repeat contacts)."""
    del value
    if metric == "repeat":
        rows = contacts(session, filters)
        return sorted(repeat_ids(session, filters, rows, window_days))
    if metric in ("fcr_resolved", "first_contact", "not_first_contact"):
        rows = contacts(session, filters)
        outcomes = fcr_outcomes(session, window_days=window_days, since=filters.begin)
        mine = [r.id for r in rows if r.id in outcomes]
        if metric == "first_contact":
            return [i for i in mine if outcomes[i]]
        if metric == "not_first_contact":
            return [i for i in mine if not outcomes[i]]
        return mine
    return None


# --- Filter menus ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the dashboard's filter menus offer this actor."""

    teams: list[Team]
    products: list[str]
    features: list[str]
    assignees: list[User]


def choices(session: Session, *, actor: User) -> Choices:
    """Teams (admins), products and features seen, and the people the actor may filter by."""
    teams = list(session.scalars(select(Team).order_by(Team.name))) if actor.is_admin else []
    products = session.scalars(
        select(Conversation.product).where(Conversation.product.is_not(None)).distinct()
    ).all()
    features = session.scalars(
        select(Conversation.feature).where(Conversation.feature.is_not(None)).distinct()
    ).all()
    people = select(User).where(User.role.in_(("agent", "lead"))).order_by(User.name)
    if not actor.is_admin:
        people = people.where(User.team_id == actor.team_id)
    return Choices(
        teams=teams,
        products=sorted(p for p in products if p),
        features=sorted(f for f in features if f),
        assignees=list(session.scalars(people)),
    )
