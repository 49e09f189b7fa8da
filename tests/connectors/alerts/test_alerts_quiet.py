"""Quiet hours in the rule's own time zone: overnight windows, daytime windows, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from poise.connectors.alerts.quiet import parse_clock, parse_zone, quiet_until
from poise.errors import InvalidInput


@pytest.mark.parametrize(
    ("now", "start", "end", "zone", "until"),
    [
        # 23:30 in Paris, 22:00–07:00: held until 07:00 Paris the next morning.
        (datetime(2026, 12, 3, 22, 30), "22:00", "07:00", "Europe/Paris", datetime(2026, 12, 4, 6)),
        # 06:59 in Paris: still the same night's window.
        (datetime(2026, 12, 4, 5, 59), "22:00", "07:00", "Europe/Paris", datetime(2026, 12, 4, 6)),
        # 07:00 in Paris: the window has ended.
        (datetime(2026, 12, 4, 6, 0), "22:00", "07:00", "Europe/Paris", None),
        # 21:59 in New York: not yet quiet.
        (datetime(2026, 12, 4, 2, 59), "22:00", "07:00", "America/New_York", None),
        # A daytime window (a team's lunch meeting), 12:00–13:30 UTC.
        (datetime(2026, 12, 4, 12, 15), "12:00", "13:30", "UTC", datetime(2026, 12, 4, 13, 30)),
        (datetime(2026, 12, 4, 13, 30), "12:00", "13:30", "UTC", None),
        # The night clocks go forward in Paris (29 March 2026): 07:00 is then 05:00 UTC.
        (datetime(2026, 3, 29, 0, 30), "22:00", "07:00", "Europe/Paris", datetime(2026, 3, 29, 5)),
        # No window at all.
        (datetime(2026, 12, 4, 2, 0), "", "", "UTC", None),
    ],
)
def test_quiet_until(
    now: datetime, start: str, end: str, zone: str, until: datetime | None
) -> None:
    expected = until.replace(tzinfo=UTC) if until else None
    assert quiet_until(now.replace(tzinfo=UTC), start, end, zone) == expected


def test_clock_times_and_zones_are_checked() -> None:
    assert parse_clock(" 7:05 ", "quiet_start") == "07:05"
    assert parse_clock("", "quiet_start") == ""
    with pytest.raises(InvalidInput, match="22:00") as refused:
        parse_clock("10pm", "quiet_end")
    assert refused.value.field == "quiet_end"
    assert parse_zone("") == "UTC"
    with pytest.raises(InvalidInput, match="Europe/Paris"):
        parse_zone("Paris")
