"""The insights weeks run Monday to Sunday, as the balance, exposure and digest weeks do, on the
page, in the API and in the CSV; the default period is the last four whole weeks, this one so
far; and the Signals page counts the same days under the same name, so a lead reads one story.

A walk of the demo found the week-by-week rows cut in 7-day slices from the period's first day
(Tuesday to Monday on a Monday), and the Signals page counting 30 days of "early warnings"
where Insights counted 28 days of "unhappy openings": 124 turnarounds against 114.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import add_conversations
from poise.auth.actions import create_api_token
from poise.auth.models import User

PERIOD = "start=2026-11-03&end=2026-11-16"  # Tuesday to Monday: two weeks cut at Mondays


def _at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10), tzinfo=UTC)


def _token(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get(url).text)))


def test_a_period_is_cut_into_monday_to_sunday_weeks_on_page_api_and_csv(
    client: TestClient, session: Session
) -> None:
    """A period from a Tuesday keeps its own days of the first week: the rows end on Sundays,
    and each week is compared with the same days one period earlier."""
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    for day, n, minutes in (
        ("2026-11-03", 1, 5),
        ("2026-11-08", 2, 5),
        ("2026-11-09", 3, 10),
        ("2026-11-16", 4, 20),
    ):
        add_conversations(
            session,
            n=n,
            opened=_at(day),
            assignee_id=agent.id,
            unhappy=n,
            first_reply=timedelta(minutes=minutes),
        )
    for day in ("2026-10-26", "2026-11-02"):  # the previous period: Oct 20 to Nov 2
        add_conversations(session, n=1, opened=_at(day), assignee_id=agent.id)

    api = client.get(f"/api/v1/insights/dashboard?{PERIOD}", headers=_token(session, admin))
    weeks = api.json()["weeks"]
    spans = [(w["week_start"], w["week_end"]) for w in weeks]
    assert spans == [
        ("2026-11-03", "2026-11-08"),
        ("2026-11-09", "2026-11-15"),
        ("2026-11-16", "2026-11-16"),
    ]
    assert [w["current"]["conversations"] for w in weeks] == [3, 3, 4]
    assert [w["previous"]["conversations"] for w in weeks] == [0, 1, 1]
    assert [w["running"] for w in weeks] == [False, False, False]
    # the medians too, also where PostgreSQL buckets the days in SQL (an assignee's facts)
    mine = client.get(
        f"/api/v1/insights/dashboard?{PERIOD}&assignee={agent.id}", headers=_token(session, admin)
    ).json()["weeks"]
    assert [w["current"]["conversations"] for w in mine] == [3, 3, 4]
    medians = [300.0, 600.0, 1200.0]
    assert [w["current"]["median_first_response"] for w in weeks] == medians
    assert [w["current"]["median_first_response"] for w in mine] == medians

    sign_in(client, admin)
    rows = _csv(client, f"/insights/export/weekly.csv?{PERIOD}")
    assert [(r["week_start"], r["week_end"]) for r in rows] == spans
    assert [int(r["conversations"]) for r in rows] == [3, 3, 4]
    assert [r["running"] for r in rows] == ["False", "False", "False"]

    page = client.get(f"/insights?{PERIOD}").text
    assert "(14 days)" in page  # a period that is over says nothing of "so far"
    table = page.split("<h2>Week by week")[1]
    assert re.findall(r"<tr><td>([^<]+)</td>", table) == [
        "2026-11-03 – 2026-11-08",
        "2026-11-09 – 2026-11-15",
        "2026-11-16",  # a week of one day names it once
    ]
    hotspot = client.get(f"/insights/hotspot?{PERIOD}&kind=product&value=Router").text
    trend = hotspot.split("<desc>")[1].split("</desc>")[0]
    assert "03 Nov" in trend and "09 Nov" in trend and "16 Nov" in trend
    assert "10 Nov" not in trend


def test_the_default_period_is_the_last_four_whole_weeks_this_one_so_far(
    client: TestClient, session: Session
) -> None:
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=3)
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    add_conversations(session, n=2, opened=_at(first.isoformat()), assignee_id=agent.id)
    add_conversations(session, n=1, opened=_at(monday.isoformat()), assignee_id=agent.id)

    api = client.get("/api/v1/insights/dashboard", headers=_token(session, admin)).json()
    assert (api["filters"]["start"], api["filters"]["end"]) == (
        first.isoformat(),
        (monday + timedelta(days=6)).isoformat(),
    )
    starts = [date.fromisoformat(w["week_start"]) for w in api["weeks"]]
    assert starts == [first + timedelta(weeks=k) for k in range(4)]
    assert [w["running"] for w in api["weeks"]] == [False, False, False, True]
    assert [w["current"]["conversations"] for w in api["weeks"]] == [2, 0, 0, 1]

    sign_in(client, admin)
    page = client.get("/insights").text
    rows = re.findall(r"<tr><td>([^<]+)</td>", page.split("<h2>Week by week")[1])
    covers = f"{today}" if today == monday else f"{monday} – {today}"  # the days it covers yet
    assert rows[-1] == f"{covers} (so far)"
    assert all("so far" not in row for row in rows[:-1])
    days = (today - first).days + 1
    assert (
        f"{first} – {monday + timedelta(days=6)}, so far {first} – {today} ({days} of 28 days)"
        in page
    )  # the lede
    assert [r["running"] for r in _csv(client, "/insights/export/weekly.csv")][-1] == "True"


def _signals_counts(page: str) -> dict[str, int]:
    found = re.findall(r"<strong>([\d,]+)</strong>([a-z ]+)</a>", page)
    return {name: int(n.replace(",", "")) for n, name in found}


def test_signals_counts_the_insights_weeks_under_the_insights_names(
    client: TestClient, session: Session
) -> None:
    """The same kind of figure reads the same on both pages: Signals counts from the first
    Monday of the dashboard's default period, and both call the flag by its one name, early
    warning (Signals said "unhappy openings", the assist panel, alerts and docs "early
    warning")."""
    now = datetime.now(UTC)
    first = now.date() - timedelta(days=now.weekday(), weeks=3)
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    inside = datetime.combine(first, time(1), tzinfo=UTC)
    add_conversations(session, n=3, opened=inside, assignee_id=agent.id, unhappy=2, turnarounds=1)
    for before in (timedelta(days=1), timedelta(days=8)):  # within 30 days, before the weeks
        add_conversations(
            session, n=1, opened=inside - before, assignee_id=agent.id, unhappy=1, turnarounds=1
        )

    api = client.get("/api/v1/insights/dashboard", headers=_token(session, admin)).json()
    figures = {f["figure"]: f for f in api["figures"]}
    sign_in(client, admin)
    page = client.get("/signals").text
    counts = _signals_counts(page)
    assert counts["conversations"] == figures["conversations"]["current"] == 3
    assert counts["early warnings"] == figures["unhappy_share"]["count"] == 2
    assert counts["turnarounds"] == figures["turnarounds"]["current"] == 1
    assert "unhappy openings" not in counts
    assert figures["unhappy_share"]["label"] == "Early warnings"
    assert f"opened_from={first.isoformat()}" in page
    assert "the last four weeks" in page and "30 days" not in page
