"""Admin → Jobs: the background jobs an operator could only read with ``poise jobs`` on the
server, as an admin reads them in the browser: newest first, paged, filtered, one job's chunks
and detail, and Cancel."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import csrf_from, make_conversation, make_user, sign_in
from poise.conversations.models import ImportRun
from poise.db.base import utcnow
from poise.jobs.models import JobChunk, JobRun

FAILURE = (
    "chunk 2 failed: the disk is full (error 7f3a9c)\n"
    "the second line of the reason, shown whole on the page of the job"
)


def _rows(html: str) -> str:
    return html.split('<tbody role="rowgroup">', 1)[1].split("</tbody>", 1)[0]


def _job_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/admin/jobs/(\d+)">Job', _rows(html))]


def _jobs(session: Session, count: int, ago: int = 0, **fields: object) -> list[JobRun]:
    """``count`` jobs queued a minute apart, oldest first, the newest ``ago`` minutes ago."""
    now = utcnow() - timedelta(minutes=ago)
    jobs = [
        JobRun(created_at=now - timedelta(minutes=count - n), **{"kind": "score", **fields})
        for n in range(count)
    ]
    session.add_all(jobs)
    session.commit()
    return jobs


def _import(session: Session) -> ImportRun:
    run = ImportRun(
        filename="export.csv", format="csv", source="csv", sha256="0" * 64, status="imported"
    )
    session.add(run)
    session.commit()
    return run


def test_the_jobs_page_pages_through_the_newest_first_and_filters_by_status_and_kind(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="admin"))
    done = _jobs(session, 22, ago=10, status="done", detail="scored 40 messages\nand more")
    failed = _jobs(session, 3, kind="rescore", status="failed", detail=FAILURE)
    newest_first = [j.id for j in reversed(done + failed)]

    first = client.get("/admin/jobs")
    assert first.status_code == 200
    assert _job_ids(first.text) == newest_first[:20]  # the tests' page holds 20
    assert "25 jobs · page 1 of 2" in first.text
    assert "chunk 2 failed: the disk is full (error 7f3a9c)" in first.text  # the first line
    assert "the second line of the reason" not in first.text
    second = client.get("/admin/jobs", params={"page": 2})
    assert _job_ids(second.text) == newest_first[20:]

    only_failed = client.get("/admin/jobs", params={"status": "failed"})
    assert _job_ids(only_failed.text) == [j.id for j in reversed(failed)]
    assert '<option value="failed" selected>' in only_failed.text, "the filter stays chosen"
    by_kind = client.get("/admin/jobs", params={"kind": "score", "status": "done"})
    assert _job_ids(by_kind.text) == newest_first[3:23]
    assert 'href="?status=done&amp;kind=score&amp;page=2"' in by_kind.text, "paging keeps it"
    nothing = client.get("/admin/jobs", params={"status": "cancelled"})
    assert "No jobs match these filters" in nothing.text

    typo = client.get("/admin/jobs", params={"status": "faild"})
    assert typo.status_code == 400
    assert "No job has the status “faild”" in typo.text
    assert 'aria-invalid="true"' in typo.text
    assert _job_ids(typo.text) == newest_first[:20], "the list shows every job instead"
    assert 'href="?page=2"' in typo.text, "its pages are every job's, without the typo"


def test_the_jobs_page_says_what_jobs_are_before_there_is_one(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert "No jobs yet. A job appears here when Poise starts work in the background" in page.text
    assert "Interrupted</strong>: the process running it stopped" in page.text  # the statuses
    assert 'href="/admin/jobs"' in page.text, "the admin pages' tabs name it"


def test_a_row_names_what_the_job_is_for_and_links_only_what_exists(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="admin"))
    run = _import(session)
    conv = make_conversation(session)
    subjects = (
        f"import:{run.id}",
        f"import:{run.id + 1}",  # an import deleted since
        f"webhook:{conv.id}",
        f"sweep:{conv.id},{conv.id + 1}",
        "connector:zendesk",
        "scheduled:insights-digest",
        "kb:reembed",
    )
    for job, subject in zip(_jobs(session, len(subjects), done=1, total=4), subjects, strict=True):
        job.subject = subject
    session.commit()
    rows = _rows(client.get("/admin/jobs").text)
    assert f'<a href="/import?run={run.id}">import #{run.id}</a>' in rows
    assert f"import #{run.id + 1}" in rows and f"/import?run={run.id + 1}" not in rows
    assert (
        f'<a href="/conversations/{conv.id}">delivered turns: conversation #{conv.id}</a>' in rows
    )
    assert "the sweep: 2 conversations" in rows
    assert '<a href="/admin/connectors">zendesk sync</a>' in rows
    assert "the schedule: insights-digest" in rows
    assert '<a href="/admin/models#manual-encoder">the manual&#39;s encoder</a>' in rows
    assert '<progress value="1" max="4"' in rows and "1/4 (25%)" in rows


def test_a_failed_split_scoring_shows_its_chunks_detail_and_the_conversations_it_left(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="admin"))
    run = _import(session)
    left = [make_conversation(session, external_id=f"left-{n}") for n in range(2)]
    scored = make_conversation(session, external_id="scored")
    (job,) = _jobs(
        session,
        1,
        subject=f"import:{run.id}",
        status="failed",
        done=30,
        total=90,
        detail=FAILURE,
        owner="broker queue",
    )
    gone_id = max(c.id for c in [*left, scored]) + 1  # a conversation deleted since
    session.add_all(
        [
            JobChunk(job_id=job.id, seq=0, keys=[scored.id], size=30, status="done", attempts=1),
            JobChunk(
                job_id=job.id,
                seq=1,
                keys=[left[0].id, left[1].id, gone_id],
                size=50,
                status="failed",
                attempts=3,
                owner="worker-7:77",
            ),
            JobChunk(job_id=job.id, seq=2, keys=[scored.id + 100], size=10, status="pending"),
        ]
    )
    session.commit()

    page = client.get(f"/admin/jobs/{job.id}")
    assert page.status_code == 200
    assert FAILURE in page.text, "the whole detail, both lines"
    assert f'<a href="/import?run={run.id}">import #{run.id}</a>' in page.text
    for status, chunks, size, tries in (("done", 1, 30, 1), ("failed", 1, 50, 3)):
        assert (
            f'<th scope="row">{status}</th><td class="num">{chunks}</td>'
            f'<td class="num">{size}</td><td class="num">{tries}</td>'
        ) in page.text
    assert "Workers: worker-7:77" in page.text
    assert "3 conversations, from its failed chunks" in page.text
    for conv in left:
        assert f'<a href="/conversations/{conv.id}">Conversation #{conv.id}</a>' in page.text
    assert f"/conversations/{gone_id}" not in page.text, "a conversation gone is not a link"
    assert f"/conversations/{scored.id}" not in page.text, "a done chunk's are scored"
    assert "Cancel job" not in page.text, "an ended job offers no Cancel"


def test_an_unknown_job_is_a_page_that_says_so(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/jobs/4242")
    assert page.status_code == 404
    assert "There is no job 4242: the Jobs page lists the jobs there are." in page.text


def test_only_admins_reach_the_jobs_pages(client: TestClient, session: Session) -> None:
    (job,) = _jobs(session, 1, status="running")
    paths = ("/admin/jobs", f"/admin/jobs/{job.id}")
    for path in paths:
        refused = client.get(path, follow_redirects=False)
        assert refused.status_code == 303 and "/login" in refused.headers["location"], path
    for role in ("agent", "lead"):
        token = sign_in(client, make_user(session, role=role))
        for path in paths:
            assert client.get(path).status_code == 403, (role, path)
        cancel = client.post(f"/admin/jobs/{job.id}/cancel", data={"csrf_token": token})
        assert cancel.status_code == 403, role
        client.post("/logout", data={"csrf_token": token})
    session.expire_all()
    assert session.get(JobRun, job.id).status == "running"  # type: ignore[union-attr]


def test_cancel_from_the_jobs_page_stops_a_running_job_and_comes_back(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="admin", name="Ada Admin"))
    running, ended = _jobs(session, 2, status="running", done=10, total=40)
    ended.status = "done"
    session.commit()
    listing = client.get("/admin/jobs", params={"status": "running"})
    assert f'aria-label="Cancel job {running.id}"' in listing.text
    assert f'aria-label="Cancel job {ended.id}"' not in client.get("/admin/jobs").text
    form = {"csrf_token": csrf_from(listing.text), "back": "/admin/jobs?status=running&page=1"}

    answer = client.post(f"/admin/jobs/{running.id}/cancel", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/jobs?status=running&page=1"
    session.expire_all()
    cancelled = session.get(JobRun, running.id)
    assert cancelled is not None and cancelled.status == "cancelled"
    assert cancelled.detail == "cancelled by Ada Admin at 10 of 40; what was done stays"
    assert f"Job {running.id} cancelled" in client.get(answer.headers["location"]).text

    again = client.post(f"/admin/jobs/{running.id}/cancel", data={**form, "back": "//evil"})
    assert again.url.path == "/admin/jobs", "the form sends nowhere but the Jobs pages"
    assert "has already ended (cancelled): nothing to cancel" in again.text
    missing = client.post("/admin/jobs/4242/cancel", data=form)
    assert missing.status_code == 404


def test_the_import_page_leads_an_admin_to_the_job_that_scored_an_import(
    client: TestClient, session: Session
) -> None:
    """A failed scoring's "it failed; the worker log has the detail" was the end of the road
    on the import page: an admin now opens the job; a lead, who may not open the Jobs page,
    sees no link."""
    lead = make_user(session, role="lead", team="Care")
    run = _import(session)
    run.team_id, run.created_by_id = lead.team_id, lead.id
    (job,) = _jobs(session, 1, subject=f"import:{run.id}", status="failed", detail=FAILURE)
    token = sign_in(client, lead)
    seen_by_lead = client.get("/import").text
    assert f'data-job-id="{job.id}"' in seen_by_lead, "the lead reads the job's status"
    assert f"/admin/jobs/{job.id}" not in seen_by_lead
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, make_user(session, role="admin"))
    assert f'<a href="/admin/jobs/{job.id}">Job {job.id}</a>' in client.get("/import").text


def test_a_job_with_many_failed_chunks_says_which_it_read(
    client: TestClient, session: Session
) -> None:
    """A job's page lists its first failed chunks, not thousands: it says so, and that the
    conversations counted come from those only."""
    sign_in(client, make_user(session, role="admin"))
    (job,) = _jobs(session, 1, kind="rescore", status="failed", detail=FAILURE)
    session.add_all(
        JobChunk(job_id=job.id, seq=n, keys=[n + 1], size=1, status="failed") for n in range(51)
    )
    session.commit()
    page = client.get(f"/admin/jobs/{job.id}").text
    assert "The first 50 of 51." in page
    assert "50 conversations, from its first 50 failed chunks" in page
