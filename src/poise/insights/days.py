"""The day aggregate: ``insight_facts`` summed per day × team × product × feature × channel.

The views without an assignee or tag filter (the all-teams and one-team dashboards, a product,
a channel) read these few rows instead of one row per conversation. A day is always counted
whole from ``insight_facts`` by :func:`recount_days`, the one function the full rebuild and the
queued rollup share, so an incremental rollup leaves the aggregate exactly as a rebuild would.
The queued rollup marks the days its chunks touch (:func:`mark_changed`) and counts them once
at its end (:func:`catch_up`); while days wait, views read the facts.

``team_id`` is the assignee's team when the day was counted, while a team filter over the facts
reads the team's members now. The members the aggregate was counted with are kept
(:data:`TEAMS_FACT`): when someone changes teams, their days are counted again by the next
rollup (:func:`follow_team_changes`), and until then a team's view reads the facts
(:func:`readable`). Without that fact (after the upgrade, before the first rollup) nothing
reads the aggregate.

Medians come from time histograms (:mod:`poise.insights.histograms`), exact to a bucket.
"""

from __future__ import annotations

import functools
import json
import operator
import typing
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.db.bulk import write_rows
from poise.db.meta import get_fact, set_fact
from poise.insights import histograms
from poise.insights.models import InsightDay, InsightFact, decode_emotions, encode_emotions

TEAMS_FACT = "insights.day_teams"
PENDING_FACT = "insights.days_to_count"
DAYS_PER_PASS = 7
IN_CHUNK = 500
DAYS = typing.cast(Table, InsightDay.__table__)  # Core inserts: no ORM bookkeeping per row
Key = tuple[int, date, int | None, str | None, str | None, str]  # level, day, team, ...
FULL = 7  # the level that keeps team, product and feature


# --- Which views may read it -------------------------------------------------------------------


def team_of_people(session: Session) -> dict[int, int]:
    """Everyone with a team, and the team, as a team filter reads it now."""
    rows = session.execute(select(User.id, User.team_id).where(User.team_id.is_not(None)))
    return {int(u): int(t) for u, t in rows}


def _counted_teams(session: Session) -> dict[int, int] | None:
    stamp = get_fact(session, TEAMS_FACT)
    return None if stamp is None else {int(u): int(t) for u, t in json.loads(stamp).items()}


def readable(
    session: Session, *, team_id: int | None, assignee_id: int | None, tag: str | None
) -> bool:
    """Whether these filters may read the aggregate (read-only): it is built and has no days
    waiting to be counted again, the filters have no assignee or tag, and for a team filter
    the teams have not changed since it was counted."""
    if assignee_id is not None or tag:
        return False
    counted = _counted_teams(session)
    if counted is None or _pending(session):
        return False
    return team_id is None or counted == team_of_people(session)


# --- Counting ------------------------------------------------------------------------------


COUNTS = (
    "conversations", "rated", "good", "low", "rated_five", "five_total", "unhappy",
    "escalating", "turnarounds", "resolved", "first_contact", "repeats", "first_responses",
    "resolutions",
)  # fmt: skip


@dataclass
class _Group:
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNTS))
    first_responses: histograms.Histogram = field(default_factory=dict)
    resolutions: histograms.Histogram = field(default_factory=dict)
    emotions: Counter[str] = field(default_factory=Counter)

    def merge(self, other: _Group) -> None:
        """Add another group's counts, histograms and emotion turns to this one (each detail
        group is merged into eight levels: a full rebuild's most frequent step)."""
        self.counts = list(map(operator.add, self.counts, other.counts))
        histograms.merge(self.first_responses, other.first_responses)
        histograms.merge(self.resolutions, other.resolutions)
        self.emotions.update(other.emotions)


_READ = (
    InsightFact.opened_day, InsightFact.assignee_id, InsightFact.product, InsightFact.feature,
    InsightFact.channel, InsightFact.rated, InsightFact.good, InsightFact.low,
    InsightFact.five_score, InsightFact.unhappy, InsightFact.escalating, InsightFact.turnaround,
    InsightFact.fcr_resolved, InsightFact.first_contact, InsightFact.repeat,
    InsightFact.first_response_s, InsightFact.resolution_s, InsightFact.emotions,
)  # fmt: skip


def recount_days(session: Session, days: Iterable[date], teams: dict[int, int]) -> None:
    """Count these days of the aggregate again from ``insight_facts`` (no commit), with the
    assignees' teams ``teams``."""
    ordered = sorted(set(days))
    for start in range(0, len(ordered), IN_CHUNK):
        session.execute(delete(DAYS).where(DAYS.c.day.in_(ordered[start : start + IN_CHUNK])))
    for start in range(0, len(ordered), DAYS_PER_PASS):
        chunk = ordered[start : start + DAYS_PER_PASS]
        groups: dict[Key, _Group] = defaultdict(_Group)
        for row in session.execute(select(*_READ).where(InsightFact.opened_day.in_(chunk))):
            team = teams.get(row.assignee_id) if row.assignee_id is not None else None
            key = (FULL, row.opened_day, team, row.product, row.feature, row.channel)
            _add(groups[key], row)
        _write(session, _every_level(groups))


def level_of(*, team: bool, product: bool, feature: bool) -> int:
    """The level whose rows keep these of team, product and feature (and sum the others)."""
    return int(team) | int(product) << 1 | int(feature) << 2


def _every_level(detail: dict[Key, _Group]) -> dict[Key, _Group]:
    """The full-detail groups summed to each of the eight levels."""
    found: dict[Key, _Group] = defaultdict(_Group)
    for (_, day, team, product, feature, channel), group in detail.items():
        for level in range(FULL + 1):
            key = (
                level, day, team if level & 1 else None, product if level & 2 else None,
                feature if level & 4 else None, channel,
            )  # fmt: skip
            found[key].merge(group)
    return found


def _add(group: _Group, row: Any) -> None:
    """Count one fact into its group: once per conversation of a rebuild, so kept lean."""
    five = row.five_score is not None
    flags = (
        True, row.rated, row.good, row.low, five, 0, row.unhappy, row.escalating,
        row.turnaround, row.fcr_resolved, row.first_contact, row.repeat,
        row.first_response_s is not None, row.resolution_s is not None,
    )  # fmt: skip
    group.counts = list(map(operator.add, group.counts, map(bool, flags)))
    group.counts[5] += int(row.five_score) if five else 0
    if row.first_response_s is not None:
        histograms.add(group.first_responses, float(row.first_response_s))
    if row.resolution_s is not None:
        histograms.add(group.resolutions, float(row.resolution_s))
    for label, n in _emotion_turns(row.emotions):
        group.emotions[label] += n


@functools.lru_cache(maxsize=4096)
def _emotion_turns(text: str) -> tuple[tuple[str, int], ...]:
    """A fact's emotion turns as pairs; a few hundred distinct texts recur in every day."""
    return tuple(decode_emotions(text).items())


def _key_of(key: Key) -> dict[str, Any]:
    level, day, team, product, feature, channel = key
    return {
        "level": level, "day": day, "team_id": team, "product": product, "feature": feature,
        "channel": channel,
    }  # fmt: skip


def _write(session: Session, groups: dict[Key, _Group]) -> None:
    rows = [
        {
            **_key_of(key),
            **dict(zip(COUNTS, group.counts, strict=True)),
            "emotions": encode_emotions(group.emotions),
            "first_response_times": histograms.pack(group.first_responses),
            "resolution_times": histograms.pack(group.resolutions),
        }
        for key, group in groups.items()
    ]
    write_rows(session, DAYS, rows)  # COPY on PostgreSQL


# --- Keeping it right ----------------------------------------------------------------------


def recount_all(session: Session) -> None:
    """Build the whole aggregate again from ``insight_facts`` (no commit)."""
    teams = team_of_people(session)
    session.execute(delete(DAYS))
    days = session.scalars(select(InsightFact.opened_day).distinct())
    recount_days(session, list(days), teams)
    _remember(session, teams)
    set_fact(session, PENDING_FACT, "[]")


def _remember(session: Session, teams: dict[int, int]) -> None:
    set_fact(session, TEAMS_FACT, json.dumps({str(u): t for u, t in sorted(teams.items())}))


def follow_team_changes(session: Session) -> dict[int, int] | None:
    """Count again the days of everyone whose team changed since the aggregate was counted
    (no commit); returns the teams now, or None while the aggregate is not built."""
    counted = _counted_teams(session)
    if counted is None:
        return None
    teams = team_of_people(session)
    moved = sorted(u for u in set(counted) | set(teams) if counted.get(u) != teams.get(u))
    if moved:
        days: set[date] = set()
        for start in range(0, len(moved), IN_CHUNK):
            days.update(
                session.scalars(
                    select(InsightFact.opened_day)
                    .where(InsightFact.assignee_id.in_(moved[start : start + IN_CHUNK]))
                    .distinct()
                )
            )
        recount_days(session, days, teams)
        _remember(session, teams)
    return teams


def mark_changed(session: Session, days: Iterable[date]) -> None:
    """Note days whose facts were counted again (no commit): the queued rollup counts them
    once at its end (:func:`catch_up`), not once per chunk. Kept with the facts' own commit,
    so a rollup stopped in between leaves them for the next. Before the aggregate is first
    built there is nothing to note: the build counts every day."""
    if _counted_teams(session) is not None:
        pending = _pending(session) | set(days)
        set_fact(session, PENDING_FACT, json.dumps(sorted(d.isoformat() for d in pending)))


def _pending(session: Session) -> set[date]:
    stamp = get_fact(session, PENDING_FACT)
    return {date.fromisoformat(d) for d in json.loads(stamp)} if stamp else set()


def catch_up(session: Session) -> None:
    """Bring the aggregate in step with the facts and the teams (no commit): build it when
    unbuilt, else count again the days of people who changed teams, the days marked, and
    any day a helpdesk's delete changed."""
    teams = follow_team_changes(session)
    if teams is None:
        recount_all(session)
        return
    pending = _pending(session)
    if pending:
        recount_days(session, pending, teams)
        set_fact(session, PENDING_FACT, "[]")
    recount_drifted(session, teams)


def out_of_step(session: Session) -> bool:
    """Whether the next rollup must touch the aggregate though nothing is queued (read-only):
    unbuilt, someone changed teams, or a helpdesk's delete took facts (their total differs)."""
    counted = _counted_teams(session)
    if counted is None or counted != team_of_people(session) or _pending(session):
        return True
    facts = session.scalar(select(func.count()).select_from(InsightFact)) or 0
    kept = session.scalar(
        select(func.coalesce(func.sum(InsightDay.conversations), 0)).where(InsightDay.level == 0)
    )
    return int(facts) != int(kept or 0)


def recount_drifted(session: Session, teams: dict[int, int]) -> None:
    """Count again the days whose conversations no longer match ``insight_facts`` (no commit),
    with the assignees' teams ``teams``.

    A helpdesk's delete takes a conversation's facts with it (the foreign key cascades)
    without passing through the rollup; its day would otherwise keep counting it. Every other
    change to the facts is the rollup's, which counts its days itself.
    """
    facts = session.execute(
        select(InsightFact.opened_day, func.count()).group_by(InsightFact.opened_day)
    )
    counted = session.execute(
        select(InsightDay.day, func.sum(InsightDay.conversations))
        .where(InsightDay.level == 0)
        .group_by(InsightDay.day)
    )
    have = {as_day(d): int(n) for d, n in facts}
    kept = {as_day(d): int(n) for d, n in counted}
    drifted = [d for d in set(have) | set(kept) if have.get(d) != kept.get(d)]
    if drifted:
        recount_days(session, drifted, teams)


def as_day(value: date | str) -> date:
    """A day as SQLite may hand back a grouped date column (its text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
