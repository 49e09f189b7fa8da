"""Exposure: how much negativity each person absorbs against the praise they receive.

The weekly counts are the morale balance's (:func:`poise.morale.queries.balances`), kept by the
insights rollup per person and week (:mod:`poise.insights.weeks`) with the balance's own
definitions: a page reads a few hundred rows, not every customer turn of the team's twelve
weeks, and shows when they were counted (:func:`exposure_state`). An agent sees their own
weeks. A lead sees the team's distribution per week (low, median, high — no names) and,
privately, who had three heavy weeks in a row, to check in with them. It is never a ranking.
Both show the last twelve weeks by default, or the weeks a reader picks (:func:`shown_weeks`).

A week still running is shown, but never judged heavy (:func:`heavy`): its few days cannot yet
say whether the week was heavy, and a check-in prompt must not rest on a week half over.

Who makes up the spread: the team's active agents and leads who had a conversation (a
customer turn in a conversation assigned to them) in the weeks shown. A lead who takes no
conversations, or someone away the whole time, would add a zero to every week, lower the
median and make ordinary weeks look heavy for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.errors import InvalidInput, NotFound
from poise.insights import weeks as exposure_weeks
from poise.insights.filters import parse_filters
from poise.insights.rollup import RollupState, rollup_state
from poise.morale.permissions import require_lead_of
from poise.morale.queries import Balance, week_starts
from poise.web.values import parse_day
from poise.web.weeks import running

WEEKS = 12
HEAVY_FLOOR = 5
HEAVY_FACTOR = 1.5
HEAVY_RUN = 3


@dataclass(frozen=True)
class ExposureWeeks:
    """The stretch of whole Monday weeks a page shows: the Mondays of its first and last week."""

    first: date
    last: date

    @property
    def count(self) -> int:
        return (self.last - self.first).days // 7 + 1

    @property
    def until(self) -> datetime:
        """A moment of the last week, as :func:`counted_balances` takes it."""
        return datetime.combine(self.last, time(12), tzinfo=UTC)

    def form(self, today: date) -> dict[str, str]:
        """The picker's from/to: the first Monday, and the last Sunday (today, if sooner)."""
        end = min(self.last + timedelta(days=6), today)
        return {"start": self.first.isoformat(), "end": end.isoformat()}

    def earlier(self) -> ExposureWeeks:
        """As many weeks just before."""
        shift = timedelta(weeks=self.count)
        return ExposureWeeks(self.first - shift, self.last - shift)

    def later(self, today: date) -> ExposureWeeks | None:
        """As many weeks just after, ending this week at the latest; None when these end it."""
        current = _monday(today)
        if self.last >= current:
            return None
        last = min(self.last + timedelta(weeks=self.count), current)
        return ExposureWeeks(last - timedelta(weeks=self.count - 1), last)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def shown_weeks(today: date, start: str | None = None, end: str | None = None) -> ExposureWeeks:
    """The weeks from the one holding ``start`` to the one holding ``end`` (``YYYY-MM-DD``):
    by default the ``WEEKS`` weeks up to this one. Parsed and bounded as every insights period
    is (:func:`poise.insights.filters.parse_filters`: a reversed or overlong period is refused,
    naming the field), and a day of a week still to come is refused too: its weeks hold
    nothing yet. A later day of this week is not: the default weeks end with it, and the
    dashboard's period and the CSV's name end on its Sunday, yet typing that Sunday was
    refused as "still to come"."""
    last_day = parse_day(end, "end", field="end") if end else today
    if _monday(last_day) > _monday(today):
        raise InvalidInput(
            f"end ({last_day}) is still to come, in a later week: weeks can be shown up to "
            f"this one, which holds today ({today})",
            field="end",
        )
    first_day = start or (_monday(last_day) - timedelta(weeks=WEEKS - 1)).isoformat()
    period = parse_filters(today=today, start=first_day, end=last_day.isoformat())
    return ExposureWeeks(_monday(period.start), _monday(period.end))


@dataclass(frozen=True)
class WeekSpread:
    """One week of the team: how the members' absorbed negativity spread, without names.

    With nobody in the spread (a new team) there is no lowest, median or highest: None, shown
    as a dash, not zeros that read as a calm week. A week still ``running`` counts no one
    heavy (see :func:`heavy`)."""

    start: datetime
    running: bool
    members: int
    low: int | None
    median: float | None
    high: int | None
    praise_median: float | None
    heavy: int


@dataclass(frozen=True)
class TeamExposure:
    team: Team
    weeks: list[WeekSpread]
    check_in: list[User]


@dataclass(frozen=True)
class Counted:
    """People's weeks as the rollup last counted them, and who had a conversation in them."""

    lines: dict[int, Balance]
    active: set[int]


def exposure_state(session: Session) -> RollupState:
    """When the weeks were counted (None until the rollup first counted them), and what
    waits (read-only): shown beside the figures, as on the FCR page."""
    state = rollup_state(session)
    return state if exposure_weeks.built(session) else RollupState(None, state.waiting)


def counted_balances(
    session: Session, agent_ids: list[int], *, until: datetime | None = None, weeks: int = WEEKS
) -> Counted:
    """The ``weeks`` weeks up to ``until`` of each person, from the rollup's sums: what
    :func:`poise.morale.queries.balances` counts from the messages, in one row a week."""
    starts = week_starts(weeks, until)
    slot = {start.date(): i for i, start in enumerate(starts)}
    ids = sorted(set(agent_ids))
    negative = {a: [0] * weeks for a in ids}
    praised = {a: [0] * weeks for a in ids}
    active: set[int] = set()
    for row in exposure_weeks.sums_for(session, ids, starts[0].date(), starts[-1].date()):
        negative[row.agent_id][slot[row.week]] = row.negative
        praised[row.agent_id][slot[row.week]] = row.praise
        if row.conversations:
            active.add(row.agent_id)
    return Counted({a: Balance(starts, negative[a], praised[a]) for a in ids}, active)


class RollupWeeks:
    """The rollup's weeks for morale's balance pages (:class:`poise.morale.queries.KeptWeeks`),
    which the face wires: morale may not import insights."""

    def counted_at(self, session: Session) -> datetime | None:
        return exposure_state(session).counted_at

    def lines(
        self, session: Session, agent_ids: list[int], until: datetime | None
    ) -> dict[int, Balance]:
        return counted_balances(session, agent_ids, until=until).lines


def my_exposure(
    session: Session, *, actor: User, until: datetime | None = None, weeks: int = WEEKS
) -> Balance:
    """The actor's own weeks: nobody else's, whatever the role (a lead uses the team view)."""
    return counted_balances(session, [actor.id], until=until, weeks=weeks).lines[actor.id]


def heavy(negativity: int, praise: int, team_median: float, *, over: bool) -> bool:
    """A heavy week: over, well above the team's usual that week, and more heat than kindness.

    The one rule of the team page, the API, the CSV and the digest's check-in. A week still
    running is never heavy: on its Tuesday, five negative turns against a median of two read
    as heavy though the week may end calm, and it made a third "heavy week in a row"."""
    return (
        over
        and negativity >= HEAVY_FLOOR
        and negativity >= HEAVY_FACTOR * team_median
        and negativity > praise
    )


def team_exposure(
    session: Session,
    *,
    actor: User,
    team_id: int,
    until: datetime | None = None,
    weeks: int = WEEKS,
) -> TeamExposure:
    """The team's distribution per week, and who had ``HEAVY_RUN`` heavy weeks in a row (of
    the weeks that are over)."""
    require_lead_of(actor, team_id)
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team {team_id}")
    members = list(
        session.scalars(
            select(User)
            .where(User.team_id == team_id, User.is_active.is_(True))
            .where(User.role.in_(("agent", "lead")))
            .order_by(User.name, User.id)
        )
    )
    counted = counted_balances(session, [m.id for m in members], until=until, weeks=weeks)
    spread = [m for m in members if m.id in counted.active]
    lines = [counted.lines[m.id] for m in spread]
    starts = week_starts(weeks, until)
    spreads = [_week(start, week, lines) for week, start in enumerate(starts)]
    check_in = [m for m, line in zip(spread, lines, strict=True) if _heavy_run(line, spreads)]
    return TeamExposure(team, spreads, check_in)


def _week(start: datetime, week: int, lines: list[Balance]) -> WeekSpread:
    """One week's spread over the people of the spread (no figures when there are none)."""
    still = running(start)
    if not lines:
        return WeekSpread(start, still, 0, None, None, None, None, 0)
    neg = [line.negativity[week] for line in lines]
    pos = [line.praise[week] for line in lines]
    middle = float(median(neg))
    flags = [heavy(n, p, middle, over=not still) for n, p in zip(neg, pos, strict=True)]
    return WeekSpread(
        start, still, len(lines), min(neg), middle, max(neg), float(median(pos)), sum(flags)
    )


def _heavy_weeks(line: Balance, spreads: list[WeekSpread]) -> list[bool]:
    """Which of one person's weeks were heavy against the team's median that week."""
    return [
        week.median is not None and heavy(n, p, week.median, over=not week.running)
        for n, p, week in zip(line.negativity, line.praise, spreads, strict=True)
    ]


def _heavy_run(line: Balance, spreads: list[WeekSpread]) -> bool:
    """Heavy in each of the last ``HEAVY_RUN`` weeks that are over: the week still running is
    not judged, so it neither makes a run nor breaks one."""
    judged = [
        flag
        for flag, week in zip(_heavy_weeks(line, spreads), spreads, strict=True)
        if not week.running
    ]
    return len(judged) >= HEAVY_RUN and all(judged[-HEAVY_RUN:])
