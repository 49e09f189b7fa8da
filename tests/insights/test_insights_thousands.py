"""The insights tables group thousands as their headline figures do.

The dashboard read "3,000" conversations beside "1343 of 3000" rated, "n = 2989" and a
channel's "1134": one page, two ways of writing a number. Every count now reads 1,001.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import add_conversations

OPENED = datetime(2026, 11, 3, 10, tzinfo=UTC)  # a Tuesday of a week long over
QUERY = "start=2026-11-02&end=2026-11-08"


def test_every_count_of_a_thousand_or_more_is_grouped(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    add_conversations(
        session, n=1001, opened=OPENED, assignee_id=agent.id, ratings=[("three", 3)] * 1001
    )
    sign_in(client, admin)

    page = client.get(f"/insights?{QUERY}").text
    cells = re.sub(r"<[^>]+>", "", page)
    assert "1,001 of 1,001" in cells  # CSAT's count of rated
    assert "n = 1,001" in cells  # the median first response's
    assert not re.search(r"(?<![\d,])1001(?!\d)", cells), "a count left ungrouped"

    hotspots = re.sub(r"<[^>]+>", "", client.get(f"/insights/hotspots?{QUERY}").text)
    assert not re.search(r"(?<![\d,])1001(?!\d)", hotspots), "a count left ungrouped"


def test_an_overlong_period_says_how_many_days_it_has(client: TestClient, session: Session) -> None:
    """Refused with "2023-01-02 to 2026-11-08 is 1407": a bare number, of no unit."""
    sign_in(client, make_user(session, role="admin"))
    refused = client.get("/insights?start=2023-01-02&end=2026-11-08")
    assert refused.status_code == 400
    error = refused.text.split('id="start-error">')[1].split("</span>")[0]
    assert "a period is at most 366 days: 2023-01-02 to 2026-11-08 is 1,407 days" in error
