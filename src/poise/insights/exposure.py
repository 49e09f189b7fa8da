"""Exposure: how much negativity each person absorbs against the praise they receive.

The weekly counts are the morale balance's (:func:`poise.morale.queries.balances`), kept by the
insights rollup per person and week (:mod:`poise.insights.weeks`) with the balance's own
definitions: a page reads a few hundred rows, not every customer turn of the team's twelve
weeks, and shows when they were counted (:func:`exposure_state`). An agent sees their own
weeks. A lead sees the team's distribution per week (low, median, high — no names) and,
privately, who had three heavy weeks in a row, to check in with them. It is never a ranking.

Who makes up the spread: the team's active agents and leads who had a conversation (a
customer turn in a conversation assigned to them) in the twelve weeks. A lead who takes no
conversations, or someone away the whole time, would add a zero to every week, lower the
median and make ordinary weeks look heavy for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.errors import NotFound
from poise.insights import weeks as exposure_weeks
from poise.insights.rollup import RollupState, rollup_state
from poise.morale.permissions import require_lead_of
from poise.morale.queries import Balance, week_starts

WEEKS = 12
HEAVY_FLOOR = 5
HEAVY_FACTOR = 1.5
HEAVY_RUN = 3


@dataclass(frozen=True)
class WeekSpread:
    """One week of the team: how the members' absorbed negativity spread, without names.

    With nobody in the spread (a new team) there is no lowest, median or highest: None, shown
    as a dash, not zeros that read as a calm week."""

    start: datetime
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
    session: Session, agent_ids: list[int], *, until: datetime | None = None
) -> Counted:
    """The ``WEEKS`` weeks up to ``until`` of each person, from the rollup's sums: what
    :func:`poise.morale.queries.balances` counts from the messages, in one row a week."""
    starts = week_starts(WEEKS, until)
    slot = {start.date(): i for i, start in enumerate(starts)}
    ids = sorted(set(agent_ids))
    negative = {a: [0] * WEEKS for a in ids}
    praised = {a: [0] * WEEKS for a in ids}
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


def my_exposure(session: Session, *, actor: User, until: datetime | None = None) -> Balance:
    """The actor's own weeks: nobody else's, whatever the role (a lead uses the team view)."""
    return counted_balances(session, [actor.id], until=until).lines[actor.id]


def heavy(negativity: int, praise: int, team_median: float) -> bool:
    """A heavy week: well above the team's usual that week, and more heat than kindness."""
    return (
        negativity >= HEAVY_FLOOR
        and negativity >= HEAVY_FACTOR * team_median
        and negativity > praise
    )


def team_exposure(
    session: Session, *, actor: User, team_id: int, until: datetime | None = None
) -> TeamExposure:
    """The team's distribution per week, and who had ``HEAVY_RUN`` heavy weeks in a row."""
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
    counted = counted_balances(session, [m.id for m in members], until=until)
    spread = [m for m in members if m.id in counted.active]
    lines = [counted.lines[m.id] for m in spread]
    starts = week_starts(WEEKS, until)
    spreads = [_week(start, week, lines) for week, start in enumerate(starts)]
    check_in = [
        m for m, line in zip(spread, lines, strict=True) if _heavy_run(_heavy_weeks(line, spreads))
    ]
    return TeamExposure(team, spreads, check_in)


def _week(start: datetime, week: int, lines: list[Balance]) -> WeekSpread:
    """One week's spread over the people of the spread (no figures when there are none)."""
    if not lines:
        return WeekSpread(start, 0, None, None, None, None, 0)
    neg = [line.negativity[week] for line in lines]
    pos = [line.praise[week] for line in lines]
    middle = float(median(neg))
    flags = [heavy(n, p, middle) for n, p in zip(neg, pos, strict=True)]
    return WeekSpread(start, len(lines), min(neg), middle, max(neg), float(median(pos)), sum(flags))


def _heavy_weeks(line: Balance, spreads: list[WeekSpread]) -> list[bool]:
    """Which of one person's weeks were heavy against the team's median that week."""
    return [
        week.median is not None and heavy(n, p, week.median)
        for n, p, week in zip(line.negativity, line.praise, spreads, strict=True)
    ]


def _heavy_run(flags: list[bool]) -> bool:
    """Heavy in each of the last ``HEAVY_RUN`` weeks (the current week included)."""
    return len(flags) >= HEAVY_RUN and all(flags[-HEAVY_RUN:])
