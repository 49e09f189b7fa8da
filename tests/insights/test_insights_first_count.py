"""The dashboard says "Nothing to count yet" only when nothing was counted.

A full count (``poise insights rollup``, or ``poise demo``'s) commits its conversations a
chunk at a time and writes "counted at" only at its very end, after summing the days and the
people's weeks. Stopped in between (Ctrl-C, the machine restarted), or read while it sums,
the dashboard showed every conversation's figures under "Nothing to count yet: these figures
fill in within minutes of the first conversations arriving", and nothing queued put it right.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from insights.insight_builders import WINDOW_DAYS
from poise.insights.rollup import count_all, count_queued, rollup_state

PERIOD = "start=2026-11-02&end=2026-11-08"


def _stopped(done: int, total: int) -> None:
    """Ctrl-C as the first chunk is reported: it is committed, the rest of the count is not."""
    raise KeyboardInterrupt


def test_a_full_count_stopped_before_its_end_does_not_read_as_nothing(
    client: TestClient, session: Session
) -> None:
    for k in range(3):
        make_conversation(session, start=datetime(2026, 11, 3, 9 + k, tzinfo=UTC))
    with pytest.raises(KeyboardInterrupt):
        count_all(session, window_days=WINDOW_DAYS, progress=_stopped)
    session.rollback()
    state = rollup_state(session)
    assert (state.counted_at, state.waiting) == (None, 0)  # the state the page met
    count_queued(session, window_days=WINDOW_DAYS)  # the server's minutely turn: nothing queued
    assert rollup_state(session).counted_at is None

    sign_in(client, make_user(session, role="admin"))
    page = client.get(f"/insights?{PERIOD}").text
    conversations = page.split('id="figure-conversations">')[1].split("</tr>")[0]
    assert re.search(r">3</a>", conversations), conversations  # the figures hold them
    assert 'id="insights-first-run"' not in page
    assert "Nothing to count yet" not in page
    said = " ".join(page.split('class="rollup-state"')[1].split("</p>")[0].split())
    assert "a full count has not finished" in said, said
