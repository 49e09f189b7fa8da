"""The named figures and the tables they make: one list read by the page, the API and the CSV.

Each figure says how to read it from a :class:`Tally`, what its count and base are, and which
conversations are behind it (a drill-down metric), so the three faces cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.errors import InvalidInput, NotFound
from poise.insights.exposure import ExposureWeeks, TeamExposure, team_exposure
from poise.insights.filters import InsightFilters, scoped
from poise.insights.hotspots import HotspotReport, hotspots
from poise.insights.queries import Dashboard, Tally, dashboard
from poise.web.weeks import unfinished

Value = float | int | None


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # count | share | mean | seconds
    value: Callable[[Tally], Value]
    count: Callable[[Tally], int | None]
    base: Callable[[Tally], int | None]
    metric: str  # the drill-down behind the count
    base_metric: str = "all"
    bad: str = "high"  # which way is worse, for the comparison arrow


def _none(_: Tally) -> None:
    return None


FIGURES: tuple[Figure, ...] = (
    Figure("conversations", "Conversations", "count", lambda t: t.conversations,
           lambda t: t.conversations, _none, "all", bad="none"),
    Figure("csat", "CSAT (good of rated)", "share", lambda t: t.csat,
           lambda t: t.good, lambda t: t.rated, "good", "rated", bad="low"),
    Figure("low_csat", "Low ratings (of rated)", "share", lambda t: share_of(t.low, t.rated),
           lambda t: t.low, lambda t: t.rated, "low", "rated"),
    Figure("response_rate", "Rating response rate", "share", lambda t: t.response_rate,
           lambda t: t.rated, lambda t: t.conversations, "rated", bad="low"),
    Figure("mean_five", "Mean of 1–5 ratings", "mean", lambda t: t.mean_five,
           lambda t: t.rated_five, _none, "five", bad="low"),
    Figure("fcr", "First contact resolution", "share", lambda t: t.fcr,
           lambda t: t.first_contact, lambda t: t.resolved, "first_contact", "fcr_resolved",
           bad="low"),
    Figure("median_first_response", "Median first response", "seconds",
           lambda t: t.median_first_response, lambda t: t.first_response_count, _none, "all"),
    Figure("median_resolution", "Median time to resolution", "seconds",
           lambda t: t.median_resolution, lambda t: t.resolution_count, _none, "resolved"),
    Figure("repeat_rate", "Repeat contacts", "share", lambda t: t.repeat_rate,
           lambda t: t.repeats, lambda t: t.conversations, "repeat"),
    Figure("unhappy_share", "Early warnings", "share", lambda t: t.unhappy_share,
           lambda t: t.unhappy, lambda t: t.conversations, "unhappy"),
    Figure("escalating_share", "Escalating", "share", lambda t: t.escalating_share,
           lambda t: t.escalating, lambda t: t.conversations, "escalating"),
    Figure("turnarounds", "Turnarounds", "count", lambda t: t.turnarounds,
           lambda t: t.turnarounds, _none, "turnaround", bad="low"),
)  # fmt: skip
BY_KEY = {f.key: f for f in FIGURES}


def share_of(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def raw(value: Value) -> float | int | None:
    """A number as the API and CSV give it: shares and means to 4 places, counts exact."""
    if isinstance(value, float):
        return round(value, 4)
    return value


def fmt(figure: Figure, value: Value) -> str:
    """A number as the page shows it."""
    if value is None:
        return "—"
    if figure.kind == "share":
        return f"{100 * value:.1f}%"
    if figure.kind == "mean":
        return f"{value:.2f}"
    if figure.kind == "seconds":
        return duration(float(value))
    return f"{int(value):,}"


def duration(seconds: float) -> str:
    """Seconds in the unit a person reads them in: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


# --- Tables (rows of plain values: the CSV, and the API's items) ------------------------------

Table = tuple[list[str], list[list[Any]]]


# What a figure's raw value is, for the CSV and the API: the page shows "8 min" and "62.5%",
# a file holds 494.48 and 0.625, which read as minutes and percent without a unit beside them.
UNITS = {
    "count": "count",
    "share": "share (0 to 1)",
    "mean": "mean (1 to 5)",
    "seconds": "seconds",
}


def summary_table(board: Dashboard) -> Table:
    header = ["figure", "label", "current", "count", "base", "previous", "previous_count",
              "previous_base", "unit"]  # fmt: skip
    rows = [
        [
            f.key,
            f.label,
            raw(f.value(board.current)),
            f.count(board.current),
            f.base(board.current),
            raw(f.value(board.previous)),
            f.count(board.previous),
            f.base(board.previous),
            UNITS[f.kind],
        ]
        for f in FIGURES
    ]
    return header, rows


def channel_table(board: Dashboard) -> Table:
    channels = sorted(set(board.current.by_channel) | set(board.previous.by_channel))
    rows = [
        [c, board.current.by_channel.get(c, 0), board.previous.by_channel.get(c, 0)]
        for c in channels
    ]
    return ["channel", "conversations", "previous"], rows


def weekly_table(board: Dashboard) -> Table:
    """One row a week, Monday to Sunday; ``running`` marks the week not over yet (so far)."""
    header = ["week_start", "week_end", "running"]
    for f in FIGURES:
        name = f"{f.key}_seconds" if f.kind == "seconds" else f.key  # no unit column here
        header += [name, f"previous_{name}"]
    rows = []
    for week in board.weeks:
        row: list[Any] = [week.start.isoformat(), week.end.isoformat(), unfinished(week.end)]
        for f in FIGURES:
            row += [raw(f.value(week.current)), raw(f.value(week.previous))]
        rows.append(row)
    return header, rows


def emotion_table(board: Dashboard) -> Table:
    rows = [[e, n, board.previous_emotions.get(e, 0)] for e, n in board.emotions]
    return ["emotion", "customer_turns", "previous"], rows


def hotspot_table(report: HotspotReport) -> Table:
    header = ["kind", "product", "value", "conversations", "unhappy", "unhappy_rate",
              "rest_conversations", "rest_unhappy", "rest_unhappy_rate", "unhappy_p",
              "unhappy_alarm", "rated", "low", "low_rate", "rest_rated", "rest_low",
              "rest_low_rate", "low_p", "low_alarm"]  # fmt: skip
    rows = [
        [
            g.kind,
            g.product or "",
            g.value,
            g.n,
            g.unhappy,
            raw(g.unhappy_rate),
            g.rest_n,
            g.rest_unhappy,
            raw(g.rest_unhappy_rate),
            raw(g.unhappy_p),
            g.unhappy_alarm,
            g.rated,
            g.low,
            raw(g.low_rate),
            g.rest_rated,
            g.rest_low,
            raw(g.rest_low_rate),
            raw(g.low_p),
            g.low_alarm,
        ]
        for g in report.groups
    ]
    return header, rows


def exposure_table(exposure: TeamExposure) -> Table:
    header = ["week_start", "members", "low", "median", "high", "praise_median", "heavy"]
    rows = [
        [w.start.date().isoformat(), w.members, w.low, w.median, w.high, w.praise_median, w.heavy]
        for w in exposure.weeks
    ]
    return header, rows


TABLES = ("summary", "channels", "weekly", "emotions", "hotspots", "exposure")


def build_table(
    session: Session,
    *,
    window_days: int,
    actor: User,
    filters: InsightFilters,
    table: str,
    weeks: ExposureWeeks | None = None,
) -> Table:
    """One named table for ``actor``: the CSV's and the API's common source. Exposure reads
    whole ``weeks`` (by default the last twelve), as its page does, not the filters' days."""
    if table == "hotspots":
        return hotspot_table(hotspots(session, actor=actor, filters=filters))
    if table == "exposure":
        team_id = scoped(session, actor, filters).team_id or actor.team_id
        if team_id is None:
            raise InvalidInput("choose a team: add ?team=ID")
        if weeks is None:
            return exposure_table(team_exposure(session, actor=actor, team_id=team_id))
        found = team_exposure(
            session, actor=actor, team_id=team_id, until=weeks.until, weeks=weeks.count
        )
        return exposure_table(found)
    builders = {
        "summary": summary_table,
        "channels": channel_table,
        "weekly": weekly_table,
        "emotions": emotion_table,
    }
    if table not in builders:
        raise NotFound(f"no table {table!r}; tables: {', '.join(TABLES)}")
    board = dashboard(session, actor=actor, filters=filters, window_days=window_days)
    return builders[table](board)
