"""Exposure (each agent's own; a lead's team spread and a private check-in prompt) and the
weekly digest, as a page and as e-mail to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from test_charts import charts_in, texts
from typer.testing import CliRunner

from builders import make_conversation, make_user, sign_in
from insights.insight_builders import WINDOW_DAYS, add_conversations, night_mode_article
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.cli import app as cli_app
from poise.errors import InvalidInput
from poise.insights.digest import digest_lines, digest_week, training_summary, weekly_digest
from poise.insights.exposure import heavy, shown_weeks
from poise.insights.rollup import count_all
from poise.knowledge import actions
from poise.knowledge.models import Gap
from poise.morale.queries import week_start
from poise.settings import Settings
from support import writes

_NOW = datetime.now(UTC)
# Halfway between Monday 00:00 UTC and now: inside this week and never in the future (an hour
# after the week's start was in the future during a Monday's first hour, so every count of this
# week read 0 and the tests failed from 00:00 to 01:00 UTC each Monday).
THIS_WEEK = week_start(_NOW) + (_NOW - week_start(_NOW)) / 2
# A moment of the last finished Monday–Sunday week: the week the digest shows by default.
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@dataclass
class Team:
    lead: User
    hana: User  # three heavy weeks in a row
    dan: User  # heavy only this week and the one before
    cal: User  # calm
    other_lead: User
    calm: list[User]  # two more calm agents: the team's usual week is calm


@pytest.fixture
def team(session: Session) -> Team:
    t = Team(
        lead=make_user(session, role="lead", team="A", name="Lee Lead", email="lee@example.com"),
        hana=make_user(session, team="A", name="Hana Heavy"),
        dan=make_user(session, team="A", name="Dan Twice"),
        cal=make_user(session, team="A", name="Cal Calm"),
        other_lead=make_user(session, role="lead", team="B", email="bo@example.com"),
        calm=[make_user(session, team="A", name=n) for n in ("Ada Calm", "Eve Calm")],
    )
    for weeks_ago in range(3):
        when = THIS_WEEK - timedelta(weeks=weeks_ago)
        add_conversations(session, n=8, opened=when, assignee_id=t.hana.id, negativity=0.9)
        add_conversations(
            session, n=8 if weeks_ago < 2 else 1, opened=when, assignee_id=t.dan.id, negativity=0.9
        )
        for calm in (t.cal, *t.calm):
            add_conversations(session, n=2, opened=when, assignee_id=calm.id, negativity=0.9)
    count_all(session, window_days=WINDOW_DAYS)
    return t


def _get(client: TestClient, session: Session, user: User, url: str) -> Any:
    token = create_api_token(session, actor=None, user=user)
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_an_agent_sees_only_their_own_exposure(
    client: TestClient, session: Session, team: Team
) -> None:
    mine = _get(client, session, team.hana, "/api/v1/insights/exposure").json()
    assert [w["negativity"] for w in mine["weeks"]][-3:] == [8, 8, 8]
    calm = _get(client, session, team.cal, "/api/v1/insights/exposure").json()
    assert [w["negativity"] for w in calm["weeks"]][-3:] == [2, 2, 2]
    assert _get(client, session, team.cal, "/api/v1/insights/exposure/team").status_code == 403

    sign_in(client, team.cal)
    page = client.get("/insights/exposure").text
    assert "Only you see your line" in page and "Hana" not in page
    chart = page.split('<svg class="paired-bars"')[1].split("</svg>")[0]  # people look
    assert chart.count(": negative turns absorbed ") == len(calm["weeks"])
    assert "negative turns absorbed 2</title>" in chart
    assert client.get("/insights/exposure/team").status_code == 403
    assert client.get("/insights/digest").status_code == 403


def _fourth_heavy_week(session: Session, team: Team) -> None:
    """Hana's week before the fixture's first: with it, three heavy weeks that are over."""
    fourth = THIS_WEEK - timedelta(weeks=3)
    add_conversations(session, n=8, opened=fourth, assignee_id=team.hana.id, negativity=0.9)
    for calm in (team.cal, *team.calm):
        add_conversations(session, n=2, opened=fourth, assignee_id=calm.id, negativity=0.9)


def test_a_lead_sees_the_spread_and_a_private_prompt_for_three_heavy_weeks(
    client: TestClient, session: Session, team: Team
) -> None:
    _fourth_heavy_week(session, team)
    count_all(session, window_days=WINDOW_DAYS)
    spread = _get(client, session, team.lead, "/api/v1/insights/exposure/team").json()
    assert [p["name"] for p in spread["check_in"]] == ["Hana Heavy"]
    last = spread["weeks"][-1]
    # The lead takes no conversations: not in the spread (a zero would lower the median).
    assert (last["members"], last["low"], last["median"], last["high"]) == (5, 2, 2.0, 8)
    assert (last["running"], last["heavy"]) == (True, 0)  # not judged until it is over
    # Hana and Dan last week; Dan has one heavy week that is over, not three
    assert (spread["weeks"][-2]["running"], spread["weeks"][-2]["heavy"]) == (False, 2)

    sign_in(client, team.lead)
    page = client.get("/insights/exposure/team").text
    assert "A private prompt: check in" in page and "Hana Heavy" in page
    assert "Dan Twice" not in page and "Cal Calm" not in page  # a spread, not a ranking
    chart = page.split('<svg class="trend"')[1].split("</svg>")[0]  # the median week, drawn
    assert "median negative turns" in chart and ": 2</title>" in chart
    # the spread was a table only: the heaviest person's week is drawn against the median's
    (spread,) = [c for c in charts_in(page, "trend") if "most" in c.findtext("title", "")]
    highest, median = spread.findtext("desc", "").split("; ")
    assert highest.startswith("highest: ") and highest.endswith(" 8")
    assert median.startswith("median: ") and median.endswith(" 2")
    assert texts(spread)[-2:] == ["8", "0"]  # the scale: its top, its foot
    assert "Counted as of" in page
    exported = client.get("/insights/export/exposure.csv")
    csv_text = exported.text
    assert csv_text.splitlines()[-2].endswith(",5,2,2.0,8,0.0,2")
    assert csv_text.splitlines()[-1].endswith(",5,2,2.0,8,0.0,0")  # the week still running
    weeks = [line.split(",")[0] for line in csv_text.splitlines()[1:]]
    last_day = date.fromisoformat(weeks[-1]) + timedelta(days=6)
    named = f'filename="poise-exposure-{weeks[0]}-{last_day}.csv"'  # the weeks it holds
    assert named in exported.headers["content-disposition"]

    b_team = team.lead.team_id
    assert (
        _get(
            client, session, team.other_lead, f"/api/v1/insights/exposure/team?team={b_team}"
        ).status_code
        == 403
    )
    sign_in(client, team.other_lead)
    assert client.get(f"/insights/exposure/team?team={b_team}").status_code == 403
    assert client.get(f"/insights/digest?team={b_team}").status_code == 403


def test_the_digest_page_and_e_mail(
    client: TestClient,
    session: Session,
    team: Team,
    cli_env: Settings,
    smtp: tuple[Inbox, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The digest covers the last finished Monday–Sunday week, so its figures sit in that week
    # (they were "yesterday", inside the seven days up to today), and Hana's third heavy week
    # in a row, counted up to that week, is the week before the fixture's first.
    yesterday = LAST_WEEK
    _fourth_heavy_week(session, team)
    for product in ("Router", "Mesh", "Camera"):
        add_conversations(
            session,
            n=40,
            opened=yesterday,
            product=product,
            assignee_id=team.cal.id,
            unhappy=30 if product == "Camera" else 2,
        )
    add_conversations(
        session,
        n=1,
        opened=yesterday,
        assignee_id=team.cal.id,
        ratings=[("three", 3)],
        comment="Cal sorted it in minutes, thank you! Order PX-287515, maria.gonzalez@example.org",
    )
    gap = "Refund for PX-287515, Maria Gonzalez, 07700 900123"
    session.add(Gap(query=gap, best_score=0.05, created_at=yesterday, actor_id=team.cal.id))
    session.commit()
    count_all(session, window_days=WINDOW_DAYS)

    sign_in(client, team.lead)
    page = client.get("/insights/digest").text
    assert "Camera" in page and "Cal sorted it in minutes" in page and "Hana Heavy" in page
    assert "PX-287515" in page, "the page inside Poise keeps the words: its reader may open them"

    inbox, url = smtp
    runner = CliRunner()
    missing = runner.invoke(cli_app, ["insights", "digest"])
    assert missing.exit_code == 2 and "POISE_SMTP_URL" in missing.output
    monkeypatch.setenv("POISE_SMTP_URL", url)
    done = runner.invoke(cli_app, ["insights", "digest"])
    assert done.exit_code == 0, done.output
    assert "2 digests sent" in done.output
    mail = next(m for m in inbox.messages if m["To"] == "lee@example.com")
    assert mail["Subject"].startswith("Poise weekly digest: A,")
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert "- Hotspot: Camera (40 conversations)" in body
    # An inbox is outside Poise: customers' words are redacted as alerts redact them.
    assert "Kudos for Cal Calm: “Cal sorted it in minutes, thank you! Order [number], [email]”" in (
        body
    )
    assert "“Refund for [number], [name], [phone]”" in body
    for personal in ("PX-287515", "maria.gonzalez", "Maria", "Gonzalez", "07700"):
        assert personal not in body, personal
    assert "check in): Hana Heavy" in body
    assert "/insights/digest?team=" in body


def test_the_spread_counts_the_members_who_had_a_conversation(
    client: TestClient, session: Session, team: Team
) -> None:
    away = make_user(session, team="A", name="Al Away")  # an agent with no conversation
    add_conversations(session, n=1, opened=THIS_WEEK, assignee_id=team.lead.id, negativity=0.1)
    count_all(session, window_days=WINDOW_DAYS)
    spread = _get(client, session, team.lead, "/api/v1/insights/exposure/team").json()
    last = spread["weeks"][-1]
    # The lead now took one calm conversation: in the spread, with 0; Al had none: not in it.
    assert (last["members"], last["low"], last["median"], last["high"]) == (6, 0, 2.0, 8)
    mine = _get(client, session, away, "/api/v1/insights/exposure").json()
    assert sum(w["negativity"] for w in mine["weeks"]) == 0


def test_a_new_team_s_weeks_show_dashes_not_a_calm_zero(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead", team="New", name="Nia New")
    elsewhere = make_user(session, team="Old")
    add_conversations(session, n=2, opened=THIS_WEEK, assignee_id=elsewhere.id, negativity=0.9)
    count_all(session, window_days=WINDOW_DAYS)
    last = _get(client, session, lead, "/api/v1/insights/exposure/team").json()["weeks"][-1]
    assert (last["members"], last["low"], last["median"], last["high"]) == (0, None, None, None)
    sign_in(client, lead)
    page = client.get("/insights/exposure/team").text
    assert ">0.0<" not in page and '<td class="num">—</td>' in page
    assert 'text-anchor="end">no data</text>' in page
    csv_rows = client.get("/insights/export/exposure.csv").text.splitlines()
    assert csv_rows[-1].endswith(",0,,,,,0")


def test_the_exposure_pages_say_when_nothing_was_counted_yet(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead", team="C", name="Cleo Lead")
    add_conversations(session, n=2, opened=THIS_WEEK, assignee_id=lead.id, negativity=0.9)
    sign_in(client, lead)
    for url in ("/insights/exposure", "/insights/exposure/team"):
        page = client.get(url).text
        assert "Not counted yet" in page and "have not been counted yet" in page, url
        assert "<table" not in page, url
    assert "Exposure has not been counted yet" in client.get("/insights/digest").text
    count_all(session, window_days=WINDOW_DAYS)
    page = client.get("/insights/exposure").text
    assert "Counted as of" in page and "<table" in page


def test_the_digest_names_each_gap_issue_once_most_raised_first(
    client: TestClient, session: Session
) -> None:
    """Three conversations logging the same uncovered question are one example, not three."""
    lead = make_user(session, role="lead", team="G", name="Gia Lead")
    logged = [
        "refund  never arrived",  # the same words; the newest phrasing is shown
        "Refund never arrived",
        "Refund never arrived",
        "Cannot log in after the update",
        "Cannot log in after the update",
        "Router keeps rebooting",  # the newest, raised once
    ]
    for hours_ago, query in zip(range(len(logged), 0, -1), logged, strict=True):
        when = LAST_WEEK - timedelta(hours=hours_ago)
        session.add(Gap(query=query, best_score=0.05, created_at=when, actor_id=lead.id))
    session.commit()

    sign_in(client, lead)
    page = client.get("/insights/digest").text
    section = page.split("New manual gaps: 6")[1].split("All gaps")[0]
    examples = [li.split("”")[0] for li in section.split("<li>“")[1:]]
    assert examples == [
        "Refund never arrived",
        "Cannot log in after the update",
        "Router keeps rebooting",
    ]


def test_the_digest_counts_only_the_teams_own_gaps(client: TestClient, session: Session) -> None:
    """Another team's gaps (its products, its customers) are not this team's to cover."""
    lead = make_user(session, role="lead", team="G", name="Gia Lead")
    mine = make_user(session, team="G", name="Gus Agent")
    theirs = make_user(session, team="H", name="Hal Agent")
    now = LAST_WEEK - timedelta(hours=1)

    def gap(query: str, assignee: User | None = None, actor: User | None = None) -> None:
        conv = None
        if assignee is not None:
            conv = make_conversation(session, external_id=query, assignee_email=assignee.email)
        actor_id = actor.id if actor else None
        conv_id = conv.id if conv else None
        session.add(
            Gap(
                query=query,
                best_score=0.05,
                created_at=now,
                conversation_id=conv_id,
                actor_id=actor_id,
            )
        )
        session.commit()

    gap("Our router drops wifi", assignee=mine, actor=mine)
    gap("Our router reboots", actor=lead)  # logged from a search, by a member
    gap("Payroll export fails", assignee=theirs, actor=mine)  # the other team's conversation
    gap("Payroll tax is wrong", actor=theirs)
    gap("Nobody's question")  # no conversation, no one who logged it

    sign_in(client, lead)
    page = client.get("/insights/digest").text
    assert "New manual gaps: 2" in page
    assert "Our router drops wifi" in page and "Our router reboots" in page
    assert "Payroll" not in page and "Nobody" not in page


def test_the_command_that_counts_now_is_named_to_admins_only(
    client: TestClient, session: Session
) -> None:
    """An agent's My exposure and the FCR tab said "(poise insights rollup counts them all
    now)": a server command the reader cannot run. Admins, who run the server, still see it."""
    pages = {"/insights/exposure": "poise insights rollup", "/manual/fcr": "poise kb fcr"}
    for role, shown in (("agent", False), ("lead", False), ("admin", True)):
        client.cookies.clear()
        sign_in(client, make_user(session, role=role, team="A"))
        for path, command in pages.items():
            page = client.get(path)
            assert page.status_code == 200 and "within minutes" in page.text, path
            assert (command in page.text) is shown, (role, path)


def test_the_team_exposure_page_says_what_a_heavy_week_is(
    client: TestClient, session: Session, team: Team
) -> None:
    """The "Heavy weeks" column was a bare number: nothing on the page said what counts."""
    sign_in(client, team.lead)
    page = client.get("/insights/exposure/team").text
    said = page.split('id="heavy-weeks">')[1].split("</p>")[0]
    assert "counts the people whose week was heavy" in said
    assert "at least 5 negative turns" in said and "1.5 times the team's median" in said
    assert "more negative turns than praise" in said and 'href="/help/insights#exposure"' in said
    help_page = client.get("/help/insights").text
    assert "<strong>Heavy weeks</strong> column is, for each week, how many people" in help_page


def test_the_digest_counts_only_the_gaps_the_manual_still_leaves_open(
    client: TestClient, session: Session
) -> None:
    """A gap the published manual now answers is closed on the gap report and a hotspot's
    gaps; the digest still counted it (and showed it) as a new manual gap."""
    lead = make_user(session, role="lead", team="G", name="Gia Lead")
    when = LAST_WEEK - timedelta(hours=2)
    for query in ("Camera night mode is dark", "Router keeps rebooting"):
        session.add(
            Gap(query=query, best_score=0.05, created_at=when, product="Camera", actor_id=lead.id)
        )
    session.commit()
    night = night_mode_article(session, lead)
    sign_in(client, lead)
    assert "New manual gaps: 2" in client.get("/insights/digest").text, "a draft answers nobody"

    actions.change_status(session, actor=lead, article_id=night.id, status="published")
    page = client.get("/insights/digest").text
    section = page.split("New manual gaps: 1")[1].split("All gaps")[0]
    assert "Router keeps rebooting" in section and "night mode" not in section
    report = client.get("/manual/gaps").text
    assert "1 of them is answered now" in report  # as the gap report counts it


def test_a_week_with_no_training_due_says_so_in_words(
    client: TestClient, session: Session, team: Team
) -> None:
    """The page and the e-mail read "0 of 0 assignments due this week done; 0 overdue", a
    count that looked broken: a week with nothing due says that nothing was due."""
    sign_in(client, team.lead)
    page = client.get("/insights/digest").text
    assert "No training assignments were due this week; none overdue." in page
    assert "0 of 0" not in page
    assert team.lead.team_id is not None
    digest = weekly_digest(
        session, actor=team.lead, team_id=team.lead.team_id, today=datetime.now(UTC).date()
    )
    lines = digest_lines(digest, "http://poise.test")
    assert "- No training assignments were due this week; none overdue" in lines
    assert training_summary(replace(digest, training_due=3, training_done=2)) == (
        "Training assignments due this week: 2 of 3 done; none overdue."
    )
    assert training_summary(replace(digest, training_overdue=1)).endswith("; 1 overdue.")


def test_my_exposure_with_nothing_to_show_says_so(client: TestClient, session: Session) -> None:
    """Twelve weeks with no negative turn and no praise drew an empty chart over a table of
    zeros ("0 negative turns, 0 praise over 12 weeks"): one sentence says it instead."""
    lead = make_user(session, role="lead", team="C", name="Cleo Lead")
    add_conversations(session, n=2, opened=THIS_WEEK, assignee_id=lead.id, negativity=0.1)
    count_all(session, window_days=WINDOW_DAYS)
    sign_in(client, lead)
    page = client.get("/insights/exposure").text
    assert "No negative customer turns and no praise in the last 12 weeks" in page
    assert "<table" not in page and "<svg" not in page


def test_one_negative_turn_reads_in_the_singular_on_my_exposure(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session, team="C", name="Cal Agent")
    add_conversations(session, n=1, opened=THIS_WEEK, assignee_id=agent.id, negativity=0.9)
    count_all(session, window_days=WINDOW_DAYS)
    sign_in(client, agent)
    page = client.get("/insights/exposure").text
    # the Morale balance's words: "0 praise over 12 weeks" left out what happened to the praise
    assert "1 negative turn absorbed, 0 praise received over 12 weeks." in page, page


def test_an_empty_install_s_exposure_says_when_its_weeks_come_in_plain_words(
    client: TestClient, session: Session
) -> None:
    """It said "once the insights rollup has run": jargon, with no when and no next step."""
    lead = make_user(session, role="lead", team="C", name="Cleo Lead")
    sign_in(client, lead)
    for url in ("/insights/exposure", "/insights/exposure/team", "/insights/digest"):
        page = client.get(url).text
        assert "rollup has run" not in page, url
        assert "by itself in the background, within a minute of the server starting;" in page, url


def test_the_week_still_running_is_marked_so_far_on_both_exposure_pages(
    client: TestClient, session: Session, team: Team
) -> None:
    """Both pages end on the week still running: its few days drew as a drop to near nothing
    in the charts and read in the table like a finished, calm week."""
    this_week = week_start(_NOW)
    for reader, url, svg in (
        (team.hana, "/insights/exposure", "paired-bars"),
        (team.lead, "/insights/exposure/team", "trend"),
    ):
        client.cookies.clear()
        sign_in(client, reader)
        page = client.get(url).text
        assert re.search(rf"<td>{this_week:%d}[^<]* \(so far\)</td>", page), url  # its days yet
        assert f"<td>{this_week - timedelta(weeks=1):%d %b}</td>" in page, url
        chart = page.split(f'<svg class="{svg}"')[1].split("</svg>")[0]
        assert ">so far</text>" in chart and f">{this_week:%d %b}</text>" not in chart, url


def test_the_digest_covers_the_last_finished_monday_to_sunday_week() -> None:
    """The digest read Tuesday to Monday (the seven days up to the Monday e-mail) while balance
    and exposure read Monday weeks: it is now the last week that has finished, on every day."""
    for today in (date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 13)):
        assert digest_week(today) == (date(2026, 11, 30), date(2026, 12, 6)), today
    assert digest_week(date(2026, 12, 14)) == (date(2026, 12, 7), date(2026, 12, 13))
    # Any day of an earlier week picks that week.
    assert digest_week(date(2026, 12, 9), "2026-11-19") == (date(2026, 11, 16), date(2026, 11, 22))
    for unfinished in ("2026-12-07", "2026-12-09", "2027-01-04"):
        with pytest.raises(InvalidInput, match="has not finished yet") as refused:
            digest_week(date(2026, 12, 9), unfinished)
        assert refused.value.field == "week"


def test_the_digest_page_picks_an_earlier_week(
    client: TestClient, session: Session, team: Team
) -> None:
    """``?week=`` was ignored: it now shows that week, links to the weeks either side (never
    one not yet over), and refuses a week not over beside the picker, keeping what was typed."""
    latest = week_start(_NOW).date() - timedelta(days=7)
    earlier = latest - timedelta(days=14)
    sign_in(client, team.lead)
    page = client.get("/insights/digest").text
    assert f"Monday {latest} – Sunday {latest + timedelta(days=6)}" in page
    assert f"week={latest - timedelta(days=7)}" in page
    assert f"week={latest + timedelta(days=7)}" not in page, "no link to the unfinished week"
    picked = client.get(f"/insights/digest?week={earlier + timedelta(days=2)}")
    assert picked.status_code == 200
    assert f"Monday {earlier} – Sunday {earlier + timedelta(days=6)}" in picked.text
    assert f"week={earlier + timedelta(days=7)}" in picked.text
    future = (latest + timedelta(days=9)).isoformat()
    refused = client.get(f"/insights/digest?week={future}")
    assert refused.status_code == 400
    assert 'id="week-error"' in refused.text and "has not finished yet" in refused.text
    assert f'value="{future}"' in refused.text and 'id="week-picker"' in refused.text
    assert "<h2>Hotspots</h2>" not in refused.text, "no figures for a week other than the one asked"
    bad = client.get("/insights/digest?week=soon")
    assert bad.status_code == 400 and 'value="soon"' in bad.text and 'id="week-error"' in bad.text


def test_the_week_still_running_is_judged_heavy_for_nobody(
    client: TestClient, session: Session, team: Team
) -> None:
    """Heavy weeks counted the week still running: on its first days Hana's heavy week made
    a third "heavy week in a row" and named her in the check-in prompt. Her weeks that are
    over are two: no prompt, on the page, the API, the CSV and the digest alike."""
    this_week = week_start(_NOW)
    spread = _get(client, session, team.lead, "/api/v1/insights/exposure/team").json()
    assert spread["check_in"] == []
    last, before = spread["weeks"][-1], spread["weeks"][-2]
    assert (last["running"], last["heavy"], last["high"]) == (True, 0, 8), "shown, not judged"
    assert (before["running"], before["heavy"]) == (False, 2)

    sign_in(client, team.lead)
    page = client.get("/insights/exposure/team").text
    assert "A private prompt" not in page and "Hana Heavy" not in page
    row = re.split(rf"<td>{this_week:%d}[^<]* \(so far\)</td>", page)[1].split("</tr>")[0]
    assert row.endswith('<abbr title="Not judged until the week is over">—</abbr></td>')
    assert "not judged until it is over" in page.split('id="heavy-weeks">')[1]
    csv_rows = client.get("/insights/export/exposure.csv").text.splitlines()
    assert csv_rows[-1].endswith(",0") and csv_rows[-2].endswith(",2")
    help_page = client.get("/help/insights").text
    assert "so far”, but it is not judged until it is over" in help_page

    assert team.lead.team_id is not None
    digest = weekly_digest(session, actor=team.lead, team_id=team.lead.team_id, today=_NOW.date())
    assert digest.check_in == []
    assert not any("heavy weeks in a row" in line for line in digest_lines(digest, "http://x"))
    assert not heavy(8, 0, 2.0, over=False) and heavy(8, 0, 2.0, over=True)  # the one rule


def test_both_exposure_pages_show_the_weeks_picked(
    client: TestClient, session: Session, team: Team
) -> None:
    """``?start=&end=`` was ignored: a lead could not look at an earlier stretch of weeks. The
    pages now show the weeks from the one holding ``start`` to the one holding ``end``, with
    links to as many weeks either side, and writes nothing to show them."""
    then = week_start(_NOW) - timedelta(weeks=20)
    for weeks_ago in (20, 19, 18):  # an earlier stretch: three heavy weeks for Dan
        when = THIS_WEEK - timedelta(weeks=weeks_ago)
        add_conversations(session, n=8, opened=when, assignee_id=team.dan.id, negativity=0.9)
        for calm in (team.cal, *team.calm):
            add_conversations(session, n=2, opened=when, assignee_id=calm.id, negativity=0.9)
    count_all(session, window_days=WINDOW_DAYS)
    start, end = (then - timedelta(weeks=1)).date(), (then + timedelta(weeks=2, days=6)).date()
    query = f"start={start + timedelta(days=2)}&end={end}"  # any day of the first week

    mine = _get(client, session, team.dan, f"/api/v1/insights/exposure?{query}").json()
    assert [w["week_start"] for w in mine["weeks"]] == [
        (then + timedelta(weeks=i)).date().isoformat() for i in range(-1, 3)
    ]
    assert [w["negativity"] for w in mine["weeks"]] == [0, 8, 8, 8]
    assert not any(w["running"] for w in mine["weeks"])
    spread = _get(client, session, team.lead, f"/api/v1/insights/exposure/team?{query}").json()
    assert [p["name"] for p in spread["check_in"]] == ["Dan Twice"]
    assert [w["heavy"] for w in spread["weeks"]] == [0, 1, 1, 1]
    default = _get(client, session, team.lead, "/api/v1/insights/exposure/team").json()
    assert len(default["weeks"]) == 12 and default["weeks"][-1]["running"]

    sign_in(client, team.lead)
    with writes() as written:
        page = client.get(f"/insights/exposure/team?{query}")
        exported = client.get(f"/insights/export/exposure.csv?{query}")
        own = client.get(f"/insights/exposure?{query}")
    assert written == []
    assert page.status_code == 200 and "Dan Twice" in page.text  # the prompt of those weeks
    assert f"<td>{then:%d %b}</td>" in page.text and "(so far)" not in page.text
    assert f'name="start" value="{start}"' in page.text and f'name="end" value="{end}"' in page.text
    earlier = f"start={start - timedelta(weeks=4)}&amp;end={start - timedelta(days=1)}"
    later = f"start={start + timedelta(weeks=4)}&amp;end={end + timedelta(weeks=4)}"
    assert f'href="/insights/exposure/team?{earlier}"' in page.text
    assert f'href="/insights/exposure/team?{later}"' in page.text
    assert f"exposure.csv?team={team.lead.team_id}&amp;start={start}&amp;end={end}" in page.text
    assert (
        len(exported.text.splitlines()) == 5
        and f"poise-exposure-{start}-{end}" in (exported.headers["content-disposition"])
    )
    assert own.status_code == 200  # the lead's own weeks: none of these four had a conversation
    assert "No negative customer turns and no praise in these 4 weeks" in own.text
    latest = client.get("/insights/exposure").text
    assert 'rel="prev"' in latest and 'rel="next"' not in latest, "nothing after this week"


def test_a_later_day_of_this_week_ends_the_weeks_at_this_one() -> None:
    """The default weeks end with this one, and the dashboard's period and the CSV's name
    (``poise-exposure-…-SUNDAY.csv``) end on its Sunday; typing that Sunday as the end was
    refused as "still to come". A day of this week ends the weeks at this one, as today does;
    a day of a later week is still refused beside the end."""
    tuesday = date(2026, 12, 8)
    this_week = shown_weeks(tuesday)
    assert shown_weeks(tuesday, end="2026-12-13") == this_week  # this week's Sunday
    assert shown_weeks(tuesday, start="2026-11-30", end="2026-12-10").last == date(2026, 12, 7)
    with pytest.raises(InvalidInput, match="is still to come") as refused:
        shown_weeks(tuesday, end="2026-12-14")  # next week's Monday
    assert refused.value.field == "end"


def test_an_exposure_csv_refused_for_a_later_week_shows_the_picker(
    client: TestClient, session: Session, team: Team
) -> None:
    """The exposure CSV of an end in a week still to come answered a bare error page with no
    field to correct; it is the filter form with the refusal beside the end, as typed, as any
    other refused filter of a CSV. An end later this week downloads this week's file."""
    today = _NOW.date()
    sunday = today + timedelta(days=6 - today.weekday())
    later = sunday + timedelta(days=1)
    sign_in(client, team.lead)
    refused = client.get(f"/insights/export/exposure.csv?end={later}")
    assert refused.status_code == 400
    error = refused.text.split('id="end-error">')[1].split("</span>")[0]
    assert "is still to come" in error and f'value="{later}"' in refused.text
    exported = client.get(f"/insights/export/exposure.csv?end={sunday}")
    assert exported.status_code == 200
    assert f"-{sunday}.csv" in exported.headers["content-disposition"]


def test_a_refused_day_is_shown_beside_the_picker_as_typed(
    client: TestClient, session: Session, team: Team
) -> None:
    """A day that is not a date, a reversed or overlong stretch, or a day still to come is
    refused beside its field, as typed, with no figures (for other weeks than those asked)."""
    today = _NOW.date()
    refusals = {
        "start=soon": ("start", "must be a date like", 'value="soon"'),
        f"start={today}&end={today - timedelta(days=30)}": ("start", "is after end", ""),
        f"start={today - timedelta(days=400)}": ("start", "at most 366 days", ""),
        f"end={today + timedelta(days=8)}": ("end", "is still to come", ""),
    }
    sign_in(client, team.lead)
    for url in ("/insights/exposure", "/insights/exposure/team"):
        for query, (field, said, kept) in refusals.items():
            refused = client.get(f"{url}?{query}")
            assert refused.status_code == 400, (url, query)
            error = refused.text.split(f'id="{field}-error">')[1].split("</span>")[0]
            assert said in error, (url, query, error)
            assert kept in refused.text and 'id="weeks-picker"' in refused.text
            assert "<table" not in refused.text and "<svg" not in refused.text, (url, query)
    api = _get(client, session, team.lead, "/api/v1/insights/exposure/team?end=2026-13-01")
    assert api.status_code == 400 and "end" in api.json()["fields"]
    other = team.other_lead.team_id
    assert client.get(f"/insights/exposure/team?team={other}&start=soon").status_code == 403
