"""The dashboard on constructed data with known answers: every figure checked on the page, in
the API and in the CSV, and each number leads to the conversations behind it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import add_conversations, customer
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.conversations.models import Conversation, Message

PERIOD = "start=2026-11-02&end=2026-11-15"
WEEK1 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
WEEK2 = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
BEFORE = datetime(2026, 10, 20, 10, 0, tzinfo=UTC)


@dataclass
class World:
    lead: User
    admin: User
    a1: User
    a2: User
    b1: User


@pytest.fixture
def world(session: Session) -> World:
    """Team A (lead, a1, a2) and team B (b1); numbers chosen so each figure is easy to check.

    Team A this period: a1 has 6 chats on Router in week 1 (2 unhappy, 1 escalating,
    1 turnaround; rated good, good, bad and 5/5), two of them from one customer two days
    apart (a repeat, and not first contact); a2 has 4 e-mails on Billing in week 2, answered
    in 10 minutes and resolved in 2 hours, one rated 2/5. Team B's 5 chats are not the lead's.
    """
    w = World(
        lead=make_user(session, role="lead", team="A"),
        admin=make_user(session, role="admin"),
        a1=make_user(session, team="A"),
        a2=make_user(session, team="A"),
        b1=make_user(session, team="B"),
    )
    add_conversations(
        session,
        n=4,
        opened=WEEK1,
        assignee_id=w.a1.id,
        unhappy=2,
        escalating=1,
        turnarounds=1,
        ratings=[("three", 3), ("three", 3), ("three", 1), ("five", 5)],
        emotion="angry",
    )
    again = customer(session).id
    add_conversations(session, n=1, opened=WEEK1, assignee_id=w.a1.id, customer_id=again)
    add_conversations(
        session, n=1, opened=WEEK1 + timedelta(days=2), assignee_id=w.a1.id, customer_id=again
    )
    add_conversations(
        session,
        n=4,
        opened=WEEK2,
        channel="email",
        product="Billing",
        assignee_id=w.a2.id,
        ratings=[("five", 2)],
        first_reply=timedelta(minutes=10),
        resolve_after=timedelta(hours=2),
    )
    add_conversations(session, n=5, opened=WEEK1, assignee_id=w.b1.id, unhappy=5)
    add_conversations(session, n=2, opened=BEFORE, assignee_id=w.a1.id, unhappy=1)
    return w


EXPECTED = {  # team A, this period
    "conversations": 10,
    "csat": 0.6,  # 3 good of 5 rated
    "low_csat": 0.4,  # bad and 2/5
    "response_rate": 0.5,
    "mean_five": 3.5,  # 5 and 2
    "fcr": 0.9,  # 9 of 10 resolved
    "median_first_response": 300.0,
    "median_resolution": 3600.0,
    "repeat_rate": 0.1,
    "unhappy_share": 0.2,
    "escalating_share": 0.1,
    "turnarounds": 1,
}


def _token(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def test_every_figure_agrees_on_page_api_and_csv(
    client: TestClient, session: Session, world: World
) -> None:
    api = client.get(
        f"/api/v1/insights/dashboard?{PERIOD}", headers=_token(session, world.lead)
    ).json()
    figures = {f["figure"]: f for f in api["figures"]}
    assert {k: figures[k]["current"] for k in EXPECTED} == EXPECTED
    assert figures["conversations"]["previous"] == 2
    assert figures["unhappy_share"]["previous"] == 0.5
    assert (figures["csat"]["count"], figures["csat"]["base"]) == (3, 5)
    assert api["filters"]["team_id"] == world.lead.team_id
    assert {c["channel"]: c["conversations"] for c in api["channels"]} == {"chat": 6, "email": 4}
    assert api["emotions"][0] == {"emotion": "neutral", "customer_turns": 6, "previous": 2}
    assert [w["current"]["conversations"] for w in api["weeks"]] == [6, 4]
    assert api["weeks"][0]["previous"]["conversations"] == 2

    sign_in(client, world.lead)
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/insights/export/summary.csv?{PERIOD}").text))
    )
    from_csv = {r["figure"]: r["current"] for r in rows}
    assert {k: float(from_csv[k]) for k in EXPECTED} == {k: float(v) for k, v in EXPECTED.items()}
    units = {r["figure"]: r["unit"] for r in rows}  # 300.0 is five minutes, not 300 minutes
    assert units["median_first_response"] == figures["median_first_response"]["unit"] == "seconds"
    assert units["csat"] == "share (0 to 1)" and units["conversations"] == "count"
    weekly = list(
        csv.DictReader(io.StringIO(client.get(f"/insights/export/weekly.csv?{PERIOD}").text))
    )
    assert [int(r["conversations"]) for r in weekly] == [6, 4]
    assert [float(r["median_first_response_seconds"]) for r in weekly] == [300.0, 600.0]

    page = client.get(f"/insights?{PERIOD}").text
    shown = dict(re.findall(r'data-figure="(\w+)" href="[^"]*">([^<]+)<', page))
    assert shown["conversations"] == "10"
    assert shown["csat"] == "60.0%"
    assert shown["fcr"] == "90.0%"
    assert shown["mean_five"] == "3.50"
    assert shown["median_first_response"] == "5 min"
    assert shown["median_resolution"] == "60 min"
    assert shown["repeat_rate"] == "10.0%"
    assert shown["unhappy_share"] == "20.0%"
    assert shown["turnarounds"] == "1"
    assert '<svg class="trend"' in page


def _drill_ids(client: TestClient, page: str, figure: str) -> list[str]:
    link = re.search(rf'data-figure="{figure}" href="([^"]+)"', page)
    assert link, figure
    listing = client.get(link.group(1).replace("&amp;", "&"))
    assert listing.status_code == 200
    return re.findall(r'href="/conversations/(\d+)"', listing.text)


def test_each_number_opens_the_conversations_behind_it(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead)
    page = client.get(f"/insights?{PERIOD}").text
    assert len(_drill_ids(client, page, "conversations")) == 10
    assert len(_drill_ids(client, page, "csat")) == 3
    assert len(_drill_ids(client, page, "fcr")) == 9
    assert len(_drill_ids(client, page, "repeat_rate")) == 1
    assert len(_drill_ids(client, page, "unhappy_share")) == 2
    assert len(_drill_ids(client, page, "escalating_share")) == 1
    filtered = client.get(f"/insights?{PERIOD}&product=Billing").text
    assert len(_drill_ids(client, filtered, "conversations")) == 4
    assert len(_drill_ids(client, filtered, "low_csat")) == 1


def test_the_emotion_mix_list_says_it_lists_conversations_not_turns(
    client: TestClient, session: Session, world: World
) -> None:
    """The mix counts customer turns (450 "satisfied" on the demo) and its number opens the
    conversations with such a turn (286): titled "Customer turns felt", the list looked wrong."""
    sign_in(client, world.lead)
    page = client.get(f"/insights/conversations?{PERIOD}&metric=emotion&value=angry").text
    assert "Conversations where a customer turn felt: angry" in page
    assert 'id="turns-not-conversations"' in page and "counts customer turns" in page
    other = client.get(f"/insights/conversations?{PERIOD}&metric=all").text
    assert 'id="turns-not-conversations"' not in other


def test_the_emotion_mix_lists_and_links_the_previous_periods_emotions_too(
    client: TestClient, session: Session, world: World
) -> None:
    """The previous column was a bare number, though the page says every number opens its
    conversations, and an emotion felt only in the previous period had no row at all."""
    add_conversations(session, n=3, opened=BEFORE, assignee_id=world.a1.id, emotion="anxious")
    sign_in(client, world.lead)
    page = client.get(f"/insights?{PERIOD}").text
    row = re.search(r"<tr><td>anxious</td>(.*?)</tr>", page)
    assert row, "an emotion felt only before has its row"
    link = re.search(r'href="([^"]+)">3</a>', row.group(1))
    assert link, row.group(1)
    listing = client.get(link.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'href="/conversations/(\d+)"', listing)) == 3
    api = client.get(
        f"/api/v1/insights/dashboard?{PERIOD}", headers=_token(session, world.lead)
    ).json()
    assert {"emotion": "anxious", "customer_turns": 0, "previous": 3} in api["emotions"]


def test_admins_see_every_team_and_can_narrow_to_one(
    client: TestClient, session: Session, world: World
) -> None:
    headers = _token(session, world.admin)
    every = client.get(f"/api/v1/insights/dashboard?{PERIOD}", headers=headers).json()
    assert {f["figure"]: f["current"] for f in every["figures"]}["conversations"] == 15
    team_b = world.b1.team_id
    one = client.get(f"/api/v1/insights/dashboard?{PERIOD}&team={team_b}", headers=headers).json()
    assert {f["figure"]: f["current"] for f in one["figures"]}["unhappy_share"] == 1.0
    by_assignee = client.get(
        f"/api/v1/insights/dashboard?{PERIOD}&assignee={world.a2.id}&channel=email",
        headers=headers,
    ).json()
    assert {f["figure"]: f["current"] for f in by_assignee["figures"]}["conversations"] == 4
    # A team that does not exist is missing, not a team with no conversations.
    for url in ("/api/v1/insights/dashboard", "/api/v1/insights/hotspots"):
        assert client.get(f"{url}?team=999999", headers=headers).status_code == 404, url
    sign_in(client, world.admin)
    assert client.get("/insights/export/summary.csv?team=999999").status_code == 404


def test_a_lead_sees_only_their_team_and_agents_see_no_dashboard(
    client: TestClient, session: Session, world: World
) -> None:
    lead = _token(session, world.lead)
    other_team = f"/api/v1/insights/dashboard?{PERIOD}&team={world.b1.team_id}"
    assert client.get(other_team, headers=lead).status_code == 403
    outsider = f"/api/v1/insights/dashboard?{PERIOD}&assignee={world.b1.id}"
    assert client.get(outsider, headers=lead).status_code == 403
    assert (
        client.get(f"/api/v1/insights/hotspots?team={world.b1.team_id}", headers=lead).status_code
        == 403
    )
    agent = _token(session, world.a1)
    assert client.get("/api/v1/insights/dashboard", headers=agent).status_code == 403
    assert client.get("/api/v1/insights/hotspots", headers=agent).status_code == 403

    sign_in(client, world.lead)
    assert client.get(f"/insights?team={world.b1.team_id}").status_code == 403
    assert client.get(f"/insights/export/summary.csv?team={world.b1.team_id}").status_code == 403
    drill = f"/insights/conversations?{PERIOD}&metric=all&team={world.b1.team_id}"
    assert client.get(drill).status_code == 403
    assert client.get(f"/insights/hotspots?team={world.b1.team_id}").status_code == 403
    one = f"/insights/hotspot?kind=product&value=Router&team={world.b1.team_id}"
    assert client.get(one).status_code == 403
    assert client.get(f"/insights/export/hotspots.csv?team={world.b1.team_id}").status_code == 403


def _menu(page: str, name: str) -> list[str]:
    """The values a filter menu of the page offers (its "Any" left out)."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, name
    return [v for v in re.findall(r'<option value="([^"]*)"', found.group(1)) if v]


def test_the_product_and_feature_menus_list_only_what_the_reader_may_see(
    client: TestClient, session: Session, world: World
) -> None:
    """A new team's lead was offered every product and feature in the organisation, naming
    what other teams' customers wrote about; now a lead's menus hold those of their team's
    conversations (none for a new team), an admin's every one."""
    add_conversations(
        session, n=2, opened=WEEK1, assignee_id=world.b1.id, product="Payroll", feature="payslips"
    )
    add_conversations(session, n=1, opened=WEEK1, assignee_id=None, product="Kiosk", feature="pin")
    add_conversations(session, n=1, opened=WEEK1, assignee_id=world.a2.id, feature="wifi")
    sign_in(client, world.lead)
    page = client.get(f"/insights?{PERIOD}").text
    assert (_menu(page, "product"), _menu(page, "feature")) == (["Billing", "Router"], ["wifi"])
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="New"))
    page = client.get(f"/insights?{PERIOD}").text
    assert (_menu(page, "product"), _menu(page, "feature")) == ([], [])
    refused = client.get("/insights?start=someday").text  # the refused filters' form as well
    assert (_menu(refused, "product"), _menu(refused, "feature")) == ([], [])
    client.cookies.clear()
    sign_in(client, world.admin)
    page = client.get(f"/insights?{PERIOD}").text
    assert _menu(page, "product") == ["Billing", "Kiosk", "Payroll", "Router"]
    assert _menu(page, "feature") == ["payslips", "pin", "wifi"]


def test_agents_are_sent_to_their_own_exposure(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.a1)
    response = client.get("/insights", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/insights/exposure"
    assert client.get("/insights/hotspots").status_code == 403
    assert client.get("/insights/conversations").status_code == 403
    assert client.get("/insights/export/summary.csv").status_code == 403


def test_bad_filters_are_refused_with_a_reason(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.admin)
    assert (
        "start must not be after end"
        in client.get("/insights?start=2026-11-10&end=2026-11-01").text
    )
    assert client.get("/insights?channel=fax").status_code == 400
    assert client.get("/insights/conversations?metric=nope").status_code == 400
    assert client.get("/insights/export/nope.csv").status_code == 404
    headers = _token(session, world.admin)
    assert client.get("/api/v1/insights/dashboard?start=soon", headers=headers).status_code == 400


def test_a_hand_edited_hotspot_or_emotion_address_answers_like_the_rest(
    client: TestClient, session: Session, world: World
) -> None:
    """A hotspot address without kind or value was a bare 422; an emotion nobody can feel
    listed "…felt: bogus" as if it were one (200, no rows)."""
    sign_in(client, world.lead)
    bare = client.get(f"/insights/hotspot?{PERIOD}&product=Router", follow_redirects=False)
    assert bare.status_code == 303  # the hotspots to pick one from, the same filters kept
    assert bare.headers["location"] == f"/insights/hotspots?{PERIOD}&product=Router"
    for address in ("/insights/hotspot?kind=product", "/insights/hotspot?value=Router"):
        moved = client.get(address, follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == "/insights/hotspots"
    assert "Hotspots" in client.get("/insights/hotspot").text
    unknown = client.get("/insights/hotspot?kind=colour&value=blue")
    assert unknown.status_code == 404 and "no kind of hotspot" in unknown.text
    for value in ("bogus", ""):
        made_up = client.get(f"/insights/conversations?{PERIOD}&metric=emotion&value={value}")
        assert made_up.status_code == 404, value
        assert "felt:" not in made_up.text and "there is no emotion" in made_up.text
        assert "angry, frustrated" in made_up.text
    angry = client.get(f"/insights/conversations?{PERIOD}&metric=emotion&value=angry")
    assert angry.status_code == 200


def test_the_api_is_documented_with_its_filters(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/v1/insights/dashboard"]["get"]["parameters"]}
    assert {"start", "end", "team", "product", "feature", "channel", "assignee", "tag"} <= params
    assert "/api/v1/insights/hotspots" in spec["paths"]
    assert "/api/v1/insights/exposure/team" in spec["paths"]


def test_an_empty_period_shows_dashes_not_zeros(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="admin"))
    page = client.get(f"/insights?{PERIOD}").text
    shown = dict(re.findall(r'data-figure="(\w+)" href="[^"]*">([^<]+)<', page))
    assert shown["conversations"] == "0"
    assert shown["csat"] == "—" and shown["median_first_response"] == "—"
    assert "No conversations in this period." in page
    no_data = page.count('text-anchor="end">no data</text>')  # counts of 0 are data
    assert no_data == page.count('<svg class="trend"') - 2
    assert "100.0%" not in page and ">1 s<" not in page  # no made-up scale for no data
    assert "Not pervasive" in client.get(f"/insights/hotspots?{PERIOD}").text


def test_a_trend_chart_labels_both_ends_of_its_scale() -> None:
    """Only the top was labelled, so a flat FCR of 89-92 % on a 0-93 % scale read as rising
    from nothing; the foot of the scale now says 0, and an empty chart claims no scale."""
    from poise.insights.charts import trend_chart

    chart = str(trend_chart(["1 Jun", "8 Jun"], [0.89, 0.92], [0.9, None], "FCR", "{:.1%}".format))
    assert 'text-anchor="end">92.0%</text>' in chart
    assert 'text-anchor="end">0</text>' in chart
    empty = str(trend_chart(["1 Jun", "8 Jun"], [None, None], [None, None], "FCR", str))
    assert 'text-anchor="end">no data</text>' in empty and ">0</text>" not in empty


def test_the_insights_tabs_mark_the_page_shown(client: TestClient, world: World) -> None:
    sign_in(client, world.lead)
    for path, name in (("/insights", "Dashboard"), ("/insights/hotspots", "Hotspots")):
        html = client.get(path).text
        marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', html)
        assert marked == [name], path


def test_the_digest_and_team_exposure_keep_the_tabs_and_the_team_picked(
    client: TestClient, world: World
) -> None:
    """An admin in no team met the digest's team picker without the insights tabs: a dead
    end with no way back but the browser's."""
    sign_in(client, world.admin)
    team = world.lead.team_id
    for path, name in (
        ("/insights/digest", "Weekly digest"),
        ("/insights/exposure/team", "Team exposure"),
    ):
        picker = client.get(path).text
        assert f'href="{path}?team={team}"' in picker  # the choice itself
        marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', picker)
        assert marked == [name], path
        assert '<a href="/insights?">Dashboard</a>' in picker
        shown = client.get(f"{path}?team={team}").text
        assert re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', shown) == [name]
        assert f'<a href="/insights?team={team}">Dashboard</a>' in shown
        for tab in ("/insights/digest", "/insights/exposure/team"):
            assert f'href="{tab}?team={team}"' in shown, (path, tab)


def test_my_exposure_keeps_a_leads_insights_tabs(client: TestClient, world: World) -> None:
    """A lead who pressed the My exposure tab lost the tabs, with no way back to the
    dashboard but the browser's; an agent, who has no other insights page, has none."""
    sign_in(client, world.lead)
    page = client.get("/insights/exposure").text
    marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page)
    assert marked == ["My exposure"]
    assert '<a href="/insights?">Dashboard</a>' in page
    client.cookies.clear()
    sign_in(client, world.a1)
    assert 'aria-label="Insights"' not in client.get("/insights/exposure").text


@pytest.mark.parametrize(
    "path",
    ["/insights", "/insights/hotspots", "/insights/conversations", "/insights/export/weekly.csv"],
)
def test_a_refused_day_is_shown_beside_its_field_as_typed(
    client: TestClient, world: World, path: str
) -> None:
    sign_in(client, world.lead)
    for query, field, typed in (
        ("start=2026-13-45&end=2026-11-15", "start", "2026-13-45"),
        ("start=2026-11-02&end=soon", "end", "soon"),
        ("start=2026-11-10&end=2026-11-01", "start", "2026-11-10"),
    ):
        page = client.get(f"{path}?{query}&channel=chat&metric=unhappy")
        assert page.status_code == 400, query
        error = re.search(rf'<span class="field-error" role="alert" id="{field}-error">', page.text)
        assert error, page.text
        assert f'name="{field}" value="{typed}" aria-invalid="true"' in page.text
        assert '<option value="chat" selected>' in page.text  # the other filters kept
        assert "Correct the filter marked above to see this page." in page.text
    drill = client.get("/insights/conversations?start=x&metric=unhappy").text
    assert '<input type="hidden" name="metric" value="unhappy">' in drill
    hotspot = client.get("/insights/hotspot?kind=product&value=Router&end=x")
    assert hotspot.status_code == 400 and 'id="end-error"' in hotspot.text
    assert '<input type="hidden" name="kind" value="product">' in hotspot.text


def test_the_api_names_the_refused_day(client: TestClient, session: Session, world: World) -> None:
    headers = _token(session, world.admin)
    reversed_ = client.get(
        "/api/v1/insights/dashboard?start=2026-11-10&end=2026-11-01", headers=headers
    )
    assert reversed_.status_code == 400
    assert reversed_.json()["detail"].startswith("start (2026-11-10) is after end (2026-11-01)")
    bad = client.get("/api/v1/insights/hotspots?end=2026-02-30", headers=headers)
    assert bad.status_code == 400 and bad.json()["detail"].startswith("end must be a date")


def test_messages_waiting_for_a_score_are_counted_in_a_notice(
    client: TestClient, session: Session, world: World
) -> None:
    """Unscored turns count as calm: after a cancelled or unfinished scoring job the figures
    read low, so the dashboard says how many of the period's turns wait and where to see it."""
    team_a = select(User.id).where(User.team_id == world.lead.team_id)
    period = select(Conversation.id).where(
        Conversation.assignee_id.in_(team_a), Conversation.opened_at >= WEEK2
    )
    session.execute(
        update(Message)
        .where(Message.author_role == "customer", Message.conversation_id.in_(period))
        .values(signal_version="test-1")
    )
    session.commit()
    sign_in(client, world.lead)
    page = client.get(f"/insights?{PERIOD}").text
    notice = page.split('id="unscored-notice">')[1].split("</p>")[0]
    assert "6 customer messages in this period are still waiting to be scored" in notice
    assert 'href="/import#history"' in notice and "count as calm" in notice
    api = client.get(f"/api/v1/insights/dashboard?{PERIOD}", headers=_token(session, world.lead))
    assert api.json()["unscored"] == 6
    session.execute(update(Message).values(signal_version="test-1"))
    session.commit()
    assert 'id="unscored-notice"' not in client.get(f"/insights?{PERIOD}").text


def test_a_lead_in_no_team_is_told_an_admin_must_put_them_in_one(
    client: TestClient, session: Session
) -> None:
    """/insights answered 403 to a lead in no team, and team exposure offered "choose the team
    to show" with no team to choose: every insights page of a lead now says what to do."""
    make_user(session, role="lead", team="Tanager")  # a team exists, but not this lead's
    lead = make_user(session, role="lead")
    sign_in(client, lead)
    for url in (
        "/insights",
        f"/insights?{PERIOD}",
        "/insights/hotspots",
        "/insights/hotspot?kind=product&value=Router",
        "/insights/conversations?metric=all",
        "/insights/exposure/team",
        "/insights/digest",
        "/morale/balance/team",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert (
            "You lead no team yet" in page.text and "An admin must put you in a team" in page.text
        )
        assert "choose the team to show" not in page.text and "Tanager" not in page.text, url
    api = client.get("/api/v1/insights/dashboard", headers=_token(session, lead))
    assert api.status_code == 403 and "you lead no team yet" in api.text  # the API says why
