"""The week still running is compared fairly: its days so far against the same days of its twin.

The default period ends on the coming Sunday, so on a Tuesday its last week holds two days. It
was compared with the whole twin week and the whole previous period: steady traffic (two
conversations a day) read 4 against 14 in the running week and 46 against 56 over the period,
a collapse that never happened, on the page, in the API and in the CSV. The day is fixed here
(a Tuesday) at the weeks' clock, :func:`poise.web.weeks.clock`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import add_conversations
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.web import weeks

NOW = datetime(2026, 12, 8, 15, tzinfo=UTC)  # a Tuesday: the running week has two days so far
FIRST = date(2026, 11, 16)  # the default period: Monday 16 Nov to Sunday 13 Dec
COMPARED = (date(2026, 10, 19), date(2026, 11, 10))  # the same 23 days, four weeks earlier
SLOW_DAYS = (date(2026, 11, 11), date(2026, 11, 15))  # their twins are still to come


@pytest.fixture
def tuesday(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(weeks, "clock", lambda: NOW)
    yield


def _steady(session: Session, agent: User) -> None:
    """Two conversations a day, one of them unhappy, answered in 5 minutes, from the previous
    period's first day to today; the previous period's last five days (whose twins are still
    to come) are worse: both unhappy, answered in an hour."""
    day = COMPARED[0]
    while day <= NOW.date():
        slow = SLOW_DAYS[0] <= day <= SLOW_DAYS[1]
        add_conversations(
            session,
            n=2,
            opened=datetime.combine(day, time(10), tzinfo=UTC),
            assignee_id=agent.id,
            unhappy=2 if slow else 1,
            first_reply=timedelta(hours=1 if slow else 0, minutes=0 if slow else 5),
        )
        day += timedelta(days=1)


def _token(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get(url).text)))


@pytest.mark.usefixtures("tuesday")
def test_steady_traffic_reads_steady_while_the_week_runs(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    _steady(session, agent)
    headers = _token(session, admin)

    for query in ("", f"?assignee={agent.id}"):  # the day aggregate, and the facts (SQL medians)
        api = client.get(f"/api/v1/insights/dashboard{query}", headers=headers).json()
        assert (api["filters"]["start"], api["filters"]["end"]) == ("2026-11-16", "2026-12-13")
        last = api["weeks"][-1]
        assert (last["current"]["conversations"], last["previous"]["conversations"]) == (4, 4)
        assert (last["week_start"], last["week_end"], last["running"]) == (
            "2026-12-07",
            "2026-12-08",
            True,
        )
        assert last["previous"]["unhappy_share"] == 0.5
        assert last["previous"]["median_first_response"] == 300.0
        figures = {f["figure"]: f for f in api["figures"]}
        assert (figures["conversations"]["current"], figures["conversations"]["previous"]) == (
            46,
            46,
        )
        assert figures["unhappy_share"]["previous"] == 0.5
        assert figures["median_first_response"]["previous"] == 300.0
        assert (api["counted_end"], api["previous_start"], api["previous_end"]) == (
            "2026-12-08",
            *(d.isoformat() for d in COMPARED),
        )

    hotspots = client.get("/api/v1/insights/hotspots", headers=headers).json()
    assert hotspots["pervasive"]["previous_unhappy_rate"] == 0.5

    sign_in(client, admin)
    weekly = _csv(client, "/insights/export/weekly.csv")
    assert (weekly[-1]["week_end"], weekly[-1]["running"]) == ("2026-12-08", "True")
    assert (weekly[-1]["conversations"], weekly[-1]["previous_conversations"]) == ("4", "4")
    summary = {r["figure"]: r for r in _csv(client, "/insights/export/summary.csv")}
    assert (summary["conversations"]["current"], summary["conversations"]["previous"]) == (
        "46",
        "46",
    )
    assert [
        (r["conversations"], r["previous"]) for r in _csv(client, "/insights/export/channels.csv")
    ] == [("46", "46")]


@pytest.mark.usefixtures("tuesday")
def test_the_page_marks_the_days_so_far_and_what_they_are_compared_with(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    _steady(session, agent)
    sign_in(client, admin)

    page = client.get("/insights").text
    previous = page.split('id="figure-conversations">')[1].split("</tr>")[0]
    assert ">46</a>" in previous.split("<td")[3]
    assert "start=2026-10-19&amp;end=2026-11-10" in previous  # its drill-down: the same days
    lede = page.split('id="period">')[1].split("</p>")[0]
    assert "2026-11-16 – 2026-12-13, so far 2026-11-16 – 2026-12-08 (23 of 28 days)" in lede
    assert "against the same days one period earlier (2026-10-19 – 2026-11-10)" in lede

    rows = re.findall(r"<tr><td>([^<]+)</td>", page.split("<h2>Week by week")[1])
    assert rows[-1] == "2026-12-07 – 2026-12-08 (so far)"
    assert all("so far" not in row for row in rows[:-1])

    hotspots = client.get("/insights/hotspots").text
    assert "2026-11-16 – 2026-12-13 (so far, to Tue 8 Dec)" in hotspots
    assert "overall against the same days of the previous period" in hotspots
    signals = client.get("/signals").text  # the same days, under the same clock
    assert "this one so far (16 Nov – Tue 8 Dec 2026)" in signals  # "so far" said once


@pytest.mark.usefixtures("tuesday")
def test_a_period_that_is_over_is_compared_whole(client: TestClient, session: Session) -> None:
    """The fair comparison cuts only a period still running: last week meets its whole twin."""
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    _steady(session, agent)

    api = client.get(
        "/api/v1/insights/dashboard?start=2026-11-30&end=2026-12-06", headers=_token(session, admin)
    ).json()
    assert [w["running"] for w in api["weeks"]] == [False]
    figures = {f["figure"]: f for f in api["figures"]}
    assert (figures["conversations"]["current"], figures["conversations"]["previous"]) == (
        14,
        14,
    )
    assert (api["counted_end"], api["previous_end"]) == ("2026-12-06", "2026-11-29")


def test_the_exposure_and_balance_weeks_name_the_running_weeks_days() -> None:
    """Exposure's and the balance's tables read "07 Dec (so far)" on a Tuesday too: a reader
    could not tell two days from six."""
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    assert weeks.week_label(monday, now=datetime(2026, 11, 30, 9, tzinfo=UTC)) == "30 Nov (so far)"
    assert weeks.week_label(monday, now=datetime(2026, 12, 1, 9, tzinfo=UTC)) == (
        "30 Nov – 01 Dec (so far)"
    )
    assert weeks.week_label(monday + timedelta(weeks=1), now=NOW) == "07 – 08 Dec (so far)"
    assert weeks.week_label(monday, now=NOW) == "30 Nov"


@pytest.mark.usefixtures("tuesday")
def test_a_period_still_to_come_counts_nothing_and_says_so(
    client: TestClient, session: Session
) -> None:
    """A period wholly after today has no day to count: no weeks, nothing compared."""
    admin = make_user(session, role="admin")
    agent = make_user(session, team="A")
    _steady(session, agent)
    query = "start=2026-12-14&end=2026-12-20"
    api = client.get(f"/api/v1/insights/dashboard?{query}", headers=_token(session, admin))
    assert api.status_code == 200
    body = api.json()
    assert (body["counted_end"], body["previous_end"], body["weeks"]) == (None, None, [])
    figures = {f["figure"]: f for f in body["figures"]}
    assert (figures["conversations"]["current"], figures["conversations"]["previous"]) == (0, 0)
    sign_in(client, admin)
    page = client.get(f"/insights?{query}")
    assert page.status_code == 200
    assert "so far none of its 7 days" in page.text


def test_a_week_of_one_day_so_far_names_its_day_once(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a Monday the week still running read "2026-12-07 – 2026-12-07 (so far)", a span from
    a day to itself: it names its one day, as exposure's "07 Dec (so far)" does."""
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    monkeypatch.setattr(weeks, "clock", lambda: monday)
    admin = make_user(session, role="admin")
    add_conversations(session, n=1, opened=monday, assignee_id=make_user(session, team="A").id)
    sign_in(client, admin)
    page = client.get("/insights").text
    rows = re.findall(r"<tr><td>([^<]+)</td>", page.split("<h2>Week by week")[1])
    assert rows[-2:] == ["2026-11-30 – 2026-12-06", "2026-12-07 (so far)"]
    one_day = client.get("/insights?start=2026-12-01&end=2026-12-01").text
    assert re.findall(r"<tr><td>([^<]+)</td>", one_day.split("<h2>Week by week")[1]) == [
        "2026-12-01"
    ]
