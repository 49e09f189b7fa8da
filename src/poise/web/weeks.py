"""Weeks as every page counts them, Monday to Sunday (UTC), and their labels: the week still
running says so (balance, exposure, insights' week by week)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

SO_FAR = "so far"
"""A chart's label for the week still running: the slot under a bar holds six characters."""


def clock() -> datetime:
    """Now, as every "so far" is measured: one place, so a test can set the day it runs on."""
    return datetime.now(UTC)


def today() -> date:
    """The day still running (UTC): the last day a period's figures can count so far."""
    return clock().date()


def running(start: datetime, now: datetime | None = None) -> bool:
    """Whether the week starting at ``start`` has not ended yet."""
    return start + timedelta(weeks=1) > (now or clock())


def week_label(start: datetime, now: datetime | None = None) -> str:
    """A table's "07 Dec", or for the week still running its days so far: "07 Dec (so far)"
    on its Monday, "07 – 08 Dec (so far)" on its Tuesday.

    Why: these pages end on the current week, and its few days' counts read like a finished,
    calm week beside last week's full one (on a Monday, 4 negative turns after 18); the days
    say how few.
    """
    label = f"{start:%d %b}"
    if not running(start, now):
        return label
    day = (now or clock()).date()
    if day <= start.date():
        return f"{label} ({SO_FAR})"
    first = f"{start:%d}" if day.month == start.month else label
    return f"{first} – {day:%d %b} ({SO_FAR})"


def chart_week(start: datetime, now: datetime | None = None) -> str:
    """A chart's "07 Dec", or "so far" under the week still running."""
    return SO_FAR if running(start, now) else f"{start:%d %b}"


RECENT_WEEKS = 4
"""The default stretch of the insights pages and of the Signals page's counts, in weeks."""


def monday(day: date) -> date:
    """The Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


def recent_weeks(today: date) -> tuple[date, date]:
    """The first Monday and the last Sunday of the last four weeks, this one (still running) the
    last: 28 days.

    Why whole weeks: the insights dashboard cuts its period into weeks, and a period of the
    last 28 days cut from its first day ran Tuesday to Monday on a Monday, unlike the balance,
    exposure and digest weeks. The Signals page counts the same days, so an early-warning or
    turnaround count reads the same on both pages; the period before is four whole weeks too.
    """
    first = monday(today) - timedelta(weeks=RECENT_WEEKS - 1)
    return first, first + timedelta(weeks=RECENT_WEEKS, days=-1)


def week_spans(first: date, last: date) -> list[tuple[date, date]]:
    """The Monday-to-Sunday weeks from ``first`` to ``last`` (both included), each as its first
    and last day; a period that starts or ends inside a week keeps only its own days of it."""
    spans: list[tuple[date, date]] = []
    at = first
    while at <= last:
        end = min(monday(at) + timedelta(days=6), last)
        spans.append((at, end))
        at = end + timedelta(days=1)
    return spans


def unfinished(last: date, now: datetime | None = None) -> bool:
    """Whether the days up to ``last`` (included) are not all over yet."""
    return datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC) > (now or clock())


def span_label(first: date, last: date, now: datetime | None = None) -> str:
    """A table's "2026-11-30 – 2026-12-06", with " (so far)" while its last day is to come; a
    span of one day (a week on its Monday, a one-day period) names that day once."""
    label = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
    return f"{label} ({SO_FAR})" if unfinished(last, now) else label


def chart_span(first: date, last: date, now: datetime | None = None) -> str:
    """A chart's "30 Nov", or "so far" under the week still running."""
    return SO_FAR if unfinished(last, now) else f"{first:%d %b}"


def period_label(first: date, last: date, now: datetime | None = None) -> str:
    """A period's "2026-11-16 – 2026-12-13", with " (so far, to Tue 8 Dec)" while it runs: its
    figures count the days up to today, not the whole period its dates name."""
    label = f"{first.isoformat()} – {last.isoformat()}"
    if not unfinished(last, now):
        return label
    day = (now or clock()).date()
    return f"{label} ({SO_FAR}, to {day:%a} {day.day} {day:%b})" if day >= first else label
