"""The `poise` command as a user types it (run in-process against the test's database)."""

from __future__ import annotations

import json
import re

import click
import pytest
import typer.main
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import csrf_from
from poise.auth.models import Team, User
from poise.cli import app as cli
from poise.db.migrate import head_revision
from poise.demo.manual import PROCEDURES
from poise.morale.models import PeerReview, Scorecard
from poise.settings import Settings, settings_reference

runner = CliRunner()


def test_users_add_tokens_create_and_stats(cli_env: Settings, session: Session) -> None:
    result = runner.invoke(
        cli,
        [
            "users",
            "add",
            "--email",
            "Lee@Example.com",
            "--name",
            "Lee Lead",
            "--role",
            "lead",
            "--team",
            "Billing",
            "--password",
            "lead-pass-1",
        ],
    )
    assert result.exit_code == 0, result.output
    lee = session.query(User).filter_by(email="lee@example.com").one()
    assert (lee.role, lee.team.name if lee.team else None) == ("lead", "Billing")
    bad_role = runner.invoke(
        cli,
        [
            "users",
            "add",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "boss",
            "--password",
            "long-enough",
        ],
    )
    assert bad_role.exit_code == 2
    assert "role must be one of agent, lead, admin" in bad_role.output
    token = runner.invoke(cli, ["tokens", "create", "--email", "lee@example.com"])
    assert token.exit_code == 0 and token.output.startswith("poise_")
    unknown = runner.invoke(cli, ["tokens", "create", "--email", "nobody@example.com"])
    assert unknown.exit_code == 2 and "no user with email" in unknown.output
    stats = runner.invoke(cli, ["stats", "--json"])
    assert json.loads(stats.output) == {
        "teams": 1,
        "users": 1,
        "conversations": 0,
        "messages": 0,
        "ratings": 0,
    }


def _add_user(email: str, team: str) -> click.testing.Result:
    command = ["users", "add", "--email", email, "--name", email.split("@")[0], "--team", team]
    return runner.invoke(cli, [*command, "--password", "long-enough"])


def test_users_add_joins_the_team_named_in_any_case_and_spacing(
    cli_env: Settings, session: Session
) -> None:
    """``--team care`` made a second team "care" beside "Care" (one ``create_team`` refuses):
    the name was matched letter for letter."""
    assert _add_user("cara@example.com", "Care").exit_code == 0
    joined = _add_user("cole@example.com", "  care ")
    assert joined.exit_code == 0, joined.output
    assert [team.name for team in session.scalars(select(Team))] == ["Care"]
    cole = session.scalars(select(User).where(User.email == "cole@example.com")).one()
    assert cole.team is not None and cole.team.name == "Care"
    assert _add_user("nia@example.com", "New  Team").exit_code == 0  # none alike: made, tidied
    assert sorted(t.name for t in session.scalars(select(Team))) == ["Care", "New Team"]


def test_users_add_refuses_a_team_name_that_picks_none_of_several_alike(
    cli_env: Settings, session: Session
) -> None:
    """Teams from before names were unique whatever their case: a spelling that is neither
    is refused, rather than making a third."""
    session.add_all([Team(name="Care"), Team(name="care")])
    session.commit()
    assert _add_user("cara@example.com", "care").exit_code == 0  # spelled exactly: that one
    refused = _add_user("cole@example.com", "CARE")
    assert refused.exit_code == 2 and "several teams are named like 'CARE'" in refused.output
    assert session.scalar(select(func.count()).select_from(Team)) == 2
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_summary_groups_the_thousands_of_every_count() -> None:
    """It read "3,000 conversations, …; signals: scored 10205 messages in 3000 conversations;
    …; insights: 3000 conversations counted": the same kind of count written two ways."""
    from poise.cli.root import demo_summary
    from poise.conversations.scoring import ScoreCounts
    from poise.morale.actions import CollectCounts

    said = demo_summary(
        {"teams": 3, "conversations": 3000, "messages": 24011},
        scored=ScoreCounts(10205, 3000, "signals-v1"),
        happy=CollectCounts(ratings=1204, messages=2, turnarounds=1, nudges=0),
        training={"lessons": 8},
        wall=1,
        articles=12,
        counted=3000,
    )
    assert "3,000 conversations, 24,011 messages" in said
    assert "scored 10,205 messages in 3,000 conversations (signals-v1)" in said
    assert "happy file: 1,204 green robots, 2 thank-you messages, 1 turnaround; 0 nudges" in said
    assert "wall: 1 card; 0 peer reviews; manual: 12 articles;" in said
    assert "insights: 3,000 conversations counted." in said
    assert not re.search(r"\d{4}", said), said  # no count of thousands left ungrouped


def test_commands_count_in_words_with_thousands_grouped() -> None:
    """The reports commands and jobs print: "2 page(s): 1 new conversation(s)" and "scored
    10205 messages" stood beside "3,000 conversations"; one of a thing is singular."""
    from poise.connectors.alerts.delivery import DeliveryReport
    from poise.connectors.pull import SyncCounts
    from poise.conversations.scoring import ScoreCounts
    from poise.knowledge.mining import MiningSummary

    many = [
        str(SyncCounts(pages=1200, created=4500, updated=1001, messages=23456, deleted=1000)),
        str(ScoreCounts(10205, 3000, "v1")),
        str(DeliveryReport(sent=1500, retrying=1000, failed=1000, held=1000, limited=1000)),
        str(MiningSummary(3000, 2000, 1500, 1200, 1100)),
    ]
    for said in many:
        assert "(s)" not in said and not re.search(r"\d{4}", said), said
    assert many[0] == (
        "1,200 pages: 4,500 new conversations, 1,001 updated, 23,456 new messages, 1,000 deleted"
    )
    one = str(SyncCounts(pages=1, created=1, updated=0, messages=1, deleted=0))
    assert one == "1 page: 1 new conversation, 0 updated, 1 new message, 0 deleted"
    assert str(DeliveryReport(sent=1)).startswith("1 alert sent, ")
    assert str(ScoreCounts(1, 1, "v1")) == "scored 1 message in 1 conversation (v1)"


def test_demo_loads_once_and_says_it_is_demo_data(
    cli_env: Settings, session: Session, client: TestClient
) -> None:
    result = runner.invoke(cli, ["demo", "--no-serve", "--conversations", "60"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps lines at its width
    assert "admin@poise.demo" in said
    assert "Loaded demo data: 3 teams, " in said and "60 conversations, " in said
    assert "training: 8 lessons, " in said and "{" not in said  # words, not Python's dicts
    assert "Start it with poise serve, then open http://127.0.0.1:8000." in said
    assert "insights: 60 conversations counted" in said  # the demo builds the rollup
    kept = int(said.split("happy file: ")[1].split()[0])
    assert kept >= 1, "agents' Happy Files hold their praise, as after an import"
    cards = int(said.split("wall: ")[1].split()[0])
    assert cards >= 1, "a new user sees what the public wall is for"
    articles = int(said.split("manual: ")[1].split()[0])
    assert articles == len(PROCEDURES), "the demo team's manual, written up before Poise"
    reviews = int(said.split("wall: ")[1].split("; ")[1].split()[0])
    assert reviews >= 3, "agents met 'No scorecard yet' on the reviews page"
    assert len(session.scalars(select(Scorecard)).all()) == 3  # a lead's for each team
    done = session.scalars(select(PeerReview).where(PeerReview.status == "submitted")).all()
    assert done and all(r.reviewee_id != r.reviewer_id for r in done)
    password = result.output.split("with password ")[1].split()[0]
    counts = json.loads(runner.invoke(cli, ["stats", "--json"]).output)
    assert counts["teams"] == 3 and counts["conversations"] == 60 and counts["messages"] > 120
    again = runner.invoke(cli, ["demo", "--no-serve", "--conversations", "60"])
    assert "already loaded" in again.output
    assert json.loads(runner.invoke(cli, ["stats", "--json"]).output) == counts
    new_password = again.output.split("with password ")[1].split()[0]
    assert new_password != password
    with TestClient(client.app) as fresh:  # a new app reads the demo flag at start-up
        wall = fresh.get("/wall").text  # signed out
        assert wall.count('class="hug') >= cards, wall[-2000:]
        token = csrf_from(fresh.get("/login").text)
        fresh.post(
            "/login",
            data={"email": "admin@poise.demo", "password": new_password, "csrf_token": token},
        )
        page = fresh.get("/conversations")
        assert "Demo data" in page.text and "60 conversations in all" in page.text
        lessons = fresh.get("/training/lessons").text
        assert "Preparing ahead" in lessons and "Explanatory style" in lessons
        assert "New navigation" in fresh.get("/training/drills").text
        assert f"published {articles}" in fresh.get("/manual").text
        found = fresh.get("/manual/search", params={"q": "my wifi keeps dropping every evening"})
        first = found.text.split('class="card kb-hit"')[1]
        assert "Wi-Fi keeps dropping" in first and "clear channel" in first, first
        assert "No resolved conversation has an article" not in fresh.get("/manual/fcr").text
        assert "No gaps logged yet" not in fresh.get("/manual/gaps").text


def test_demo_refuses_a_database_with_real_conversations(
    cli_env: Settings, session: Session, tmp_path: object
) -> None:
    from builders import make_conversation

    make_conversation(session)
    result = runner.invoke(cli, ["demo", "--no-serve", "--conversations", "20"])
    assert result.exit_code == 2
    assert "not demo data" in result.output


def test_settings_markdown_is_the_reference_table(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(cli, ["settings", "--markdown"])
    assert result.output.strip() == settings_reference()
    monkeypatch.delenv("POISE_SMTP_URL", raising=False)
    shown = runner.invoke(cli, ["settings"]).output
    assert "POISE_SECRET_KEY=********" in shown
    # An unset setting is not "=None": saved as an environment file, that is the text None.
    assert "=None" not in shown and "# POISE_SMTP_URL is not set" in shown
    assert "POISE_ENVIRONMENT=test" in shown


def test_import_of_a_missing_file_or_unknown_format(cli_env: Settings) -> None:
    missing = runner.invoke(cli, ["import", "nope.csv", "--format", "csv"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    fmt = runner.invoke(cli, ["import", "nope.csv", "--format", "xls"])
    assert fmt.exit_code == 2 and "--format must be one of" in fmt.output


@pytest.mark.parametrize(
    "typed",
    [
        ["serve", "--port", "-1"],
        ["serve", "--port", "70000"],
        ["serve", "--workers", "0"],
        ["demo", "--no-serve", "--port", "0"],
    ],
)
def test_a_port_or_worker_count_out_of_range_is_refused_before_anything_starts(
    cli_env: Settings, typed: list[str]
) -> None:
    """``serve --port -1`` ended in uvicorn's OverflowError traceback; ``--workers 0`` served."""
    result = runner.invoke(cli, typed)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--" in result.output and "Traceback" not in result.output


def test_db_upgrade_and_current(cli_env: Settings) -> None:
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    current = runner.invoke(cli, ["db", "current"])
    assert f"current: {head_revision()}" in current.output


def test_cli_reference_is_current() -> None:
    from pathlib import Path

    from poise.cli.reference import cli_reference

    docs = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    assert docs.read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run `python -m poise.cli.reference > docs/cli.md`"
    )


def test_a_broker_without_celery_is_refused_with_the_extra_to_install(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Celery comes with the ``workers`` extra; where it is absent (as in a runtime install, where
    ``importlib`` finds no ``celery``), serving or working for a broker says what to install."""
    monkeypatch.setenv("POISE_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr("poise.jobs.broker.importlib.util.find_spec", lambda name: None)
    for command in (["worker"], ["serve", "--port", "1"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2, result.output
        assert "pip install 'poise[workers]'" in " ".join(result.output.split())


def _command_paths(command: click.Command, path: list[str]) -> list[list[str]]:
    """Every command below ``command``, as the words that run it."""
    if not isinstance(command, click.Group):
        return [path]
    found: list[list[str]] = []
    for name, sub in sorted(command.commands.items()):
        found += _command_paths(sub, [*path, name])
    return found


WIDE = {"COLUMNS": "200"}  # one line per option in --help, so a row reads whole


def test_help_shows_real_defaults_and_never_a_none_default() -> None:
    """An option that defaults to None (the setting applies) printed "[default: None]"."""
    paths = _command_paths(typer.main.get_command(cli), [])
    assert ["serve"] in paths and ["users", "add"] in paths
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"], env=WIDE)
        assert result.exit_code == 0, (path, result.output)
        assert "[default: None]" not in result.output, path
    serve = runner.invoke(cli, ["serve", "--help"], env=WIDE).output
    assert re.search(r"--workers .*\[default: 1\]", serve)
    assert "Port (default: POISE_PORT or 8000)." in serve
    users = runner.invoke(cli, ["users", "add", "--help"], env=WIDE).output
    assert "[default: agent]" in users


def test_integrations_rotate_replaces_a_senders_secret(cli_env: Settings, session: Session) -> None:
    """A leaked secret could be replaced on the page only: the command does it too, after a
    question (or with --yes), and prints the new one; an unknown name says so."""
    from poise.conversations.models import Integration

    added = runner.invoke(cli, ["integrations", "add", "zendesk-eu"])
    old = added.output.split()[-1]
    asked = runner.invoke(cli, ["integrations", "rotate", "zendesk-eu"], input="n\n")
    assert asked.exit_code != 0 and "Replace zendesk-eu's secret?" in asked.output
    assert session.scalar(select(Integration.secret)) == old
    done = runner.invoke(cli, ["integrations", "rotate", "zendesk-eu", "--yes"])
    assert done.exit_code == 0, done.output
    session.expire_all()
    new = session.scalar(select(Integration.secret))
    assert new != old and done.output.split() == ["zendesk-eu", new]
    missing = runner.invoke(cli, ["integrations", "rotate", "nobody"])
    assert missing.exit_code != 0 and "no integration named 'nobody'" in missing.output
