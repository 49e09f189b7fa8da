"""A lead signs in, filters conversations, opens one and uploads a bad import file, then a
good one, whose report survives a reload without importing again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import PASSWORD, conversation_record, make_user
from poise.conversations.models import ImportRun
from poise.conversations.writer import write_conversations
from poise.jobs.models import JobRun

pytestmark = pytest.mark.browser

BAD_IMPORT = (
    "conversation_id,channel,author_role,body,sent_at\n"
    "X1,chat,customer,My parcel is lost,2026-11-01T09:00:00Z\n"
    "X1,carrier-pigeon,agent,On it,2026-11-01T09:02:00Z\n"
)
GOOD_IMPORT = BAD_IMPORT.replace("carrier-pigeon", "chat")


def test_sign_in_filter_open_and_import(
    database_url: str, session: Session, live_server: str, browser_page: Any, tmp_path: Path
) -> None:
    lead = make_user(session, role="lead", name="Lee Lead")
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    write_conversations(
        session,
        "test",
        [
            conversation_record(
                external_id="phone-1",
                channel="phone",
                subject="Router keeps rebooting",
                customer_text="My router reboots every hour.",
                start=start,
            ),
            conversation_record(
                external_id="chat-1",
                channel="chat",
                subject="Refund missing",
                start=start + timedelta(hours=1),
            ),
        ],
    )
    session.commit()
    page = browser_page

    page.goto(f"{live_server}/conversations")
    assert "/login" in page.url
    page.fill("input[name=email]", lead.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/conversations")
    assert page.locator("table.conversations tbody tr").count() == 2

    page.select_option("select[name=channel]", "phone")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/conversations?*channel=phone*")
    rows = page.locator("table.conversations tbody tr")
    assert rows.count() == 1
    assert "Router keeps rebooting" in rows.first.inner_text()

    page.select_option("select[name=channel]", "")
    page.fill("input[name=q]", "rebooting")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/conversations?q=rebooting*")
    assert rows.count() == 1 and page.input_value("input[name=q]") == "rebooting"

    page.click("text=Router keeps rebooting")
    page.wait_for_url("**/conversations/*")
    assert "My router reboots every hour." in page.locator(".thread").inner_text()

    bad = tmp_path / "bad_import.csv"
    bad.write_text(BAD_IMPORT)
    page.click("nav >> text=Import")
    page.set_input_files("input[name=file]", str(bad))
    page.select_option("select[name=format]", "csv")
    page.click("#import-form button[type=submit]")
    report = page.locator("#import-report")
    report.wait_for()
    text = report.inner_text()
    assert "Nothing was imported from bad_import.csv" in text
    assert "channel" in text and "carrier-pigeon" in text
    page.screenshot(path=str(tmp_path / "import-report.png"), full_page=True)

    good = tmp_path / "good_import.csv"
    good.write_text(GOOD_IMPORT)
    page.set_input_files("input[name=file]", str(good))
    page.select_option("select[name=format]", "csv")
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/import?run=*")
    assert "1 new conversation," in page.locator("#import-report").inner_text()
    runs = page.locator("h2#history + table tbody tr")
    before = runs.count()
    page.reload()  # a GET now: nothing is uploaded again
    assert "Imported good_import.csv" in page.locator("#import-report").inner_text()
    assert runs.count() == before == 2


def _watched_import_job(
    session: Session, live_server: str, page: Any, kind: str
) -> tuple[JobRun, Any]:
    """A lead watching the import page, and the running job of an import on it: the job and
    its row in the page's history."""
    lead = make_user(session, role="lead", team="Care")
    run = ImportRun(filename="late.csv", format="csv", source="csv", sha256="0" * 64,
                    status="imported", rows_total=1, messages_created=1,
                    team_id=lead.team_id)  # fmt: skip
    session.add(run)
    session.flush()
    job = JobRun(kind=kind, subject=f"import:{run.id}", status="running", total=4)
    session.add(job)
    session.commit()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", lead.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(f"{live_server}/import")
    return job, page.locator("h2#history + table tbody tr").first


def test_a_scoring_job_that_ends_loses_its_cancel_button(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The status turned to "scored" as the page polled, but "Cancel" stayed beside it."""
    job, row = _watched_import_job(session, live_server, browser_page, "score-import")
    assert row.locator("button", has_text="Cancel").count() == 1
    job.status, job.done, job.finished_at = "done", 4, datetime.now(UTC)
    session.commit()
    row.locator('.job-status[data-status="done"]').wait_for(timeout=10_000)
    assert "scored" in row.inner_text()
    assert row.locator("button", has_text="Cancel").count() == 0


def test_a_scoring_job_that_fails_while_watched_says_why(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """The status turned to "failed" as the page polled, with no reason anywhere: a reload
    was needed to see it (a chunk given up, the broker unreachable)."""
    job, row = _watched_import_job(session, live_server, browser_page, "score")
    reason = "a worker stopped 3 times in the middle of part 1 of this job"
    job.status, job.detail, job.finished_at = "failed", reason, datetime.now(UTC)
    session.commit()
    status = row.locator('.job-status[data-status="failed"]')
    status.wait_for(timeout=10_000)
    assert status.inner_text() == "failed"
    assert status.get_attribute("title") == reason
    assert row.locator("button", has_text="Cancel").count() == 0
