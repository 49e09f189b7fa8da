"""The dashboard's figures: SQL aggregates over the rollup, per period and week.

The rollup (:mod:`poise.insights.rollup`) holds one row of figures per conversation, with FCR
from the manual's own implementation, never a copy; here one GROUP BY (day × channel × emotion
mix) gives every count and sum, and one more pass the medians. The current period is cut into
Monday-to-Sunday weeks, as the balance, exposure and digest count them (a period starting or
ending inside a week keeps its own days of it), and each week's twin is the same days one
period earlier, so week *k* of one lines up with week *k* of the other, weekday for weekday when
the period is whole weeks. While the period runs (the default one ends on the coming Sunday),
only its days so far are counted, and the previous period only their twins: a Tuesday's two days
of the running week meet the same Monday and Tuesday, not a whole week.
"""

from __future__ import annotations

import typing
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from poise.auth.models import Team, User
from poise.conversations.models import Conversation, Message
from poise.errors import NotFound
from poise.insights import days, histograms
from poise.insights.filters import InsightFilters, scoped
from poise.insights.models import (
    InsightDay,
    InsightFact,
    decode_emotions,
)
from poise.insights.rollup import RollupState, rollup_state
from poise.insights.stats import median_or_none, share
from poise.pagination import Page, paginate
from poise.signals.labels import EMOTIONS
from poise.web import weeks as calendar
from poise.web.weeks import monday, week_spans

DAYS = typing.cast(Table, InsightDay.__table__)


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
    first_response_count: int = 0
    resolution_count: int = 0
    median_first_response: float | None = None  # seconds from opening to the first agent turn
    median_resolution: float | None = None  # seconds from opening to resolution

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


@dataclass(frozen=True)
class Week:
    """One Monday-to-Sunday week of the current period (or the part of it inside the period),
    with its twin of the previous period."""

    start: date
    end: date
    current: Tally
    previous: Tally


@dataclass(frozen=True)
class Dashboard:
    filters: InsightFilters
    counted: InsightFilters
    """The period's days counted so far (all of them once it is over)."""
    compared: InsightFilters
    """The days ``previous`` counts: the counted days one period earlier."""
    current: Tally
    previous: Tally
    weeks: list[Week]
    emotions: list[tuple[str, int]]
    previous_emotions: dict[str, int]
    window_days: int
    state: RollupState
    unscored: int = 0
    """Customer turns of the period's conversations still waiting for a score: until they
    are scored they count as calm (no early warning, no emotion), so the page warns."""


@dataclass(frozen=True)
class _Slice:
    start: date
    end: date  # exclusive
    period: int  # 1 current, 0 previous
    index: int


def _slices(filters: InsightFilters, today: date) -> list[_Slice]:
    """The previous period's slices, then the current period's: its weeks up to ``today``
    (the running one holds its days so far), each twinned with the same days one period
    earlier (which cut the previous period the same way)."""
    shift = timedelta(days=filters.days)
    spans = week_spans(filters.start, filters.counted(today).end)
    weeks = [(first, last + timedelta(days=1)) for first, last in spans]
    return [
        _Slice(start - shift * (1 - period), end - shift * (1 - period), period, index)
        for period in (0, 1)
        for index, (start, end) in enumerate(weeks)
    ]


def _slice_of_day(slices: list[_Slice]) -> dict[date, int]:
    found: dict[date, int] = {}
    for n, s in enumerate(slices):
        day = s.start
        while day < s.end:
            found[day] = n
            day += timedelta(days=1)
    return found


def dashboard(
    session: Session, *, actor: User, filters: InsightFilters, window_days: int
) -> Dashboard:
    """Every figure of the dashboard for the filters the actor may use, and the period before.

    Read from the rollup (:mod:`poise.insights.rollup`): one grouped pass for the counts and
    the emotion mix, one for the medians; from its day aggregate (:mod:`poise.insights.days`)
    when the filters allow, else from its facts. ``window_days`` is the FCR and repeat window the
    rollup counted with (the same setting).
    """
    filters = scoped(session, actor, filters)
    today = calendar.today()
    tune_for_aggregates(session)
    slices = _slices(filters, today)
    tallies = [Tally() for _ in slices]
    felt: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    by_day = days.readable(
        session, team_id=filters.team_id, assignee_id=filters.assignee_id, tag=filters.tag
    )
    if by_day:
        times = _add_days(session, filters, slices, tallies, felt)
        current, previous = _period_totals(slices, tallies)
        for n, tally in enumerate([*tallies, previous, current]):
            _set_medians(tally, times[n])
    else:
        _add_counts(session, filters, today, slices, tallies, felt)
        current, previous = _period_totals(slices, tallies)
        _add_medians(session, filters, today, slices, [*tallies, previous, current])
    weeks = [
        Week(s.start, s.end - timedelta(days=1), tallies[n], _twin(slices, tallies, s))
        for n, s in enumerate(slices)
        if s.period == 1
    ]
    return Dashboard(
        filters=filters,
        counted=filters.counted(today),
        compared=filters.compared(today),
        current=current,
        previous=previous,
        weeks=weeks,
        emotions=_emotion_rows(felt[1], felt[0]),
        previous_emotions=dict(felt[0]),
        window_days=window_days,
        state=rollup_state(session),
        unscored=unscored_turns(session, filters),
    )


def unscored_turns(session: Session, filters: InsightFilters) -> int:
    """Customer turns of the conversations these filters cover that no scorer has read yet
    (an import scored later, a cancelled or unfinished scoring job). Reads the partial
    ``ix_messages_unscored`` index: tiny when everything is scored."""
    query = (
        select(func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.author_role == "customer", Message.signal_version.is_(None))
        .where(*filters.conditions())
    )
    return session.scalar(query) or 0


def tune_for_aggregates(session: Session) -> None:
    """PostgreSQL, this transaction only: room to group and sort a period's rows in memory,
    and no JIT, whose compiling of a query with many aggregates costs more than it saves."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))


def _emotion_rows(current: Mapping[str, int], previous: Mapping[str, int]) -> list[tuple[str, int]]:
    """Every emotion felt in either period with its turns now, most first: one felt only in
    the previous period is listed at 0 (it had no row, so its fall went unseen)."""
    rows = {emotion: current.get(emotion, 0) for emotion in {*current, *previous}}
    return sorted(rows.items(), key=lambda kv: (-kv[1], -previous.get(kv[0], 0), kv[0]))


def _twin(slices: list[_Slice], tallies: list[Tally], week: _Slice) -> Tally:
    for n, s in enumerate(slices):
        if s.period == 0 and s.index == week.index:
            return tallies[n]
    return Tally()


def _count(condition: ColumnElement[bool] | InstrumentedAttribute[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def _add_counts(
    session: Session,
    filters: InsightFilters,
    today: date,
    slices: list[_Slice],
    tallies: list[Tally],
    felt: tuple[Counter[str], Counter[str]],
) -> None:
    """One GROUP BY (day × channel × emotion mix) over the rollup: every count and sum."""
    f = InsightFact
    query = (
        select(
            f.opened_day,
            f.channel,
            f.emotions,
            func.count(),
            _count(f.rated),
            _count(f.good),
            _count(f.low),
            func.count(f.five_score),
            func.coalesce(func.sum(f.five_score), 0),
            _count(f.unhappy),
            _count(f.escalating),
            _count(f.turnaround),
            _count(f.fcr_resolved),
            _count(f.first_contact),
            _count(f.repeat),
            func.count(f.first_response_s),
            func.count(f.resolution_s),
        )
        .where(*_both_periods(filters, today))
        .group_by(f.opened_day, f.channel, f.emotions)
    )
    day_slice = _slice_of_day(slices)
    for day, channel, emotions, *n in session.execute(query):
        at = day_slice.get(days.as_day(day))
        if at is None:
            continue
        _add_row(tallies[at], channel, n)
        for label, turns in decode_emotions(emotions).items():
            felt[slices[at].period][label] += turns * int(n[0])


_COUNTED = (  # Tally's name of each of days.COUNTS, in that order
    "conversations", "rated", "good", "low", "rated_five", "five_total", "unhappy",
    "escalating", "turnarounds", "resolved", "first_contact", "repeats",
    "first_response_count", "resolution_count",
)  # fmt: skip


def _add_row(t: Tally, channel: str, n: Sequence[Any]) -> None:
    """One grouped row's counts (in :data:`_COUNTED` order) into a tally."""
    for name, value in zip(_COUNTED, n, strict=True):
        setattr(t, name, getattr(t, name) + int(value or 0))
    t.by_channel[channel] = t.by_channel.get(channel, 0) + int(n[0])


def _add_days(
    session: Session,
    filters: InsightFilters,
    slices: list[_Slice],
    tallies: list[Tally],
    felt: tuple[Counter[str], Counter[str]],
) -> dict[int, Times]:
    """The counts and emotion turns from the day aggregate, whose filters' level holds one
    row a day and channel; returns the time histograms per slice, then per period (previous,
    current), as :func:`_add_medians` numbers them."""
    d = DAYS
    query = select(
        d.c.day, d.c.channel, *(d.c[n] for n in days.COUNTS), d.c.emotions,
        d.c.first_response_times, d.c.resolution_times,
    ).where(*filters.over(filters.previous().start, filters.end).grouped(d))  # fmt: skip
    day_slice = _slice_of_day(slices)
    times: dict[int, Times] = defaultdict(lambda: ([], []))
    for day, channel, *n, emotions, first, resolution in session.execute(query):
        if (at := day_slice.get(days.as_day(day))) is None:
            continue
        _add_row(tallies[at], channel, n)
        for label, turns in decode_emotions(emotions).items():
            felt[slices[at].period][label] += turns
        for k in (at, len(slices) + slices[at].period):
            times[k][0].append(first)
            times[k][1].append(resolution)
    return times


Times = tuple[list[bytes], list[bytes]]  # stored first-response and resolution histograms


def _set_medians(tally: Tally, times: Times) -> None:
    tally.median_first_response = histograms.median_of(times[0])
    tally.median_resolution = histograms.median_of(times[1])


def _both_periods(filters: InsightFilters, today: date) -> list[ColumnElement[bool]]:
    """The filters' conditions over the compared days and the days counted so far: not the
    previous period's days whose twins are still to come."""
    compared = filters.compared(today)
    day = InsightFact.opened_day
    return [
        *filters.over(compared.start, filters.counted(today).end).facts(),
        or_(day <= compared.end, day >= filters.start),
    ]


def _add_medians(
    session: Session,
    filters: InsightFilters,
    today: date,
    slices: list[_Slice],
    into: list[Tally],
) -> None:
    """Median first response and resolution per slice, then per period (previous, current).

    ``into`` holds one tally per slice followed by the previous and the current period's.
    PostgreSQL takes exact medians in SQL; SQLite hands the seconds over to be sorted here.
    """
    if session.get_bind().dialect.name == "postgresql":
        found = _medians_in_sql(session, filters, today, slices)
    else:
        found = _medians_here(session, filters, today, slices)
    for n, (first, resolution) in found.items():
        into[n].median_first_response, into[n].median_resolution = first, resolution


Medians = dict[int, tuple[float | None, float | None]]


def _medians_in_sql(
    session: Session, filters: InsightFilters, today: date, slices: list[_Slice]
) -> Medians:
    f = InsightFact
    first_current = sum(1 for s in slices if s.period == 0)
    # Slice number by arithmetic on the day (date - date is days): cheaper per row than a CASE
    # with a branch per slice. Weeks count from the Monday of the first one (a period may
    # start inside it), the previous period's from that Monday one period earlier.
    anchor = monday(filters.start)
    bucket = case(
        (
            f.opened_day >= filters.start,
            first_current + cast(f.opened_day - anchor, Integer) // 7,
        ),
        else_=cast(f.opened_day - (anchor - timedelta(days=filters.days)), Integer) // 7,
    )
    period = case((f.opened_day >= filters.start, 1), else_=0)
    rows = (
        select(
            bucket.label("bucket"),
            period.label("period"),
            f.first_response_s.label("first"),
            f.resolution_s.label("resolution"),
        )
        .where(*_both_periods(filters, today))
        .where(or_(f.first_response_s.is_not(None), f.resolution_s.is_not(None)))
        .subquery()
    )
    query = select(
        rows.c.bucket,
        rows.c.period,
        func.percentile_cont(0.5).within_group(rows.c.first),
        func.percentile_cont(0.5).within_group(rows.c.resolution),
    ).group_by(func.grouping_sets(rows.c.bucket, rows.c.period))
    found: Medians = {}
    for b, p, first, resolution in session.execute(query):
        at = len(slices) + int(p) if b is None else int(b)
        found[at] = (_float(first), _float(resolution))
    return found


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _medians_here(
    session: Session, filters: InsightFilters, today: date, slices: list[_Slice]
) -> Medians:
    f = InsightFact
    rows = session.execute(
        select(f.opened_day, f.first_response_s, f.resolution_s)
        .where(*_both_periods(filters, today))
        .where(or_(f.first_response_s.is_not(None), f.resolution_s.is_not(None)))
    )
    day_slice = _slice_of_day(slices)
    firsts: dict[int, list[float]] = defaultdict(list)
    resolutions: dict[int, list[float]] = defaultdict(list)
    for day, first, resolution in rows:
        at = day_slice.get(day)
        if at is None:
            continue
        for n in (at, len(slices) + slices[at].period):
            if first is not None:
                firsts[n].append(float(first))
            if resolution is not None:
                resolutions[n].append(float(resolution))
    return {
        n: (median_or_none(firsts[n]), median_or_none(resolutions[n]))
        for n in set(firsts) | set(resolutions)
    }


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
        "first_response_count",
        "resolution_count",
    ):
        setattr(into, name, getattr(into, name) + getattr(other, name))
    for channel, n in other.by_channel.items():
        into.by_channel[channel] = into.by_channel.get(channel, 0) + n


# --- Drill-down ------------------------------------------------------------------------------

F = InsightFact
METRIC_CONDITIONS: dict[str, ColumnElement[bool]] = {
    "rated": F.rated.is_(True),
    "good": F.good.is_(True),
    "low": F.low.is_(True),
    "five": F.five_score.is_not(None),
    "unhappy": F.unhappy.is_(True),
    "escalating": F.escalating.is_(True),
    "turnaround": F.turnaround.is_(True),
    "resolved": F.status == "resolved",
    "fcr_resolved": F.fcr_resolved.is_(True),
    "first_contact": F.first_contact.is_(True),
    "not_first_contact": and_(F.fcr_resolved.is_(True), F.first_contact.is_(False)),
    "repeat": F.repeat.is_(True),
}
METRICS = ("all", *METRIC_CONDITIONS, "emotion")


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
    """The conversations behind one number: the same filters plus the number's condition,
    over the same rollup the number was counted from (``window_days`` is the rollup's)."""
    del window_days
    if metric == "emotion" and value not in EMOTIONS:  # titled "…felt: bogus", with no rows
        raise NotFound(f"there is no emotion {value or ''!r}: one of {', '.join(EMOTIONS)}")
    filters = scoped(session, actor, filters)
    query = _drill_query(filters, metric, value)
    query = query.options(
        selectinload(Conversation.assignee), selectinload(Conversation.rating)
    ).order_by(Conversation.opened_at.desc(), Conversation.id.desc())
    return paginate(session, query, page=page, page_size=page_size)


def _drill_query(filters: InsightFilters, metric: str, value: str | None) -> Select[Any]:
    query = (
        select(Conversation)
        .join(InsightFact, InsightFact.conversation_id == Conversation.id)
        .where(*filters.facts())
    )
    if metric in METRIC_CONDITIONS:
        query = query.where(METRIC_CONDITIONS[metric])
    if metric == "emotion":
        felt = select(Message.conversation_id).where(
            Message.author_role == "customer", Message.emotion == (value or "")
        )
        query = query.where(Conversation.id.in_(felt))
    return query


# --- Filter menus ----------------------------------------------------------------------------

_HOP = {  # a loose index scan: from each value, the next one along the column's index
    column: text(
        f"WITH RECURSIVE seen(v) AS (SELECT min({column}) FROM insight_facts UNION ALL "  # noqa: S608 - two fixed column names
        f"SELECT (SELECT min({column}) FROM insight_facts WHERE {column} > seen.v) FROM seen "
        "WHERE seen.v IS NOT NULL) SELECT v FROM seen WHERE v IS NOT NULL"
    )
    for column in ("product", "feature")
}


def _distinct(session: Session, column: str) -> list[str]:
    """The products (or features) counted in the rollup, a few index probes each, where
    ``SELECT DISTINCT`` would read every conversation on each page view."""
    return [str(v) for v in session.scalars(_HOP[column])]


@dataclass(frozen=True)
class Choices:
    """What the dashboard's filter menus offer this actor."""

    teams: list[Team]
    products: list[str]
    features: list[str]
    assignees: list[User]


def _seen(session: Session, actor: User) -> tuple[list[str], list[str]]:
    """The products and features of the conversations the actor's insights count: every one
    for an admin; for anyone else those of their team's people, as a team filter reads the
    facts (none without a team), in one pass over the team's facts. A new team's menus
    listed every product in the organisation, naming what other teams' customers wrote
    about."""
    if actor.is_admin:
        return _distinct(session, "product"), _distinct(session, "feature")
    if actor.team_id is None:
        return [], []
    pairs = session.execute(
        select(InsightFact.product, InsightFact.feature)
        .where(InsightFact.assignee_id.in_(_team_members(actor)))
        .distinct()
    ).all()
    products = {str(product) for product, _ in pairs if product}
    features = {str(feature) for _, feature in pairs if feature}
    return list(products), list(features)


def ever_seen(session: Session, *, actor: User, product: str | None, feature: str | None) -> bool:
    """Whether a conversation the actor's insights count (as the filter menus read them: every
    one for an admin, else their team's people's) ever named this product, and this feature
    of it when given. A hotspot address naming one nobody wrote about is a page that does not
    exist, not one that is empty this period (a hand-edited address answered "no
    conversations about Toaster in this period")."""
    f = InsightFact
    query = select(f.conversation_id).limit(1)
    if product:
        query = query.where(f.product == product)
    else:
        query = query.where(or_(f.product.is_(None), f.product == ""))
    if feature is not None:
        query = query.where(f.feature == feature)
    if not actor.is_admin:
        query = query.where(f.assignee_id.in_(_team_members(actor)))
    return session.scalar(query) is not None


def _team_members(actor: User) -> Select[tuple[int]]:
    """The people whose conversations a lead's or agent's insights count: their team's
    (nobody without a team: ``team_id = NULL`` matches no row)."""
    return select(User.id).where(User.team_id == actor.team_id)


def choices(session: Session, *, actor: User) -> Choices:
    """Teams (admins), the products and features seen in the conversations the actor's
    insights count, and the people the actor may filter by."""
    teams = list(session.scalars(select(Team).order_by(Team.name))) if actor.is_admin else []
    products, features = _seen(session, actor)
    people = select(User).where(User.role.in_(("agent", "lead"))).order_by(User.name)
    if not actor.is_admin:
        people = people.where(User.team_id == actor.team_id)
    return Choices(
        teams=teams,
        products=sorted(p for p in products if p),
        features=sorted(f for f in features if f),
        assignees=list(session.scalars(people)),
    )
