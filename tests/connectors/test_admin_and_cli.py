"""The connectors page (admins only; GET writes nothing; errors beside fields; "Sync now"
queues the job) and ``poise connect``."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import csrf_from, make_user, sign_in
from connectors.recorded import Replay, count
from connectors.test_zendesk import EXPORT, OPENING, comments, export, ticket
from poise.cli import app as cli
from poise.connectors.models import Connector
from poise.conversations.models import Conversation
from poise.jobs import JobRun
from poise.settings import Settings

PAGE = "/admin/connectors"


def wait_for(session: Session, subject: str) -> JobRun:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.scalar(
            select(JobRun).where(JobRun.subject == subject).order_by(JobRun.id.desc()).limit(1)
        )
        if job is not None and job.status not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError("the sync job did not finish")


def test_only_admins_open_the_page_and_a_read_writes_nothing(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="lead"))
    assert client.get(PAGE).status_code == 403
    sign_in(client, make_user(session, role="admin"))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Zendesk" in page.text and "Help Scout" in page.text and "not connected" in page.text
    assert count(session, Connector) == 0


def test_the_page_leads_to_setup_help_and_shows_each_webhook_address_before_connecting(
    client: TestClient, session: Session, settings: Settings
) -> None:
    sign_in(client, make_user(session, role="admin"))
    page = client.get(PAGE).text
    assert "docs/connectors.md" not in page  # a file of the source, not a page a reader can open
    assert '<a href="/help/admin#connector-setup">' in page
    for vendor in ("zendesk", "freshdesk", "helpscout", "intercom"):
        assert f"{settings.base_url}/api/v1/connectors/{vendor}/webhook" in page, vendor
    help_page = client.get("/help/admin").text
    assert 'id="connector-setup"' in help_page
    for place in ("Admin Center", "Profile settings", "My Apps", "Developer Hub"):
        assert place in help_page, place


def test_bad_credentials_are_shown_beside_the_field_with_the_input_kept(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    form = {
        "csrf_token": token,
        "subdomain": "Not A Subdomain!",
        "email": "ana@poise.test",
        "api_token": "t",
    }
    refused = client.post(f"{PAGE}/zendesk", data=form)
    assert refused.status_code == 400
    assert 'id="subdomain-error"' in refused.text and 'value="ana@poise.test"' in refused.text
    assert count(session, Connector) == 0


def test_sync_now_queues_the_job_and_the_page_tells_how_it_went(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    form = {"csrf_token": token, "subdomain": "acme", "email": "ana@poise.test", "api_token": "t"}
    assert client.post(f"{PAGE}/zendesk", data=form, follow_redirects=False).status_code == 303
    saved = client.get(PAGE).text
    assert "still running" not in saved  # nothing has run yet
    assert "0 conversations (backfill not started: the next scheduled sync" in saved
    replay = Replay()
    replay.json("GET", EXPORT, export([ticket(35436)], "c1", end=True))
    replay.json("GET", "/api/v2/tickets/35436/comments.json", comments(OPENING))
    app.state.connector_seam = replay.seam
    token = csrf_from(client.get(PAGE).text)
    queued = client.post(f"{PAGE}/zendesk/sync", data={"csrf_token": token}, follow_redirects=False)
    assert queued.status_code == 303
    assert wait_for(session, "connector:zendesk").status == "done"
    assert count(session, Conversation) == 1
    page = client.get(PAGE).text
    assert "(succeeded)" in page and "old in Zendesk" in page

    replay.add("GET", EXPORT, httpx.Response(401, json={"error": "Couldn't authenticate you"}))
    client.post(f"{PAGE}/zendesk/sync", data={"csrf_token": token})
    assert wait_for(session, "connector:zendesk").status == "failed"
    assert "Zendesk refused the credentials (401)" in client.get(PAGE).text


def test_poise_connect_stores_credentials_from_options_and_settings(
    cli_env: Settings, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POISE_ZENDESK_API_TOKEN", "from-settings")
    runner = CliRunner()
    args = [
        "connect",
        "zendesk",
        "--set",
        "subdomain=acme",
        "--set",
        "email=ana@poise.test",
        "--no-sync",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    connector = session.scalar(select(Connector))
    assert connector is not None
    assert connector.credentials == {
        "subdomain": "acme",
        "email": "ana@poise.test",
        "api_token": "from-settings",
    }
    missing = runner.invoke(cli, ["connect", "intercom", "--no-sync"])
    assert missing.exit_code == 2 and "Access token is required" in missing.output
    assert runner.invoke(cli, ["connect", "zammad"]).exit_code == 2
    # A mistyped name was dropped, and the error named the credential it had meant to give.
    typo = runner.invoke(cli, ["connect", "zendesk", "--set", "subdomian=acme", "--no-sync"])
    assert typo.exit_code == 2
    assert "Zendesk has no credential 'subdomian': use subdomain" in " ".join(typo.output.split())


def test_a_sync_from_the_command_line_shows_its_pages_on_a_bar(
    cli_env: Settings, session: Session
) -> None:
    """``poise connect``'s first sync (a backfill of up to a year) said nothing until it
    ended: the pages fetched so far now move a bar."""
    import io

    from rich.console import Console
    from rich.progress import Progress

    from poise.cli.context import progress_bar
    from poise.connectors.actions import save_connector, sync_work
    from poise.connectors.cli import with_a_bar
    from poise.hooks import Hooks

    given = {"subdomain": "acme", "email": "ana@poise.test", "api_token": "t"}
    save_connector(session, actor=None, vendor_name="zendesk", given=given)
    session.commit()
    replay = Replay()
    replay.json(
        "GET", EXPORT, export([ticket(1)], "c1", end=False), export([ticket(2)], "c2", True)
    )
    for ticket_id in (1, 2):
        replay.json("GET", f"/api/v2/tickets/{ticket_id}/comments.json", comments(OPENING))
    work = sync_work("zendesk", seam=replay.seam, settings=cli_env, hooks=Hooks())
    screen = Console(file=io.StringIO(), record=True, force_terminal=True, width=100)
    bar = Progress(*progress_bar().columns, console=screen)
    summary = with_a_bar(work, session, "Syncing Zendesk", bar)
    assert summary.startswith("2 pages: 2 new conversations, 0 updated"), summary
    (task,) = bar.tasks
    assert task.completed == 2 and task.description == "Syncing Zendesk: pages"
    assert "Syncing Zendesk: pages" in screen.export_text()


def test_every_refused_credential_is_said_at_once_beside_its_field(
    client: TestClient, session: Session
) -> None:
    """A bad subdomain was said alone; the empty token only on the next try, a round each."""
    token = sign_in(client, make_user(session, role="admin"))
    form = {"csrf_token": token, "subdomain": "Not A Subdomain!", "email": "", "api_token": ""}
    refused = client.post(f"{PAGE}/zendesk", data=form)
    assert refused.status_code == 400
    for field, said in {
        "subdomain": "Subdomain does not look right",
        "email": "Agent e-mail is required",
        "api_token": "API token is required",
    }.items():
        error = refused.text.split(f'id="{field}-error">', 1)[1].split("</span>", 1)[0]
        assert said in error, field
    assert count(session, Connector) == 0


def test_a_too_long_webhook_secret_is_said_with_the_refused_credentials(
    client: TestClient, session: Session
) -> None:
    """The webhook secret was checked only once every credential passed: a round of its own."""
    token = sign_in(client, make_user(session, role="admin"))
    form = {"csrf_token": token, "subdomain": "acme", "email": "", "api_token": "t"}
    refused = client.post(f"{PAGE}/zendesk", data={**form, "webhook_secret": "s" * 129})
    assert refused.status_code == 400
    for field, said in {
        "email": "Agent e-mail is required",
        "webhook_secret": "longer than 128 characters",
    }.items():
        error = refused.text.split(f'id="{field}-error">', 1)[1].split("</span>", 1)[0]
        assert said in error, field
    assert 'value="acme"' in refused.text, "what was typed is kept"
    assert count(session, Connector) == 0
