"""Who reads an import: its uploader, their team's leads and admins; nobody else.

Imports were organisation-wide: the lead of Billing listed Care's imports and downloaded the
rows Care's file set aside, customer text and all. Another team's import is now left out of
the history and answered exactly as an id nothing has (404, the same words).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token, update_user
from poise.cli import app as cli
from poise.conversations.actions import import_file
from poise.conversations.models import Conversation, ImportRun
from poise.conversations.scoring import import_scoring_subject
from poise.errors import InvalidInput
from poise.jobs import JobRun
from poise.settings import Settings
from support import said

MIXED = (
    b"conversation_id,channel,author_role,body,sent_at\n"
    b"IMP-1,email,customer,Hello there,2026-10-01T10:00:00Z\n"
    b"IMP-2,pigeon,customer,My card ends 4242 and nobody calls back,2026-10-01T10:00:00Z\n"
)


def _upload(client: TestClient, csrf: str, filename: str) -> int:
    """Upload MIXED through the import page (its bad row set aside); the run's id."""
    posted = client.post(
        "/import",
        data={"format": "csv", "csrf_token": csrf, "skip_invalid": "true"},
        files={"file": (filename, MIXED, "text/csv")},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text[:600]
    return int(posted.headers["location"].rsplit("=", 1)[1])


def test_another_teams_import_is_hidden_and_answered_as_a_missing_one(
    client: TestClient, session: Session
) -> None:
    cara = make_user(session, role="lead", team="Care", name="Cara")
    run_id = _upload(client, sign_in(client, cara), "care-export.csv")
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="Billing", name="Bill"))
    assert "care-export.csv" not in client.get("/import").text
    missing = run_id + 10_000
    for path in ("/import?run={}", "/import/{}/rejected"):
        theirs, nothing = client.get(path.format(run_id)), client.get(path.format(missing))
        assert (theirs.status_code, nothing.status_code) == (404, 404), path
        assert said(theirs, run_id) == said(nothing, missing), path
        assert f"no import with id {run_id}" in theirs.text and "4242" not in theirs.text


def test_the_uploader_their_teams_leads_and_admins_read_it(
    client: TestClient, session: Session
) -> None:
    cara = make_user(session, role="lead", team="Care", name="Cara")
    run_id = _upload(client, sign_in(client, cara), "care-export.csv")
    assert cara.team_id is not None
    billing = make_user(session, role="lead", team="Billing", name="Bill").team_id
    update_user(session, actor=None, user_id=cara.id, role="lead", team_id=billing, is_active=True)
    for reader in (
        cara,  # moved to Billing: still reads what she uploaded
        make_user(session, role="lead", team="Care", name="Cleo"),  # Care's other lead
        make_user(session, role="admin", name="Ida"),
    ):
        client.cookies.clear()
        sign_in(client, reader)
        assert "care-export.csv" in client.get("/import").text, reader.name
        assert client.get(f"/import?run={run_id}").status_code == 200, reader.name
        rows = client.get(f"/import/{run_id}/rejected")
        assert rows.status_code == 200 and b"4242" in rows.content, reader.name
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="Billing", name="Bea"))
    assert "care-export.csv" not in client.get("/import").text, "Cara's move took nothing along"
    assert client.get(f"/import/{run_id}/rejected").status_code == 404


def test_another_teams_import_scoring_job_is_neither_read_nor_cancelled(
    client: TestClient, session: Session
) -> None:
    """Any lead could read and cancel the job scoring another team's import (its detail names
    the file); the job now follows its import, and other work stays every lead's."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    run_id = _upload(client, sign_in(client, cara), "care-export.csv")
    scoring = JobRun(kind="score", subject=import_scoring_subject(run_id), status="queued")
    mining = JobRun(kind="mine", subject="kb:mine", status="queued")
    session.add_all([scoring, mining])
    session.commit()
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    client.cookies.clear()
    csrf = sign_in(client, bill)
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=bill)}"}
    missing = scoring.id + 10_000
    for job_id in (scoring.id, missing):
        assert client.get(f"/api/v1/jobs/{job_id}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).status_code == 404
        page = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf})
        assert page.status_code == 404
    session.refresh(scoring)
    assert scoring.status == "queued", "another team's scoring runs on"
    assert client.get(f"/api/v1/jobs/{mining.id}", headers=headers).status_code == 200
    cara_headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=cara)}"}
    cancelled = client.post(f"/api/v1/jobs/{scoring.id}/cancel", headers=cara_headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_a_command_line_import_belongs_to_the_team_it_names(
    client: TestClient, session: Session, cli_env: Settings, tmp_path: Path
) -> None:
    """``poise import`` had no ``--team``: its import belonged to no team, so only admins saw
    it, and a team's lead never found the history of the file run for them."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    with pytest.raises(InvalidInput):  # a person's import is their own team's
        import_file(session, actor=bill, data=MIXED, filename="x.csv", fmt="csv", team_id=1)
    path = tmp_path / "care-nightly.csv"
    path.write_bytes(MIXED)
    command = ["import", str(path), "-f", "csv", "--skip-invalid", "--no-score"]
    typo = CliRunner().invoke(cli, [*command, "--team", "Cars"])
    assert typo.exit_code == 2, typo.output
    assert "no team named 'Cars'" in typo.output and "Billing, Care" in typo.output
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert session.scalar(select(func.count()).select_from(Conversation)) == 0
    done = CliRunner().invoke(cli, [*command, "--team", " care "])
    assert done.exit_code == 0, done.output
    run = session.scalars(select(ImportRun)).one()
    assert run.team_id == cara.team_id and run.created_by_id is None
    sign_in(client, cara)
    assert "care-nightly.csv" in client.get("/import").text
    report = client.get(f"/import?run={run.id}")
    assert report.status_code == 200 and "pigeon" in report.text  # the refused row's reason
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="Billing", name="Bea"))
    assert "care-nightly.csv" not in client.get("/import").text
    assert client.get(f"/import?run={run.id}").status_code == 404


def test_a_command_line_imports_rejected_rows_are_offered_by_its_report(
    client: TestClient, session: Session, cli_env: Settings, tmp_path: Path
) -> None:
    """``poise import --skip-invalid`` wrote the rows it set aside only beside its file, so
    the team's lead reading the import's report followed "download them" to 404 "no rejected
    rows were kept for this import"; the file beside the import is still written."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    path = tmp_path / "care-nightly.csv"
    path.write_bytes(MIXED)
    command = ["import", str(path), "-f", "csv", "--skip-invalid", "--no-score", "--team", "Care"]
    done = CliRunner().invoke(cli, command)
    assert done.exit_code == 0, done.output
    assert "IMP-2,pigeon" in (tmp_path / "care-nightly.csv.rejected").read_text()
    run = session.scalars(select(ImportRun)).one()
    sign_in(client, cara)
    assert f"/import/{run.id}/rejected" in client.get(f"/import?run={run.id}").text
    rows = client.get(f"/import/{run.id}/rejected")
    assert rows.status_code == 200, rows.text[:300]
    assert rows.text.startswith("conversation_id,channel") and "IMP-2,pigeon" in rows.text
    assert "IMP-1" not in rows.text
    assert 'filename="care-nightly-rejected.csv"' in rows.headers["content-disposition"]


def _over(conv: Conversation, assignee: str) -> bytes:
    """A file naming ``conv`` by its source's id: assigned to ``assignee``, a new subject and
    one more customer message."""
    return (
        "conversation_id,channel,author_role,body,sent_at,assignee_email,subject\n"
        f"{conv.external_id},chat,customer,Planted by another team,2026-11-20T10:00:00Z,"
        f"{assignee},Taken over\n"
    ).encode()


def test_another_teams_conversation_is_not_taken_over_by_importing_over_it(
    client: TestClient, session: Session
) -> None:
    """An import stores a conversation by its source and helpdesk id, updating the one stored:
    Billing's lead imported a file naming Care's conversation (source "test", a ticket
    number), assigned it to a Billing agent and so read Care's whole thread, planted a
    message in it and renamed it, while Care's agent lost it. A person's import now leaves
    a conversation they may not open untouched and says so beside the source field; nothing
    of the file is stored. Admins and the command line (trusted) still update any."""
    ada = make_user(session, team="Care", name="Ada")
    conv = make_conversation(session, assignee_email=ada.email)
    olga = make_user(session, team="Billing", name="Olga")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    csrf = sign_in(client, bill)
    page = client.post(
        "/import",
        data={"format": "csv", "source": conv.source, "csrf_token": csrf},
        files={"file": ("over.csv", _over(conv, olga.email), "text/csv")},
        follow_redirects=False,
    )
    assert page.status_code == 400, page.text[:600]
    assert "not one you can open" in page.text and 'value="test"' in page.text
    api = client.post(
        "/api/v1/imports",
        data={"format": "csv", "source": conv.source},
        files={"file": ("over.csv", _over(conv, olga.email), "text/csv")},
        headers={"Authorization": f"Bearer {create_api_token(session, actor=None, user=bill)}"},
    )
    assert api.status_code == 400 and "not one you can open" in api.text
    session.expire_all()
    kept = session.get(Conversation, conv.id)
    assert kept is not None and kept.assignee_id == ada.id and kept.subject != "Taken over"
    assert "Planted by another team" not in [m.body for m in kept.messages]
    admin = make_user(session, role="admin")
    done = import_file(
        session, actor=admin, data=_over(conv, olga.email), filename="x.csv", fmt="csv",
        source=conv.source,
    )  # fmt: skip
    assert done.counts.conversations_updated == 1


def test_a_lead_still_updates_their_own_teams_and_unassigned_conversations(
    client: TestClient, session: Session
) -> None:
    """A re-import of the team's own export (or of a conversation nobody owns yet) updates it."""
    ada = make_user(session, team="Care", name="Ada")
    ours = make_conversation(session, assignee_email=ada.email)
    nobody = make_conversation(session)
    cara = make_user(session, role="lead", team="Care", name="Cara")
    for conv in (ours, nobody):
        report = import_file(
            session, actor=cara, data=_over(conv, ada.email), filename="x.csv", fmt="csv",
            source=conv.source,
        )  # fmt: skip
        assert report.counts.conversations_updated == 1
