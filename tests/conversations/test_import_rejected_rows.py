"""The rows an import set aside are kept POISE_REJECTED_ROWS_DAYS days, then removed.

They were kept under the data directory for ever, customers' words and all, with nothing that
ever deleted them. Now the report offers them with the date they are kept until, and once that
has passed says they were removed (the download answers 410 with the same words, never a
broken link or a 500); the periodic ``rejected-rows`` work deletes the files, from ``poise
serve`` and from the scheduler's workers alike. Real files under the test's data directory,
a real database, the real jobs pool.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from builders import make_user, post_import, sign_in
from poise.app import create_app
from poise.auth.models import User
from poise.conversations.models import ImportRun
from poise.conversations.rejected import rejected_rows_path
from poise.db import make_engine, make_sessionmaker
from poise.db.base import utcnow
from poise.jobs import ACTIVE, InProcessJobs, JobRun
from poise.scheduler import queue_periodic
from poise.settings import Settings

MIXED = (
    b"conversation_id,channel,author_role,body,sent_at\n"
    b"IMP-1,email,customer,Hello there,2026-10-01T10:00:00Z\n"
    b"IMP-2,pigeon,customer,My card ends 4242 and nobody calls back,2026-10-01T10:00:00Z\n"
)


def _upload(client: TestClient, csrf: str, name: str = "care-export.csv") -> int:
    """Upload MIXED through the import page (its bad row set aside); the run's id."""
    posted = post_import(client, csrf, name, MIXED, skip_invalid=True)
    assert posted.status_code == 303, posted.text[:600]
    return int(posted.headers["location"].rsplit("=", 1)[1])


def _age(session: Session, run_id: int, days: float) -> None:
    """Make the import ``days`` old, as if it had come in then."""
    run = session.get(ImportRun, run_id)
    assert run is not None
    run.created_at = utcnow() - timedelta(days=days)
    session.commit()


def _report(client: TestClient, run_id: int) -> str:
    page = client.get(f"/import?run={run_id}")
    assert page.status_code == 200, page.text[:300]
    return " ".join(page.text.split('id="import-report"')[1].split('id="history"')[0].split())


def _lead(session: Session) -> User:
    return make_user(session, role="lead", team="Care", name="Cara")


def test_the_report_offers_the_rows_until_the_day_they_are_kept_to(
    client: TestClient, session: Session, settings: Settings
) -> None:
    run_id = _upload(client, sign_in(client, _lead(session)))
    assert rejected_rows_path(settings.data_dir, run_id).is_file()
    _age(session, run_id, 29.5)
    run = session.get(ImportRun, run_id)
    assert run is not None
    until = f"{run.created_at + timedelta(days=30):%Y-%m-%d %H:%M}"
    report = _report(client, run_id)
    assert f'href="/import/{run_id}/rejected"' in report
    assert f"They are kept for 30 days, until {until} UTC." in report
    download = client.get(f"/import/{run_id}/rejected")
    assert download.status_code == 200 and "IMP-2,pigeon" in download.text
    assert download.headers["content-length"] == str(len(download.content))


def test_past_the_keeping_time_the_report_says_they_were_removed_and_the_link_is_gone(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """Even before the hourly turn has deleted the file: the report and the download follow
    the clock, so they agree with each other and with the deletion."""
    run_id = _upload(client, sign_in(client, _lead(session)))
    _age(session, run_id, 30)
    assert rejected_rows_path(settings.data_dir, run_id).is_file()  # not deleted yet
    report = _report(client, run_id)
    assert "/rejected" not in report and "download them" not in report
    assert "1 row was set aside: they were removed after 30 days, on " in report
    assert "Fix those rows in your file and import it again." in report

    page = client.get(f"/import/{run_id}/rejected")
    assert page.status_code == 410
    assert "No longer here" in page.text
    assert "the rows this import set aside were removed after 30 days, on " in page.text
    assert "pigeon" not in page.text
    with TestClient(client.app, headers={"Accept": "application/json"}) as other:
        sign_in(other, make_user(session, role="admin", name="Ada Admin"))
        assert other.get(f"/import/{run_id}/rejected").status_code == 410


def test_the_setting_decides_how_long_they_are_kept(session: Session, settings: Settings) -> None:
    week = settings.model_copy(update={"rejected_rows_days": 7})
    with TestClient(create_app(week)) as client:
        run_id = _upload(client, sign_in(client, _lead(session)))
        _age(session, run_id, 6.9)
        assert "They are kept for 7 days, until" in _report(client, run_id)
        assert client.get(f"/import/{run_id}/rejected").status_code == 200
        _age(session, run_id, 7.1)
        assert "they were removed after 7 days, on" in _report(client, run_id)
        assert client.get(f"/import/{run_id}/rejected").status_code == 410
        help_page = " ".join(client.get("/help/conversations").text.split())
        assert "kept for 7 days after the import (<code>POISE_REJECTED_ROWS_DAYS</code>)" in (
            help_page
        )


def test_a_file_missing_within_the_keeping_time_is_said_so_and_answered_404(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """A file written to another web host's data directory, or a directory lost: the link
    led to a 404 the report did not foresee."""
    run_id = _upload(client, sign_in(client, _lead(session)))
    rejected_rows_path(settings.data_dir, run_id).unlink()
    report = _report(client, run_id)
    assert "/rejected" not in report and "the file of these rows is not on this server." in report
    missing = client.get(f"/import/{run_id}/rejected")
    assert missing.status_code == 404
    assert "no rejected rows were kept for this import" in missing.text


def _sweep(settings: Settings) -> str:
    """One turn of the periodic ``rejected-rows`` work on a real jobs pool, as ``poise serve``
    queues it; its job's summary, or "" when nothing was due (no job is queued then)."""
    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    jobs = InProcessJobs(maker)
    try:
        queued = queue_periodic(maker, jobs, settings, "rejected-rows")
        if not queued:
            return ""
        deadline = time.monotonic() + 30
        with maker() as session:
            while (job := session.get(JobRun, queued[0])) is None or job.status in ACTIVE:
                assert time.monotonic() < deadline, "the job did not end"
                time.sleep(0.05)
                session.expire_all()
            assert job.status == "done", job.detail
            return job.detail
    finally:
        jobs.shutdown()
        engine.dispose()


def _kept_files(settings: Settings) -> set[str]:
    folder = settings.data_dir / "rejected"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def test_the_periodic_turn_deletes_the_files_past_keeping_and_only_those(
    client: TestClient, session: Session, settings: Settings
) -> None:
    csrf = sign_in(client, _lead(session))
    old, fresh, orphan = (_upload(client, csrf, f"file-{n}.csv") for n in range(3))
    _age(session, old, 30.01)
    _age(session, fresh, 29.9)
    session.execute(delete(ImportRun).where(ImportRun.id == orphan))  # no longer recorded
    session.commit()
    folder = settings.data_dir / "rejected"
    partial = folder / f".import-{old}-rejected.txt.0a1b2c3d.part"  # left by a crash
    partial.write_text("IMP-2,pigeon\n")
    other = folder / "notes.txt"  # not Poise's: never touched
    other.write_text("keep me")
    assert _kept_files(settings) == {
        f"import-{old}-rejected.txt",
        f"import-{fresh}-rejected.txt",
        f"import-{orphan}-rejected.txt",
        partial.name,
        other.name,
    }

    said = _sweep(settings)
    assert said == "3 files of rejected import rows older than 30 days removed"  # not "file(s)"
    assert _kept_files(settings) == {f"import-{fresh}-rejected.txt", "notes.txt"}
    assert client.get(f"/import/{fresh}/rejected").status_code == 200
    assert _sweep(settings) == ""  # nothing due: no job recorded
    jobs = session.scalars(select(JobRun.kind).where(JobRun.kind == "rejected-rows")).all()
    assert len(jobs) == 1


def test_serve_deletes_expired_rows_by_itself(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``poise serve``'s own loop (a minute after it starts, then hourly; shortened here)
    runs the turn on its own data directory: with no ``poise scheduler`` on one machine,
    nothing else would."""
    monkeypatch.setattr("poise.scheduler.LOCAL_ROLLUP_SECONDS", 0.05)
    with TestClient(create_app(settings)) as client:
        run_id = _upload(client, sign_in(client, _lead(session)))
    _age(session, run_id, 31)
    path = rejected_rows_path(settings.data_dir, run_id)
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while path.exists():
            assert time.monotonic() < deadline, "poise serve did not delete the expired rows"
            time.sleep(0.05)
    assert re.search(r"\b1 file of rejected import rows", _job_details(session))


def _job_details(session: Session) -> str:
    session.expire_all()
    return " ".join(session.scalars(select(JobRun.detail).where(JobRun.kind == "rejected-rows")))
