"""The balance counts its weeks at the weeks' clock, :func:`poise.web.weeks.clock`.

Its weeks came from the real date while its week labels read the clock: with the day fixed (a
Wednesday in March), the page still ended on the real week, its "so far" label on a week the
clock had not reached, and the turns of the clock's week were not counted at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from insights.insight_builders import WINDOW_DAYS
from morale_builders import heated_conversation
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.insights.rollup import count_all
from poise.web import weeks

NOW = datetime(2026, 3, 11, 15, tzinfo=UTC)  # a Wednesday: its week holds three days so far


@pytest.fixture
def wednesday(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(weeks, "clock", lambda: NOW)
    yield


def _last_row(page: str) -> str:
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", page.split('class="balance-table"')[1])
    return rows[-1]


@pytest.mark.usefixtures("wednesday")
@pytest.mark.parametrize("rolled_up", [False, True], ids=["from-messages", "from-rollup"])
def test_the_balance_weeks_end_on_the_clocks_week(
    client: TestClient, session: Session, rolled_up: bool
) -> None:
    """Counted from the messages or kept by the insights rollup, the last week is the clock's,
    labelled with its days so far and holding its turns."""
    lead = make_user(session, role="lead", team="A")
    heated_conversation(session, lead, at=NOW - timedelta(hours=3))
    if rolled_up:
        count_all(session, window_days=WINDOW_DAYS)

    sign_in(client, lead)
    for url in ("/morale/balance", "/morale/balance/team"):
        page = client.get(url).text
        assert 'id="balance-empty"' not in page, url  # the clock's week holds two turns
        last = _last_row(page)
        assert last.startswith("09 – 11 Mar (so far)</td>"), (url, last)
        assert '<td class="num">2</td>' in last, (url, last)  # the two heated turns
