"""The admin Jobs pages in a real browser: an active job's status and progress follow the job
while the page is open, as the import page's Signals cell does, and stop when it ends.

The pages drew a job once: a running job's bar stood still until a reload."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import make_user, sign_in_page
from poise.db.base import utcnow
from poise.jobs.models import JobRun

pytestmark = pytest.mark.browser


def _running_job(session: Session, **fields: object) -> JobRun:
    job = JobRun(**{"kind": "kb-mine", "subject": "kb:mine", "status": "running", **fields})
    session.add(job)
    session.commit()
    return job


def test_a_running_jobs_row_follows_it_until_it_ends(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    job = _running_job(session, done=1, total=4, detail="scoring part 1 of 4")
    page = browser_page
    sign_in_page(page, live_server, make_user(session, role="admin"), "/admin/jobs")
    row = page.locator("tbody tr", has=page.locator(f'a[href="/admin/jobs/{job.id}"]'))
    assert row.locator("progress").get_attribute("value") == "1"
    assert row.locator("button", has_text="Cancel").count() == 1

    job.done, job.detail = 3, "scoring part 3 of 4\nthe rest of the step"
    session.commit()
    row.locator('progress[value="3"]').wait_for(timeout=10_000)
    assert "3/4 (75%)" in row.inner_text()
    assert row.locator("progress").get_attribute("aria-label") == f"Job {job.id}: 75% done"
    assert row.locator("[data-job-detail]").inner_text() == "scoring part 3 of 4"

    job.status, job.done, job.finished_at = "done", 4, utcnow()
    session.commit()
    badge = row.locator(f'[data-job-id="{job.id}"][data-status="done"]')
    badge.wait_for(timeout=10_000)
    assert badge.inner_text() == "done"
    assert badge.get_attribute("class") == "status job-status-done", "coloured as on a reload"
    assert "4/4 (100%)" in row.inner_text()
    assert row.locator("button", has_text="Cancel").count() == 0, "an ended job cannot be"


def test_a_queued_jobs_page_shows_its_bar_once_it_runs(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    job = _running_job(session, status="queued")
    page = browser_page
    sign_in_page(page, live_server, make_user(session, role="admin"), f"/admin/jobs/{job.id}")
    card = page.locator("section.card").first
    assert card.locator("progress").count() == 0 and "queued" in card.inner_text()

    job.status, job.done, job.total = "running", 1_200, 4_800
    session.commit()
    card.locator('progress[value="1200"][max="4800"]').wait_for(timeout=10_000)
    assert "1,200/4,800 (25%)" in card.inner_text()
    assert card.locator('[data-status="running"]').inner_text() == "running"

    job.status, job.detail, job.finished_at = "failed", "chunk 2 failed (error 7f3a9c)", utcnow()
    session.commit()
    badge = card.locator('[data-status="failed"]')
    badge.wait_for(timeout=10_000)
    assert badge.get_attribute("title") == "chunk 2 failed (error 7f3a9c)"
    assert card.locator("button", has_text="Cancel").count() == 0
