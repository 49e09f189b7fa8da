"""Exposure: how much negativity each person absorbs against the praise they receive.

The weekly counts are the morale balance (:func:`poise.morale.queries.balances`), for every
member in one pass; nothing here counts negativity or praise a second way. An agent sees their
own weeks. A lead sees the team's distribution per week (low, median, high — no names) and,
privately, who had three heavy weeks in a row, to check in with them. It is never a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.errors import NotFound
from poise.morale.permissions import require_lead_of
from poise.morale.queries import Balance, balance, balances

WEEKS = 12
HEAVY_FLOOR = 5
HEAVY_FACTOR = 1.5
HEAVY_RUN = 3


@dataclass(frozen=True)
class WeekSpread:
    """One week of the team: how the members' absorbed negativity spread, without names."""

    start: datetime
    members: int
    low: int
    median: float
    high: int
    praise_median: float
    heavy: int


@dataclass(frozen=True)
class TeamExposure:
    team: Team
    weeks: list[WeekSpread]
    check_in: list[User]


def my_exposure(session: Session, *, actor: User, until: datetime | None = None) -> Balance:
    """The actor's own weeks: nobody else's, whatever the role (a lead uses the team view)."""
    return balance(session, agent_ids=[actor.id], weeks=WEEKS, until=until)


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
    lines = balances(session, agent_ids=[m.id for m in members], weeks=WEEKS, until=until)
    starts = next(iter(lines.values())).weeks if lines else []
    spreads: list[WeekSpread] = []
    heavy_by_member: dict[int, list[bool]] = {m.id: [] for m in members}
    for week, start in enumerate(starts):
        neg = [lines[m.id].negativity[week] for m in members]
        pos = [lines[m.id].praise[week] for m in members]
        middle = float(median(neg))
        flags = [heavy(n, p, middle) for n, p in zip(neg, pos, strict=True)]
        for member, flag in zip(members, flags, strict=True):
            heavy_by_member[member.id].append(flag)
        spreads.append(
            WeekSpread(
                start, len(members), min(neg), middle, max(neg), float(median(pos)), sum(flags)
            )
        )
    check_in = [m for m in members if _heavy_run(heavy_by_member[m.id])]
    return TeamExposure(team, spreads, sorted(check_in, key=lambda m: (m.name, m.id)))


def _heavy_run(flags: list[bool]) -> bool:
    """Heavy in each of the last ``HEAVY_RUN`` weeks (the current week included)."""
    return len(flags) >= HEAVY_RUN and all(flags[-HEAVY_RUN:])
