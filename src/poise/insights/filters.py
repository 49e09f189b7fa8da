"""What every insights figure can be narrowed by, and who may narrow it how.

One :class:`InsightFilters` serves the pages, the API, the CSV export and the digest, so a
number reads the same wherever it is shown. A lead is held to their own team here, in the
layer every entry point calls, not only in the templates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, cast, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from poise.auth.models import Team, User
from poise.conversations.models import CHANNELS, Conversation
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.insights.days import level_of
from poise.insights.models import InsightFact
from poise.web.values import is_id, parse_day
from poise.web.weeks import recent_weeks

DEFAULT_DAYS = 28  # four whole weeks: see :func:`poise.web.weeks.recent_weeks`
MAX_DAYS = 366


@dataclass(frozen=True)
class InsightFilters:
    """A date range (inclusive days, UTC) and optional narrowing; None means "any"."""

    start: date
    end: date
    team_id: int | None = None
    product: str | None = None
    feature: str | None = None
    channel: str | None = None
    assignee_id: int | None = None
    tag: str | None = None

    @property
    def begin(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def finish(self) -> datetime:
        """The exclusive end: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> InsightFilters:
        """The same filters over the period of the same length just before."""
        return replace(
            self,
            start=self.start - timedelta(days=self.days),
            end=self.start - timedelta(days=1),
        )

    def counted(self, today: date) -> InsightFilters:
        """The period's days that have begun: up to ``today`` while the period runs.

        Why: the default period ends on the coming Sunday, so on a Tuesday its last week holds
        two days; counted as a whole week, its figures read as a collapse beside the weeks
        before. A period wholly to come counts no day (its end falls before its start)."""
        return replace(self, end=min(self.end, today))

    def compared(self, today: date) -> InsightFilters:
        """The days the figures are compared with: the counted days one period earlier (the
        same weekdays when the period is whole weeks), so a period still running meets as many
        days as it has counted, never a whole period."""
        shift = timedelta(days=self.days)
        return replace(self, start=self.start - shift, end=self.counted(today).end - shift)

    def over(self, start: date, end: date) -> InsightFilters:
        return replace(self, start=start, end=end)

    def conditions(self) -> list[ColumnElement[bool]]:
        """One WHERE per filter that is set, over ``conversations``."""
        found: list[ColumnElement[bool]] = [
            Conversation.opened_at >= self.begin,
            Conversation.opened_at < self.finish,
        ]
        if self.channel:
            found.append(Conversation.channel == self.channel)
        if self.product:
            found.append(Conversation.product == self.product)
        if self.feature:
            found.append(Conversation.feature == self.feature)
        if self.assignee_id is not None:
            found.append(Conversation.assignee_id == self.assignee_id)
        if self.tag:
            found.append(_has_tag(self.tag))
        if self.team_id is not None:
            members = select(User.id).where(User.team_id == self.team_id)
            found.append(Conversation.assignee_id.in_(members))
        return found

    def facts(self) -> list[ColumnElement[bool]]:
        """The same conditions over the rollup (``insight_facts``), which the figures read."""
        found: list[ColumnElement[bool]] = [
            InsightFact.opened_day >= self.start,
            InsightFact.opened_day <= self.end,
        ]
        if self.channel:
            found.append(InsightFact.channel == self.channel)
        if self.product:
            found.append(InsightFact.product == self.product)
        if self.feature:
            found.append(InsightFact.feature == self.feature)
        if self.assignee_id is not None:
            found.append(InsightFact.assignee_id == self.assignee_id)
        if self.tag:
            found.append(_like_tag(InsightFact.tags, self.tag))
        if self.team_id is not None:
            members = select(User.id).where(User.team_id == self.team_id)
            found.append(InsightFact.assignee_id.in_(members))
        return found

    def grouped(self, table: Table) -> list[ColumnElement[bool]]:
        """The same conditions over a table of the day aggregate (:mod:`poise.insights.days`),
        which has no assignee or tag: views with those read the rollup's facts. The rows read
        are those of the level that keeps exactly the dimensions filtered on."""
        level = level_of(
            team=self.team_id is not None, product=bool(self.product), feature=bool(self.feature)
        )
        found: list[ColumnElement[bool]] = [
            table.c.level == level,
            table.c.day >= self.start,
            table.c.day <= self.end,
        ]
        for name in ("channel", "product", "feature"):
            if getattr(self, name):
                found.append(table.c[name] == getattr(self, name))
        if self.team_id is not None:
            found.append(table.c.team_id == self.team_id)
        return found

    def params(self, **extra: Any) -> dict[str, str]:
        """Query parameters that reproduce these filters (for links and exports)."""
        values: dict[str, Any] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "team": self.team_id,
            "product": self.product,
            "feature": self.feature,
            "channel": self.channel,
            "assignee": self.assignee_id,
            "tag": self.tag,
            **extra,
        }
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}


def _has_tag(tag: str) -> ColumnElement[bool]:
    """The JSON list of tags holds ``tag``: a LIKE on its text works alike on both databases."""
    return _like_tag(cast(Conversation.tags, Text), tag)


def _like_tag(
    text: ColumnElement[str] | InstrumentedAttribute[str], tag: str
) -> ColumnElement[bool]:
    quoted = json.dumps(tag)
    escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return text.like(f"%{escaped}%", escape="\\")


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    return parse_day(value, name, field=name)


def _id(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if not is_id(value):
        raise InvalidInput(f"{name} must be an id (a number), not {value!r}", field=name)
    return int(value)


def _period(today: date, start: str | None, end: str | None) -> tuple[date, date]:
    """The first and last day; a reversed or overlong period is refused rather than answered
    with figures for a period nobody asked for."""
    last = _date(end, "end") or recent_weeks(today)[1]
    first = _date(start, "start") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput(
            f"start ({first}) is after end ({last}): start must not be after end", field="start"
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise InvalidInput(
            f"a period is at most {MAX_DAYS} days: {first} to {last} is {days:,} days",
            field="start",
        )
    return first, last


def parse_filters(
    *,
    today: date,
    start: str | None = None,
    end: str | None = None,
    team: str | None = None,
    product: str | None = None,
    feature: str | None = None,
    channel: str | None = None,
    assignee: str | None = None,
    tag: str | None = None,
) -> InsightFilters:
    """Filters from query parameters, where an empty value means "any" (plain HTML forms).

    Without dates: the last four Monday-to-Sunday weeks, this one (still running) the last
    (:func:`poise.web.weeks.recent_weeks`), so the week-by-week rows are whole weeks like the
    balance's and the digest's; without ``start``, the 28 days up to ``end``. A refusal names
    the field at fault, so a page can show it beside that field and the API can say which
    parameter to correct.
    """
    first, last = _period(today, start, end)
    if channel and channel not in CHANNELS:
        raise InvalidInput(
            f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}", field="channel"
        )
    return InsightFilters(
        start=first,
        end=last,
        team_id=_id(team, "team"),
        product=product or None,
        feature=feature or None,
        channel=channel or None,
        assignee_id=_id(assignee, "assignee"),
        tag=tag or None,
    )


def teams_in_view(actor: User) -> set[int] | None:
    """The teams whose figures ``actor`` may read by name: every team (None) for an admin,
    else their own team only (none without one), the rule :func:`scoped` holds a lead to.

    Pages that show a row per team outside the insights filters (the manual's FCR by team)
    read it here, so an agent or a lead never sees how another team resolves."""
    if actor.is_admin:
        return None
    return {actor.team_id} if actor.team_id is not None else set()


def scoped(session: Session, actor: User, filters: InsightFilters) -> InsightFilters:
    """The filters this actor may use: admins any, a lead only their own team, agents none.

    A lead without a team filter gets their team; asking for another team, or for an assignee
    outside the team, is refused rather than silently widened or emptied. An admin naming a
    team that does not exist is told so (404, as on the digest and team exposure) rather than
    shown a dashboard of zeros for it.
    """
    if actor.is_admin:
        if filters.team_id is not None and session.get(Team, filters.team_id) is None:
            raise NotFound(f"no team {filters.team_id}")
        return filters
    if actor.role != "lead":
        raise PermissionDenied("team insights are for leads and admins; your exposure is yours")
    if actor.team_id is None:
        raise PermissionDenied("you lead no team yet: ask an admin to put you in one")
    if filters.team_id is not None and filters.team_id != actor.team_id:
        raise PermissionDenied("a lead sees the insights of their own team only")
    if filters.assignee_id is not None:
        assignee = session.get(User, filters.assignee_id)
        if assignee is None or assignee.team_id != actor.team_id:
            raise PermissionDenied("a lead may filter by the people of their own team only")
    return replace(filters, team_id=actor.team_id)
