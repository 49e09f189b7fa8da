"""``GET /api/v1/jobs/{id}``: what a job works for, when it ran and, for a scoring that did not
get through, how many conversations it left: the Jobs page's answer, for an API client.

The status said only "failed" and a percent: a client polling an import's scoring could not
learn what was left unscored without an admin opening the Jobs page."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.conversations.scoring import live_subject
from poise.conversations.sweep import sweep_subject
from poise.db.base import utcnow
from poise.jobs.models import JobChunk, JobRun
from poise.jobs.queries import FAILED_CHUNKS_SHOWN


def _bearer(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def _job(session: Session, **fields: object) -> JobRun:
    job = JobRun(**{"kind": "score", **fields})
    session.add(job)
    session.commit()
    return job


def test_a_failed_split_scoring_counts_every_conversation_its_failed_chunks_left(
    client: TestClient, session: Session
) -> None:
    """More chunks failed than the Jobs page lists: the API counts them all, once each."""
    queued, ended = utcnow() - timedelta(minutes=5), utcnow()
    job = _job(session, subject="import:7", status="failed", done=1, total=9)
    job.created_at, job.finished_at = queued, ended
    failed = FAILED_CHUNKS_SHOWN + 2
    session.add_all(
        JobChunk(job_id=job.id, seq=n, keys=[n, n + 1], size=2, status="failed")
        for n in range(failed)
    )
    session.add(JobChunk(job_id=job.id, seq=failed, keys=[500], size=1, status="done"))
    session.commit()

    shown = client.get(
        f"/api/v1/jobs/{job.id}", headers=_bearer(session, make_user(session, role="admin"))
    )
    assert shown.status_code == 200
    body = shown.json()
    assert body["conversations_left"] == failed + 1, "ids 0..failed, the done chunk's not"
    assert body["subject"] == "import:7"
    assert datetime.fromisoformat(body["finished_at"]) == ended
    assert datetime.fromisoformat(body["created_at"]) == queued
    assert body["heartbeat_at"] is None
    old = {"id", "kind", "status", "done", "total", "percent", "detail"}
    assert old <= body.keys() and (body["status"], body["percent"]) == ("failed", 11)


def test_only_a_scoring_that_ended_badly_counts_what_it_left(
    client: TestClient, session: Session
) -> None:
    """An unsplit scoring counts its subject's conversations; running, done or other work
    answers null, as the Jobs page shows no such list for them."""
    headers = _bearer(session, make_user(session, role="admin"))
    cancelled = _job(session, subject=live_subject([3, 4]), status="cancelled")
    interrupted = _job(session, kind="rescore", subject=sweep_subject([5]), status="interrupted")
    running = _job(session, subject=live_subject([3]), status="running")
    done = _job(session, subject=live_subject([3]), status="done")
    mining = _job(session, kind="kb-mine", subject="kb:mine", status="failed")
    imported = _job(session, subject="import:9", status="cancelled")  # no chunk failed
    expected = {cancelled: 2, interrupted: 1, running: None, done: None, mining: None}
    for job, left in [*expected.items(), (imported, None)]:
        body = client.get(f"/api/v1/jobs/{job.id}", headers=headers).json()
        assert body["conversations_left"] == left, (job.kind, job.status, job.subject)
    cancel = client.post(f"/api/v1/jobs/{running.id}/cancel", headers=headers)
    assert cancel.json()["conversations_left"] == 1, "the cancel answer says it too"


def test_a_lead_reads_only_the_conversations_they_may_open(
    client: TestClient, session: Session
) -> None:
    """The sweep scores every team's turns: a lead reading its job learned the ids of
    another team's conversations from its subject. They now see, and count, their own."""
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    care = make_conversation(session, assignee_email=ada.email)
    billing = make_conversation(session, assignee_email=olga.email)
    job = _job(session, subject=sweep_subject([billing.id, care.id]), status="failed")
    cara = make_user(session, role="lead", team="Care", name="Cara")

    lead = client.get(f"/api/v1/jobs/{job.id}", headers=_bearer(session, cara)).json()
    assert (lead["subject"], lead["conversations_left"]) == (f"sweep:{care.id}", 1)
    admin = _bearer(session, make_user(session, role="admin"))
    whole = client.get(f"/api/v1/jobs/{job.id}", headers=admin).json()
    assert (whole["subject"], whole["conversations_left"]) == (job.subject, 2)


def test_the_api_schema_documents_the_new_fields(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    fields = spec["components"]["schemas"]["JobStatus"]["properties"]
    for name in ("subject", "created_at", "heartbeat_at", "finished_at", "conversations_left"):
        assert fields[name].get("description"), name
    assert {"id", "kind", "status", "done", "total", "percent", "detail"} <= fields.keys()
