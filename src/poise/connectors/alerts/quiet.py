"""Quiet hours: a daily window of local time in which a rule's alerts are held, not dropped.

An alert raised in quiet hours waits until the window ends and then goes out (within the rate
limit, so a night's pile-up becomes a few alerts and one summary). Holding rather than dropping
means a VIP's angry message at 23:00 is still in the channel when the team starts at 08:00.
The window is read in the rule's own time zone, so it follows daylight saving.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from poise.errors import InvalidInput


def parse_clock(value: str, field: str) -> str:
    """``"7:30"`` → ``"07:30"``; empty stays empty (no quiet hours)."""
    text = value.strip()
    if not text:
        return ""
    try:
        return datetime.strptime(text, "%H:%M").strftime("%H:%M")
    except ValueError:
        raise InvalidInput(f"write a time of day like 22:00, not {text!r}", field=field) from None


def parse_zone(value: str) -> str:
    """A time-zone name the system knows, e.g. ``Europe/Paris``."""
    name = value.strip() or "UTC"
    if name not in available_timezones() and name != "UTC":
        raise InvalidInput(
            f"{name!r} is not a time zone name; use one like Europe/Paris or America/New_York",
            field="timezone",
        )
    return name


def quiet_until(now: datetime, start: str, end: str, zone: str) -> datetime | None:
    """When the quiet window that ``now`` falls in ends (UTC); None outside quiet hours."""
    if not start or not end or start == end:
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    begin, finish = time.fromisoformat(start), time.fromisoformat(end)
    local = now.astimezone(tz)
    clock = local.time()
    overnight = begin > finish  # e.g. 22:00–07:00
    inside = (clock >= begin or clock < finish) if overnight else begin <= clock < finish
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if overnight and clock >= begin else local.date()
    return datetime.combine(day, finish, tzinfo=tz).astimezone(UTC)
