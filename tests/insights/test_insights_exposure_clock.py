"""Exposure and the digest count their weeks at the weeks' clock, :func:`poise.web.weeks.clock`.

They took their weeks from the real date while their week labels and the other insights pages
read the clock: with the day fixed (a Wednesday in March), the exposure pages still ended on the
real week, with no "so far" week, and the digest offered the real last week.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import WINDOW_DAYS, add_conversations
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.insights.rollup import count_all
from poise.web import weeks

NOW = datetime(2026, 3, 11, 15, tzinfo=UTC)  # a Wednesday: its week holds three days so far
MONDAY = "2026-03-09"


@pytest.fixture
def wednesday(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(weeks, "clock", lambda: NOW)
    yield


def _token(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


@pytest.mark.usefixtures("wednesday")
def test_the_exposure_weeks_end_on_the_clocks_week(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead", team="A")
    agent = make_user(session, team="A")
    add_conversations(
        session, n=3, opened=NOW - timedelta(days=8), assignee_id=agent.id, negativity=0.9
    )
    count_all(session, window_days=WINDOW_DAYS)

    for user, url in ((agent, "exposure"), (lead, "exposure/team")):
        found = client.get(f"/api/v1/insights/{url}", headers=_token(session, user)).json()
        last = found["weeks"][-1]
        assert (len(found["weeks"]), last["week_start"], last["running"]) == (12, MONDAY, True)

    for user, url in ((agent, "/insights/exposure"), (lead, "/insights/exposure/team")):
        client.cookies.clear()
        sign_in(client, user)
        page = client.get(url).text
        assert 'name="end" value="2026-03-11"' in page, url
        assert re.search(r"<td>09 – 11 Mar \(so far\)</td>", page), url
    exported = client.get("/insights/export/exposure.csv")
    assert "poise-exposure-2025-12-22-2026-03-15.csv" in exported.headers["content-disposition"]

    digest = client.get("/insights/digest").text
    assert "Monday 2026-03-02 – Sunday 2026-03-08" in digest
