"""A count of one reads singular wherever a page or a record says it ("1 conversation").

Each place below wrote its noun plural whatever the count ("Stored so far: 1 conversations",
"within 1 days"); they now say it with ``words.counted``, as the rest of Poise does.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.app import create_app
from poise.connectors.actions import save_connector
from poise.connectors.models import Connector
from poise.jobs.models import JobRun
from poise.jobs.steps import Steps
from poise.knowledge.mining import STEPS
from poise.knowledge.models import Article, Proposal
from poise.settings import Settings


def _said(page: str) -> str:
    return " ".join(page.split())


def _mining_job(done: int, total: int) -> JobRun:
    """A running mining's row as its progress writes it while ``done`` of ``total``
    conversations are embedded."""
    job = JobRun(kind="kb_mine", subject="kb:mine", status="running")

    def write(bar_done: int, bar_total: int, step: str = "") -> None:
        job.done, job.total, job.detail = bar_done, bar_total, step

    Steps(write, STEPS).step("embedding issues")(done, total)
    return job


def test_the_connectors_page_says_one_conversation_stored(
    client: TestClient, session: Session
) -> None:
    given = {"subdomain": "acme", "email": "ana@poise.test", "api_token": "t0ken"}
    save_connector(session, actor=None, vendor_name="zendesk", given=given)
    connector = session.scalars(select(Connector)).one()
    connector.conversations_synced = 1
    session.commit()
    sign_in(client, make_user(session, role="admin"))
    page = _said(client.get("/admin/connectors").text)
    assert "<dt>Stored so far</dt><dd>1 conversation (backfill" in page


def test_a_one_day_fcr_window_reads_one_day(session: Session, settings: Settings) -> None:
    day = settings.model_copy(update={"fcr_window_days": 1})
    with TestClient(create_app(day)) as client:
        sign_in(client, make_user(session, role="lead"))
        page = _said(client.get("/manual/fcr").text)
    assert "about the same issue within 1 day." in page and "1 days" not in page


def test_the_help_says_rejected_rows_are_kept_for_one_day(
    session: Session, settings: Settings
) -> None:
    day = settings.model_copy(update={"rejected_rows_days": 1})
    with TestClient(create_app(day)) as client:
        sign_in(client, make_user(session, role="lead"))
        page = _said(client.get("/help/conversations").text)
    assert "kept for 1 day after the import" in page


def test_a_proposal_of_one_conversation_and_a_mining_of_one_read_singular(
    client: TestClient, session: Session
) -> None:
    """`poise kb mine --min-size 1` makes groups of one; a mining over one resolved
    conversation reports "embedding issues: 0 of 1 conversation"."""
    conv = make_conversation(session)
    proposal = Proposal(issue="Printer on fire", group_size=1, conversation_ids=[conv.id])
    session.add_all([proposal, _mining_job(0, 1)])
    session.commit()
    lead = make_user(session, role="lead")
    token = sign_in(client, lead)
    page = _said(client.get("/manual/proposals").text)
    assert "(10% · embedding issues: 0 of 1 conversation …)" in page
    assert '<p class="muted">1 conversation · FCR' in page
    client.post(f"/manual/proposals/{proposal.id}/accept", data={"csrf_token": token})
    article = session.scalars(select(Article)).one()
    assert f"drafted from mined proposal #{proposal.id} (1 conversation);" in (
        article.revisions[0].summary
    )


def test_a_re_embedding_of_one_text_reads_singular(client: TestClient, session: Session) -> None:
    session.add(JobRun(kind="kb-reembed", subject="kb:reembed", status="running", total=1))
    session.commit()
    sign_in(client, make_user(session, role="admin"))
    page = _said(client.get("/admin/models").text)
    assert "(0 of 1 text, " in page


def test_a_job_s_progress_writes_both_counts_alike(client: TestClient, session: Session) -> None:
    """Mining read "(2888 of 2,888 conversations embedded, 100%)": the count done without its
    thousands separator beside the total with one."""
    session.add_all(
        [
            _mining_job(1500, 2888),
            JobRun(
                kind="kb-reembed", subject="kb:reembed", status="running", done=1500, total=2888
            ),
        ]
    )
    session.commit()
    sign_in(client, make_user(session, role="admin"))
    assert "(30% · embedding issues: 1,500 of 2,888 conversations …)" in _said(
        client.get("/manual/proposals").text
    )
    assert "(1,500 of 2,888 texts, 51%)" in _said(client.get("/admin/models").text)
