"""Who reads an import: its uploader, their team's leads and admins; nobody else. The jobs
scoring an import or delivered turns follow it and the conversations' rule.

Imports were organisation-wide: the lead of Billing listed Care's imports and downloaded the
rows Care's file set aside, customer text and all. Another team's import is now left out of
the history and answered exactly as an id nothing has (404, the same words).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_conversation, make_user, post_import, sign_in
from poise.auth.actions import create_api_token, update_user
from poise.auth.models import User
from poise.cli import app as cli
from poise.conversations.actions import import_file
from poise.conversations.models import Conversation, ImportRun
from poise.conversations.scoring import import_scoring_subject, live_subject
from poise.conversations.sweep import sweep_subject
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
    posted = post_import(client, csrf, filename, MIXED, skip_invalid=True)
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


def _job_answers(client: TestClient, headers: dict[str, str], csrf: str, job_id: int) -> list[str]:
    """How the jobs API, its cancel and the page's Cancel button answer ``job_id``, word for
    word (the id blanked), each a 404."""
    read = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    pressed = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf})
    answers = (read, cancelled, pressed)
    assert [a.status_code for a in answers] == [404, 404, 404], [a.text[:200] for a in answers]
    return [said(answer, job_id) for answer in answers]


@pytest.mark.parametrize("subject_of", [live_subject, sweep_subject], ids=["webhook", "sweep"])
def test_the_job_scoring_another_teams_webhook_turns_is_neither_read_nor_cancelled(
    client: TestClient, session: Session, subject_of: Callable[[list[int]], str]
) -> None:
    """The job scoring delivered turns (``webhook:12,13``) was read and cancelled by any lead,
    who learned which conversation ids exist and stopped the scoring of another team's
    conversations. It now answers a lead who may open none of them as a missing job; the
    conversations' team's lead and admins read it, and one conversation of theirs suffices."""
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    care = make_conversation(session, assignee_email=ada.email)
    billing = make_conversation(session, assignee_email=olga.email)
    job = JobRun(kind="score", subject=subject_of([care.id]), status="queued")
    both = JobRun(kind="score", subject=subject_of([billing.id, care.id]), status="queued")
    session.add_all([job, both])
    session.commit()
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    csrf = sign_in(client, bill)
    missing = both.id + 10_000
    assert _job_answers(client, _bearer(session, bill), csrf, job.id) == _job_answers(
        client, _bearer(session, bill), csrf, missing
    )
    session.refresh(job)
    assert job.status == "queued", "Care's scoring runs on"
    shown = client.get(f"/api/v1/jobs/{both.id}", headers=_bearer(session, bill))
    assert shown.status_code == 200, "Billing's conversation is among those it scores"
    for reader in (
        make_user(session, role="lead", team="Care", name="Cara"),
        make_user(session, role="admin", name="Ida"),
    ):
        read = client.get(f"/api/v1/jobs/{job.id}", headers=_bearer(session, reader))
        assert read.status_code == 200 and read.json()["status"] == "queued", reader.name
    cara = session.scalars(select(User).filter_by(name="Cara")).one()
    cancelled = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=_bearer(session, cara))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_a_cut_webhook_subject_opens_no_job_by_its_last_piece_of_an_id(
    client: TestClient, session: Session
) -> None:
    """A subject naming many conversations is cut at the column's length, maybe inside an id:
    the piece left (``12`` of ``1234``) may be another conversation's, one the reader opens,
    and is not counted. The ids whole before the cut count as they were written."""
    olga = make_user(session, team="Billing", name="Olga")
    ours = make_conversation(session, assignee_email=olga.email).id
    cap = len(live_subject([1] * 100))  # where a subject is cut
    room = cap - len("webhook:") - len(str(ours))  # for the ids before the cut one
    wide = next(b for b in range(7) if (room - 8 * b) % 7 == 0)  # ids of 7 digits, then 6
    narrow = (room - 8 * wide) // 7  # each id with its comma: ``room`` characters in all
    filler = [9_000_000 + n for n in range(wide)] + [900_000 + n for n in range(narrow)]
    cut = JobRun(kind="score", subject=live_subject([*filler, int(f"{ours}999")]))
    assert len(cut.subject) == cap and cut.subject.endswith(f",{ours}"), cut.subject
    whole = JobRun(kind="score", subject=live_subject([*filler[1:], ours]))
    session.add_all([cut, whole])
    session.commit()
    headers = _bearer(session, make_user(session, role="lead", team="Billing", name="Bill"))
    assert client.get(f"/api/v1/jobs/{cut.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{whole.id}", headers=headers).status_code == 200


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
    page = post_import(client, csrf, "over.csv", _over(conv, olga.email), source=conv.source)
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


def _bearer(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def _assigned(session: Session, external_id: str) -> int | None:
    """The assignee id of the conversation stored under ``external_id``; 0 when none is."""
    session.expire_all()
    conv = session.scalars(select(Conversation).filter_by(external_id=external_id)).one_or_none()
    return 0 if conv is None else conv.assignee_id


def test_a_leads_import_assigns_no_conversation_to_another_team(
    client: TestClient, session: Session, cli_env: Settings, tmp_path: Path
) -> None:
    """Billing's lead imported a conversation assigned to Care's agent: a new one landed in
    Care, a team Bill does not run, and one of Billing's went there too (Bill lost it from
    every list). Such a row is now refused beside its assignee_email, as any bad row is; the
    other rows are imported when bad ones are set aside. Admins and ``poise import`` still
    assign to anyone."""
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    ours = make_conversation(session, assignee_email=olga.email)
    rows = (
        "conversation_id,channel,author_role,body,sent_at,assignee_email\n"
        f"NEW-1,chat,customer,Where is my refund?,2026-11-20T10:00:00Z,{ada.email}\n"
        f"{ours.external_id},chat,customer,Any news?,2026-11-20T11:00:00Z,{ada.email.upper()}\n"
        f"GOOD-1,chat,customer,Charged twice,2026-11-20T12:00:00Z,{olga.email}\n"
    ).encode()
    form = {"format": "csv", "source": ours.source}
    csrf = sign_in(client, bill)
    page = post_import(client, csrf, "care.csv", rows, source=ours.source)
    assert page.status_code == 422, page.text[:600]
    assert page.text.count('data-label="Field">assignee_email</td>') == 2
    assert page.text.count("is not in your team: the conversation would go to a team") == 2
    assert (_assigned(session, "NEW-1"), _assigned(session, "GOOD-1")) == (0, 0)
    api = client.post(
        "/api/v1/imports",
        data={**form, "skip_invalid": "true"},
        files={"file": ("care.csv", rows, "text/csv")},
        headers=_bearer(session, bill),
    )
    assert api.status_code == 200 and api.json()["status"] == "partial", api.text
    refused = [(e["line"], e["field"]) for e in api.json()["errors"]]
    assert refused == [(2, "assignee_email"), (3, "assignee_email")]
    assert ada.email in api.json()["errors"][0]["reason"]
    assert _assigned(session, "NEW-1") == 0  # not stored at all
    assert _assigned(session, ours.external_id) == olga.id  # still Billing's
    assert _assigned(session, "GOOD-1") == olga.id  # the good row went in

    admin = make_user(session, role="admin", name="Ida")
    done = client.post(
        "/api/v1/imports",
        data=form,
        files={"file": ("care.csv", rows, "text/csv")},
        headers=_bearer(session, admin),
    )
    assert done.status_code == 200 and done.json()["status"] == "imported", done.text
    assert _assigned(session, "NEW-1") == ada.id
    path = tmp_path / "care.csv"
    path.write_bytes(rows.replace(b"NEW-1", b"NEW-2"))
    cli_run = CliRunner().invoke(cli, ["import", str(path), "-f", "csv", "--source", ours.source])
    assert cli_run.exit_code == 0, cli_run.output
    assert _assigned(session, "NEW-2") == ada.id


def test_a_leads_import_credits_no_rating_or_reply_to_another_team(
    client: TestClient, session: Session
) -> None:
    """Besides the assignee, a file names people as the agent a rating credits (it reaches
    their Happy File and kudos round) and as a reply's author (their AutoQA feedback): a
    lead's file naming someone outside their team there is refused beside that field too, in
    CSV, JSON Lines and Zendesk exports alike. Their own team's people are fine."""
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    headers = _bearer(session, bill)

    def imported(fmt: str, data: str) -> Any:
        files = {"file": (f"file.{fmt}", data.encode(), "text/plain")}
        return client.post("/api/v1/imports", data={"format": fmt}, files=files, headers=headers)

    header = (
        "conversation_id,channel,author_role,body,sent_at,author_email,rating,rating_agent_email\n"
    )
    rated = f"R-1,chat,customer,Thanks a lot!,2026-11-20T10:00:00Z,,good,{ada.email}\n"
    signed = f"S-1,chat,agent,Sorted it for you,2026-11-20T10:00:00Z,{ada.email},,\n"
    turn = {"conversation_id": "J-1", "channel": "chat", "author_role": "agent"}
    line = {**turn, "body": "Done", "sent_at": "2026-11-20T10:00:00Z", "author_email": ada.email}
    asked = {"id": 1, "author_id": 7, "body": "Refund?", "created_at": "2026-11-20T10:00:00Z"}
    ticket = {"id": 9001, "requester_id": 7, "assignee": {"email": ada.email}, "comments": [asked]}
    cases = [
        ("csv", header + rated, "rating_agent_email", "the rating would credit"),
        ("csv", header + signed, "author_email", "the message would count as the reply"),
        ("jsonl", json.dumps(line), "author_email", "the message would count as the reply"),
        ("zendesk", json.dumps({"tickets": [ticket]}), "assignee", "the conversation would go"),
    ]
    for fmt, data, field, consequence in cases:
        refused = imported(fmt, data)
        assert refused.status_code == 422, (fmt, field, refused.text)
        [error] = refused.json()["errors"]
        assert (error["line"], error["field"]) == (1 if fmt != "csv" else 2, field), error
        assert f"is not in your team: {consequence}" in error["reason"], error
        teammate = imported(fmt, data.replace(ada.email, olga.email))
        assert teammate.status_code == 200, (fmt, field, teammate.text)
    assert session.scalar(select(func.count()).select_from(Conversation)) == 4
