"""Balance: negativity absorbed against praise received, per agent and per team."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from morale_builders import heated_conversation, praised_conversation, score_turns
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.morale import queries

UNTIL = datetime(2026, 11, 20, tzinfo=UTC)


def test_weekly_counts_separate_heat_from_praise(session: Session) -> None:
    agent = make_user(session, team="Care")
    heated_conversation(session, agent, at=datetime(2026, 11, 17, 9, tzinfo=UTC))
    praised_conversation(session, agent, at=datetime(2026, 11, 10, 9, tzinfo=UTC))
    heated_conversation(session, make_user(session, team="Care"), at=UNTIL - timedelta(days=1))
    result = queries.balance(session, agent_ids=[agent.id], until=UNTIL)
    assert len(result.weeks) == 12 and result.weeks[-1] == datetime(2026, 11, 16, tzinfo=UTC)
    assert result.negativity[-1] == 2  # two customer turns at 0.5 or more that week
    assert result.praise[-2] == 2  # the green robot and the thank-you message
    assert result.totals == (2, 2)
    team = queries.balance(session, agent_ids=[agent.id, agent.id + 1], until=UNTIL)
    assert team.negativity[-1] == 4
    # One pass for many agents gives each the weeks they would have alone.
    each = queries.balances(session, agent_ids=[agent.id, agent.id + 1], until=UNTIL)
    assert each[agent.id] == result
    assert each[agent.id + 1].negativity[-1] == 2 and each[agent.id + 1].totals == (2, 0)
    assert queries.balance(session, agent_ids=[], until=UNTIL).totals == (0, 0)


def test_agents_see_their_own_balance_and_leads_the_team_aggregate(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session, team="Care")
    heated_conversation(session, agent)
    sign_in(client, agent)
    page = client.get("/morale/balance").text
    assert '<svg class="paired-bars"' in page and "Only you see this page" in page
    assert client.get("/morale/balance/team").status_code == 403

    client.cookies.clear()
    lead = make_user(session, role="lead", team="Care")
    sign_in(client, lead)
    team_page = client.get("/morale/balance/team")
    assert team_page.status_code == 200 and "The whole team together" in team_page.text
    other_team = make_user(session, role="lead", team="Billing").team_id
    assert client.get(f"/morale/balance/team?team={other_team}").status_code == 403


def test_a_heavy_stretch_points_the_team_to_its_kudos_not_the_lead_s_own_file(
    client: TestClient, session: Session
) -> None:
    """The team page offered "here's a pick-me-up": the lead's own Happy File, often empty."""
    agent = make_user(session, team="Care")
    heated_conversation(session, agent)
    sign_in(client, agent)
    own = client.get("/morale/balance").text.split("A heavy stretch.", 1)[1]
    assert '<a href="/morale/happy-file/pick-me-up">' in own.split("</p>", 1)[0]
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="Care"))
    team = client.get("/morale/balance/team").text.split("A heavy stretch.", 1)[1]
    said = team.split("</p>", 1)[0]
    assert '<a href="/morale/kudos">' in said and "pick-me-up" not in said


def test_one_negative_turn_is_counted_in_the_singular(client: TestClient, session: Session) -> None:
    """The totals read "1 negative turns absorbed" for a single turn."""
    agent = make_user(session, team="Care")
    conv = heated_conversation(session, agent)
    score_turns(session, conv, {"h1": (0.1, "neutral")})  # one turn of the two reads negative
    sign_in(client, agent)
    page = client.get("/morale/balance").text
    assert "1 negative turn absorbed" in page and "1 negative turns" not in page
    assert "over 12 weeks" in page


def test_balance_with_nothing_in_its_weeks_says_so_in_a_sentence(
    client: TestClient, session: Session
) -> None:
    """Twelve weeks with no negative turn and no praise drew an all-zero chart over a table of
    zeros ("0 negative turns absorbed · 0 praise received"): one sentence says it instead."""
    lead = make_user(session, role="lead", team="Quiet")
    sign_in(client, lead)
    for url, whose in (
        ("/morale/balance", "your weeks fill in"),
        ("/morale/balance/team", "the team&#39;s weeks fill in"),
    ):
        page = client.get(url).text
        assert "No negative customer turns and no praise in the last 12 weeks" in page, url
        assert whose in page, url
        assert "<table" not in page and "<svg" not in page and "0 negative turns" not in page


def test_the_week_still_running_is_marked_so_far(client: TestClient, session: Session) -> None:
    """The last of the twelve weeks is the one still running: on a Monday its handful of turns
    drew as a cliff beside last week's full count, read as a calm week and not one just begun."""
    agent = make_user(session, team="Care")
    heated_conversation(session, agent)
    sign_in(client, agent)
    this_week = queries.week_start(datetime.now(UTC))
    for url in ("/morale/balance", "/morale/balance/team"):
        if url.endswith("team"):
            client.cookies.clear()
            sign_in(client, make_user(session, role="lead", team="Care"))
        page = client.get(url).text
        assert re.search(rf"<td>{this_week:%d}[^<]* \(so far\)</td>", page), url  # its days yet
        assert f"<td>{this_week - timedelta(weeks=1):%d %b}</td>" in page, url
        chart = page.split('<svg class="paired-bars"')[1].split("</svg>")[0]
        assert re.search(r'class="week[^"]*">so far</text>', chart), url
        assert f">{this_week:%d %b}</text>" not in chart
