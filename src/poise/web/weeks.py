"""Labels for the week-by-week pages (balance, exposure): the week still running says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SO_FAR = "so far"
"""A chart's label for the week still running: the slot under a bar holds six characters."""


def running(start: datetime, now: datetime | None = None) -> bool:
    """Whether the week starting at ``start`` has not ended yet."""
    return start + timedelta(weeks=1) > (now or datetime.now(UTC))


def week_label(start: datetime, now: datetime | None = None) -> str:
    """A table's "07 Dec", or "07 Dec (so far)" for the week still running.

    Why: these pages end on the current week, and its few days' counts read like a finished,
    calm week beside last week's full one (on a Monday, 4 negative turns after 18).
    """
    label = f"{start:%d %b}"
    return f"{label} ({SO_FAR})" if running(start, now) else label


def chart_week(start: datetime, now: datetime | None = None) -> str:
    """A chart's "07 Dec", or "so far" under the week still running."""
    return SO_FAR if running(start, now) else f"{start:%d %b}"
